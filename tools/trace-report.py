#!/usr/bin/env python3
"""Calibration and failure report from `lnroute simulate --trace T.jsonl`.

usage: tools/trace-report.py T.jsonl [--router lnroute]

Per router: attempts by planned probability (the answer's `probability`) against how many of
them paid, single-path and split attempts apart, with the expected count (sum of the estimates)
and its standard deviation; where failed parts failed (the payer's own channel, the channel
into the target, or between); and retries per paid payment. A calibrated router's paid count
stays within a few standard deviations of its expected count in every row.
"""
import collections
import json
import math
import sys


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    only = args[args.index("--router") + 1] if "--router" in args else None
    by_router = collections.defaultdict(list)
    with open(args[0]) as f:
        for line in f:
            r = json.loads(line)
            if only is None or r["router"] == only:
                by_router[r["router"]].append(r)
    for name, rows in by_router.items():
        print(f"== {name}: {len(rows)} attempts")
        for kind in ("single", "split"):
            sel = [r for r in rows if (len(r["parts"]) > 1) == (kind == "split")]
            if not sel:
                continue
            print(f"  {kind}-path attempts: planned P   n   paid  expected ± sd")
            buckets = collections.defaultdict(list)
            for r in sel:
                p = r["probability"] if r["probability"] is not None else float("nan")
                buckets[min(int(p * 10), 9) if p == p else -1].append(r)
            for b in sorted(buckets):
                rs = buckets[b]
                ps = [r["probability"] or 0.0 for r in rs]
                exp, sd = sum(ps), math.sqrt(sum(p * (1 - p) for p in ps))
                paid = sum(r["paid"] for r in rs)
                label = "unknown" if b < 0 else f"[{b / 10:.1f}, {(b + 1) / 10:.1f})"
                print(f"    {label:>12} {len(rs):5} {paid:6} {exp:9.1f} ± {sd:.1f}")
        where = collections.Counter()
        for r in rows:
            for p in r["parts"]:
                k = p.get("failed_at")
                if k is None:
                    continue
                where["payer's channel" if k == 0 else "into the target" if k == p["hops"] - 1 else "between"] += 1
        total = sum(where.values())
        print("  failed parts: " + ", ".join(f"{k} {v} ({100 * v / max(1, total):.0f} %)" for k, v in where.most_common()))
        last = {}
        for r in rows:
            last[r["id"] if not isinstance(r["id"], (dict, list)) else json.dumps(r["id"])] = r
        paid = [r for r in last.values() if r["paid"]]
        if paid:
            att = collections.Counter(r["attempt"] for r in paid)
            print(f"  paid payments {len(paid)}, mean attempts {sum(r['attempt'] for r in paid) / len(paid):.4f}, by attempts: "
                  + " ".join(f"{k}:{v}" for k, v in sorted(att.items())))


if __name__ == "__main__":
    main()
