#!/usr/bin/env python3
"""Issue #7's acceptance run, as an outside driver would do it: own oracle, own payments, own check.

usage: tools/outside-driver.py --graph G.lnrg [--lnroute BIN] [--seed S] [--payments N]
                               [--min-sat A] [--max-sat B] [--depleted F] [--dir DIR]
                               [--no-ldk]

1. Draws its own hidden liquidity with Python's `random` (seeded by --seed, independent of
   lnroute's own draw): per channel x ~ U[0, capacity] for direction 0, capacity − x for
   direction 1 (SPEC §7's uniform split), written as DIR/L.csv. Capacities come from a
   `--write-liquidity` file of lnroute's own seeded draw, where the two directions of a channel
   add up to its capacity. With --depleted F, each half is then, with probability F, nearly
   empty instead: U[0, capacity / 100] (SPEC §7's `--depleted`, drawn here, not by lnroute; the
   run then gets only L.csv, never `--depleted`). Channels with only one half in the graph are
   left out of L.csv
   (they keep lnroute's seeded draw, which the check below reads back from that run's file).
2. Draws its own payments: endpoints re-paired at random from a pool of `lnroute queries`
   endpoints (nodes with enabled channels), amounts log-uniform in whole sats over
   [A, B], written as DIR/Q.jsonl (SPEC §4 queries).
3. Runs `lnroute simulate --queries Q --liquidity L --compare-ldk --json -o P.jsonl`
   (without --compare-ldk under --no-ldk).
4. Checks every paid route of every router in P.jsonl on its own, without the simulator's
   bookkeeping: parts chain from the payer to the target, each part's last hop carries the part's
   amount, the parts add up to the payment, and per half the parts' amounts sum to no more than
   the half's liquidity in the oracle (direction from the node ids, as in SPEC §1).
5. Prints issue #7's targets with tools/sim-targets.py (`--big` when A ≥ 1M sat, `--depleted`
   under --depleted).

Exit code 1 if any paid route does not fit the oracle.
"""
import argparse
import collections
import json
import math
import os
import random
import subprocess
import sys


def read_liquidity(path):
    out = {}
    with open(path) as f:
        next(f)
        for line in f:
            c, d, v = line.strip().split(",")
            out[(c, int(d))] = int(v)
    return out


def check(path, queries, oracle):
    """Counts paid routes per router, and those that do not fit `oracle` (half → msat)."""
    bad = collections.Counter()
    paid = collections.Counter()
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if not r["paid"]:
                continue
            paid[r["router"]] += 1
            q, ans = queries[r["id"]], r["route"]
            use = collections.Counter()
            total = 0
            ok = True
            for part in ans["parts"]:
                hops = part["hops"]
                ok &= hops[0]["from"] == q["source"] and hops[-1]["to"] == q["target"]
                ok &= hops[-1]["amount_msat"] == part["amount_msat"]
                ok &= all(hops[k - 1]["to"] == hops[k]["from"] for k in range(1, len(hops)))
                for h in hops:
                    d = 0 if h["from"] < h["to"] else 1
                    use[(h["channel"], d)] += h["amount_msat"]
                total += part["amount_msat"]
            ok &= total == q["amount_msat"]
            for half, amount in use.items():
                if half not in oracle or amount > oracle[half]:
                    ok = False
                    print(f"{r['router']} payment {r['id']}: half {half} carries {amount} msat, "
                          f"oracle {oracle.get(half)}", file=sys.stderr)
            if not ok:
                bad[r["router"]] += 1
    return paid, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--graph", required=True)
    ap.add_argument("--lnroute", default="target/release/lnroute")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--payments", type=int, default=2000)
    ap.add_argument("--min-sat", type=int, default=1000)
    ap.add_argument("--max-sat", type=int, default=1_000_000)
    ap.add_argument("--depleted", type=float, default=0.0,
                    help="share of halves drawn nearly empty (U[0, capacity/100])")
    ap.add_argument("--dir", default="outside-run")
    ap.add_argument("--no-ldk", action="store_true")
    a = ap.parse_args()
    if not 0.0 <= a.depleted <= 1.0:
        ap.error(f"--depleted must be a share in [0, 1], got {a.depleted}")
    os.makedirs(a.dir, exist_ok=True)
    p = lambda name: os.path.join(a.dir, name)
    run = lambda *args, **kw: subprocess.run([a.lnroute, *args], check=True, **kw)
    rng = random.Random(a.seed)

    # 1. capacities, then our own oracle
    run("simulate", "--graph", a.graph, "--payments", "1", "--seed", "1",
        "--write-liquidity", p("seeded.csv"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seeded = read_liquidity(p("seeded.csv"))
    oracle = dict(seeded)
    with open(p("L.csv"), "w") as f:
        f.write("channel,direction,liquidity_msat\n")
        for (c, d), v in seeded.items():
            if d == 0 and (c, 1) in seeded:
                cap = v + seeded[(c, 1)]
                x = rng.randint(0, cap)
                pair = [x, cap - x]
                if a.depleted > 0:  # only then: runs without it keep the same random stream
                    pair = [rng.randint(0, cap // 100) if rng.random() < a.depleted else h
                            for h in pair]
                oracle[(c, 0)], oracle[(c, 1)] = pair
                f.write(f"{c},0,{pair[0]}\n{c},1,{pair[1]}\n")

    # 2. our own payments
    run("queries", "--graph", a.graph, "--count", "5000", "--seed", str(a.seed + 7919),
        "-o", p("pool.jsonl"))
    ends = []
    with open(p("pool.jsonl")) as f:
        for line in f:
            q = json.loads(line)
            ends += [q["source"], q["target"]]
    queries = {}
    with open(p("Q.jsonl"), "w") as f:
        while len(queries) < a.payments:
            s, t = rng.choice(ends), rng.choice(ends)
            if s == t:
                continue
            sat = round(math.exp(rng.uniform(math.log(a.min_sat), math.log(a.max_sat))))
            q = {"id": len(queries), "source": s, "target": t, "amount_msat": sat * 1000}
            queries[q["id"]] = q
            f.write(json.dumps(q) + "\n")

    # 3. the run
    cmd = ["simulate", "--graph", a.graph, "--queries", p("Q.jsonl"), "--liquidity", p("L.csv"),
           "--json", "-o", p("P.jsonl")]
    if not a.no_ldk:
        cmd.append("--compare-ldk")
    with open(p("P.json"), "w") as out:
        run(*cmd, stdout=out)

    # 4. our own check of every paid route
    paid, bad = check(p("P.jsonl"), queries, oracle)
    for router in sorted(paid):
        print(f"{router}: {paid[router]} paid routes checked, {bad[router]} do not fit the oracle")

    # 5. the targets
    if not a.no_ldk:
        here = os.path.dirname(os.path.abspath(__file__))
        if a.depleted > 0:
            extra = ["--depleted"]
        elif a.min_sat >= 1_000_000:
            extra = ["--big"]
        else:
            extra = []
        subprocess.run([sys.executable, os.path.join(here, "sim-targets.py"), p("P.jsonl"),
                        p("P.json"), *extra], check=True)
    sys.exit(1 if sum(bad.values()) else 0)


if __name__ == "__main__":
    main()
