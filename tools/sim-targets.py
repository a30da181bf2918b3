#!/usr/bin/env python3
"""Issue #7 targets from `lnroute simulate --compare-ldk --json -o RUN.jsonl > RUN.json`.

usage: tools/sim-targets.py RUN.jsonl RUN.json [--lnroute OTHER.jsonl] [--big | --depleted]

Prints bound, paid and mean attempts of both routers, bound − paid, the fee ratio on payments
both paid and paid counts per decade bucket, each target marked met (✔) or missed (✘); also,
unmarked, the mean attempts of both routers on the payments both paid (the target's mean is over
each router's own paid payments, so a router that pays more hard payments carries their retries).
`--lnroute OTHER.jsonl` takes lnroute's lines from another run's -o file (same seed, payments and
oracle; LDK's results depend only on those, so one `--compare-ldk` run serves many lnroute
variants run alone). `--big` applies the 1M–10M sat targets instead of the 1k–1M ones,
`--depleted` the `--depleted 0.3` one (success ≥ LDK's in every bucket; the rest is shown
unmarked). Buckets are the simulator's own, read from RUN.json (SPEC §7: decades of the amount
in sat, the top of the range counting in the last).
"""
import json
import sys


def load(path):
    out = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            out.setdefault(r["router"], {})[r["id"]] = r
    return out


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    runs = load(args[0])
    upper = json.load(open(args[1]))["upper_bound"]
    bound, edges = upper["payable"], upper["buckets"]
    if "--lnroute" in args:
        runs["lnroute"] = load(args[args.index("--lnroute") + 1])["lnroute"]
    ln, ldk = runs["lnroute"], runs["ldk"]

    def stats(rs):
        paid = [r for r in rs.values() if r["paid"]]
        return len(paid), sum(r["attempts"] for r in paid) / max(1, len(paid))

    def bucket_of(sat):
        last = len(edges) - 1
        for j, b in enumerate(edges):
            if b["min_sat"] <= sat < b["max_sat"] or (j == last and sat == b["max_sat"]):
                return j
        sys.exit(f"{sat} sat lies outside the buckets of {args[1]}")

    (lp, la), (kp, ka) = stats(ln), stats(ldk)
    both = [i for i in ln if ln[i]["paid"] and ldk[i]["paid"]]
    fee = sum(ln[i]["fee_msat"] for i in both) / max(1, sum(ldk[i]["fee_msat"] for i in both))
    buckets = [[0, 0] for _ in edges]
    for i, r in ln.items():
        b = buckets[bucket_of(r["amount_msat"] // 1000)]
        b[0] += r["paid"]
        b[1] += ldk[i]["paid"]
    per = " · ".join(f"[{e['min_sat']}, {e['max_sat']}) {v[0]}/{v[1]}" for e, v in zip(edges, buckets))
    mode = "depleted" if "--depleted" in args else "big" if "--big" in args else "common"
    mark = lambda ok: "✔" if ok else "✘"
    print(f"bound {bound}  lnroute {lp} paid ({la:.4f} attempts)  LDK {kp} paid ({ka:.4f} attempts)")
    if mode == "depleted":
        print(f"mean attempts (no target here): {la:.4f} vs {ka:.4f}")
    else:
        print(f"mean attempts ≤ LDK's: {la:.4f} vs {ka:.4f} {mark(la <= ka)}")
    print(f"payments both paid: {len(both)}, fee ratio lnroute/LDK {fee:.3f}")
    if both:
        (_, lb), (_, kb) = (stats({i: rs[i] for i in both}) for rs in (ln, ldk))
        print(f"mean attempts on the payments both paid (no target): {lb:.4f} vs {kb:.4f}")
    if mode == "big":
        mid = (kp + bound) / 2
        print(f"success ≥ (LDK + bound)/2: {lp} vs {mid} {mark(lp >= mid)}")
        return
    if mode == "common":
        print(f"bound − paid ≤ half LDK's: {bound - lp} vs {bound - kp} {mark(2 * (bound - lp) <= bound - kp)}")
        print(f"fee on both-paid ≤ 0.85 of LDK's: {fee:.3f} {mark(fee <= 0.85)}")
    print(f"paid per bucket, lnroute/LDK: {per} {mark(all(v[0] >= v[1] for v in buckets))}")


if __name__ == "__main__":
    main()
