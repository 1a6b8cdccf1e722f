#!/usr/bin/env python3
"""Mean accuracy gap of the DONNA-style search over many seeds, per dataset (README table).

Usage: python3 scripts/nas-gaps.py [--seeds 20] [-- extra edgeplay nas search args]
Runs `target/release/edgeplay nas search --dataset D --seed S --json` for every dataset and seed and
prints a Markdown table: the search's gap (mean, median, range), random sampling with the same
budget (mean over the same seeds) and how often the search meets 0.2 points.
"""
import json
import statistics as st
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target/release/edgeplay"


def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        i = args.index("--")
        args, extra = args[:i], args[i + 1:]
    seeds = int(args[args.index("--seeds") + 1]) if "--seeds" in args else 20
    print(f"| dataset | search: mean | median | min–max | ≤ 0.2 in | random 156: mean | oracle |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for ds, label in [("cifar10", "CIFAR-10"), ("cifar100", "CIFAR-100"), ("imagenet16", "ImageNet16-120")]:
        gaps, rand = [], []
        for s in range(1, seeds + 1):
            out = json.loads(subprocess.check_output([BIN, "nas", "search", "--dataset", ds, "--seed", str(s), "--json", *extra], cwd=ROOT))
            gaps.append(out["mean_gap"])
            rand.append(out["random_gap_same_budget"])
        oracle = json.loads(subprocess.check_output([BIN, "nas", "search", "--dataset", ds, "--seed", "1", "--oracle", "--json", *extra], cwd=ROOT))["mean_gap"]
        met = sum(g <= 0.2 for g in gaps)
        print(f"| {label} | {st.mean(gaps):.2f} | {st.median(gaps):.2f} | {min(gaps):.2f}–{max(gaps):.2f} | {met} / {seeds} | {st.mean(rand):.2f} | {oracle:.2f} |")


if __name__ == "__main__":
    main()
