#!/usr/bin/env python3
"""The budget rules checked against a second implementation, written here from their description
(sync/hub/budget.h and assets/README.md "Budget consultations"), in exact fractions.

Random pabulib files (knapsack and approval ballots, small and large electorates, many equal
costs so that ties happen) are written, counted by `civic-hub budget-count --json`, and counted
here: the greedy rule, and the method of equal shares with its "add one" completion in 1% steps
(at most 200) and the greedy fill. The funded projects, and the completion steps kept, must be the same.

Usage: budget_oracle_test.py BUILD_DIR [INSTANCES]
"""
import json
import os
import random
import subprocess
import sys
import tempfile
from fractions import Fraction



def tie_key(p, votes, cost):
    """Ties: more votes first, then the cheaper, then by id."""
    return (-votes[p], cost[p], p)


def greedy(total, cost, votes, chosen=()):
    chosen = list(chosen)
    spent = sum(cost[p] for p in chosen)
    for p in sorted(cost, key=lambda p: tie_key(p, votes, cost)):
        if p in chosen or votes[p] == 0:
            continue
        if spent + cost[p] <= total:
            chosen.append(p)
            spent += cost[p]
    return chosen


def mes_run(cost, votes, groups, share):
    left = [share for _ in groups]
    chosen = []
    while True:
        best = None
        for p in cost:
            if p in chosen:
                continue
            sup = [g for g, (ballot, _) in enumerate(groups) if p in ballot]
            if not sup:
                continue
            money = sum(left[g] * groups[g][1] for g in sup)
            if money < cost[p]:
                continue
            remaining, payers, rho = Fraction(cost[p]), sum(groups[g][1] for g in sup), None
            for g in sorted(sup, key=lambda g: left[g]):
                if left[g] * payers >= remaining:
                    rho = remaining / payers
                    break
                remaining -= left[g] * groups[g][1]
                payers -= groups[g][1]
            key = (rho,) + tie_key(p, votes, cost)
            if best is None or key < best[0]:
                best = (key, p, rho)
        if best is None:
            return chosen
        _, p, rho = best
        chosen.append(p)
        for g, (ballot, _) in enumerate(groups):
            if p in ballot:
                left[g] -= min(left[g], rho)


def equal_shares(total, cost, votes, groups):
    voters = sum(n for _, n in groups)
    share = Fraction(total, voters)
    kept, steps = mes_run(cost, votes, groups, share), 0
    supported = sum(1 for p in cost if votes[p] > 0)
    for step in range(1, 201):
        if len(kept) >= supported:
            break
        nxt = mes_run(cost, votes, groups, share * (1 + Fraction(step, 100)))
        if sum(cost[p] for p in nxt) > total:
            break
        kept, steps = nxt, step
    return greedy(total, cost, votes, kept), steps


def instance(rng):
    m = rng.randint(2, 9)
    costs = [rng.choice([10, 20, 20, 30, 50, 50, 80, 100]) * rng.choice([1, 10, 100]) for _ in range(m)]
    total = max(costs) + rng.randint(0, sum(costs))
    approval = rng.random() < 0.4
    k = rng.randint(1, m)
    popularity = [rng.random() for _ in range(m)]
    voters = []
    for _ in range(rng.choice([3, 7, 25, 120, 900])):
        ballot = []
        for p in sorted(range(m), key=lambda p: -popularity[p] * rng.random()):
            if approval:
                if len(ballot) < k and rng.random() < 0.6:
                    ballot.append(p)
            elif sum(costs[q] for q in ballot) + costs[p] <= total and rng.random() < 0.7:
                ballot.append(p)
        voters.append(ballot)
    return total, costs, voters


def main():
    hub = os.path.join(sys.argv[1], "sync", "hub", "civic-hub")
    instances = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rng = random.Random(20261202)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(instances):
            total, costs, voters = instance(rng)
            ids = [f"p{i}" for i in range(len(costs))]
            lines = ["META", "key;value", f"budget;{total}", "vote_type;approval", "PROJECTS",
                     "project_id;cost;votes;name"]
            lines += [f"{ids[i]};{c};0;Project {i}" for i, c in enumerate(costs)]
            lines += ["VOTES", "voter_id;vote"] + [f"{v + 1};{','.join(ids[p] for p in b)}" for v, b in enumerate(voters)]
            path = os.path.join(tmp, f"i{n}.pb")
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
            got = json.loads(subprocess.run([hub, "budget-count", path, "--json"], check=True, capture_output=True,
                                            text=True).stdout)
            cost = {ids[i]: c for i, c in enumerate(costs)}
            votes = {p: 0 for p in ids}
            merged = {}
            for b in voters:
                key = frozenset(ids[p] for p in b)
                merged[key] = merged.get(key, 0) + 1
                for p in b:
                    votes[ids[p]] += 1
            groups = list(merged.items())
            want_greedy = greedy(total, cost, votes)
            want_shares, want_steps = equal_shares(total, cost, votes, groups)
            if got["equal_shares"]["completion_steps"] != want_steps:
                failures += 1
                print(f"FAIL instance {n} ({path}): civic-hub kept {got['equal_shares']['completion_steps']} "
                      f"completion steps, the oracle {want_steps}")
            for rule, want in (("greedy", want_greedy), ("equal_shares", want_shares)):
                if sorted(got[rule]["chosen"]) != sorted(want):
                    failures += 1
                    print(f"FAIL instance {n} ({path}) {rule}: civic-hub {got[rule]['chosen']}, oracle {want}")
                    with open(path, encoding="utf-8") as f:
                        print(f.read()[:2000])
    print(f"{instances} instances, {failures} disagreement(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
