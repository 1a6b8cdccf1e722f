#!/usr/bin/env python3
"""Measures every depth network the page ships with the `edgeplay` CLI and writes
models/depth/models.json (read by <ep-depth>'s model menu) and the README table.

For each network: accuracy on the kitchen video's held-out frames 240–299 (never trained on)
and on every other shared pair set (`edgeplay --backend cpu depth --eval … --json`), MACs,
parameters, and the native CPU time per 640×480 frame (`depth --bench`, tract), measured in
interleaved rounds so that every network sees the same load; speed is also given as a ratio
to FastDepth's time in the same round.

    python3 scripts/depth-eval.py [--runs 15] [--rounds 3]
Needs the release CLI (cargo build --release -p edgeplay-cli) and $EDGEPLAY_DATASETS
(default ../shared/datasets).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

import onnx

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DATA = os.environ.get("EDGEPLAY_DATASETS") or os.path.join(ROOT, "..", "shared", "datasets")
CLI = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "edgeplay")

# What the page ships, in menu order: key, name, file under models/, what it is.
MODELS = [
    ("fastdepth", "FastDepth", "fastdepth/fastdepth.onnx", "as published (trained on NYU Depth v2)"),
    ("selfsup", "Self-supervised", "depth/selfsup.onnx", "FastDepth fine-tuned on the kitchen video, photometric loss + pose network"),
    ("xdistill", "X-Distill", "depth/xdistill.onnx", "the same + cross-task distillation from a segmentation teacher (weight 0.01)"),
    ("student", "Fast student", "depth/student.onnx", "searched slimmer network (50 % of the MACs) distilled from the self-supervised one, plus the cross-task term"),
]
HELDOUT = "240..299"


def cli(*args):
    out = subprocess.run([CLI, "--backend", "cpu", *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        sys.exit(f"edgeplay {' '.join(args)}: {out.stderr}")
    return json.loads(out.stdout)


def n_params(path):
    m = onnx.load(path)
    return int(sum(onnx.numpy_helper.to_array(t).size for t in m.graph.initializer))


def scores(g):
    m, s = g["metric"], g["median_scaled"]
    return {"absrel": m["abs_rel"], "rmse": m["rmse"], "d1": m["delta1"],
            "absrel_med": s["abs_rel"], "rmse_med": s["rmse"], "d1_med": s["delta1"], "images": g["images"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "depth", "models.json"))
    a = ap.parse_args()
    if not os.path.exists(CLI):
        sys.exit(f"{CLI} is missing: cargo build --release -p edgeplay-cli")
    depth = os.path.join(DATA, "depth")
    if not os.path.isdir(depth):
        sys.exit(f"{depth} is missing: set EDGEPLAY_DATASETS (see ../shared/datasets/README.md)")
    rows = []
    for key, name, file, about in MODELS:
        path = os.path.join(ROOT, "models", file)
        if not os.path.exists(path):
            print(f"skipping {name}: {path} is missing", file=sys.stderr)
            continue
        r = {"key": key, "name": name, "file": file, "about": about, "params": n_params(path)}
        k = cli("--model", path, "depth", "--eval", os.path.join(depth, "7scenes-kitchen"), "--frames", HELDOUT, "--json")
        r["kitchen_heldout"] = scores(k["overall"])
        for s in ("nyu-sample", "middlebury-motorcycle"):
            r[s] = scores(cli("--model", path, "depth", "--eval", os.path.join(depth, s), "--json")["overall"])
        rows.append(r)
        print(f"{name}: held-out AbsRel {r['kitchen_heldout']['absrel']:.3f} (median-scaled {r['kitchen_heldout']['absrel_med']:.3f})", file=sys.stderr)
    # Speed: interleaved rounds, median per network; ratio to FastDepth within each round.
    times = {r["key"]: [] for r in rows}
    ratios = {r["key"]: [] for r in rows}
    for _ in range(a.rounds):
        rnd = {}
        for r in rows:
            b = cli("--model", os.path.join(ROOT, "models", r["file"]), "depth", "--bench", str(a.runs), "--json")
            rnd[r["key"]] = b
            r["macs"] = b["macs"]
        for r in rows:
            times[r["key"]].append(rnd[r["key"]]["frame_ms"])
            if "fastdepth" in rnd:
                ratios[r["key"]].append(rnd["fastdepth"]["frame_ms"] / rnd[r["key"]]["frame_ms"])
    for r in rows:
        r["native_ms"] = statistics.median(times[r["key"]])
        r["native_fps"] = 1000 / r["native_ms"]
        if ratios[r["key"]]:
            r["speedup"] = statistics.median(ratios[r["key"]])
    doc = {"generated_by": "python3 scripts/depth-eval.py", "heldout": f"7scenes-kitchen frames {HELDOUT}",
           "bench": f"edgeplay --backend cpu depth --bench {a.runs} (640x480 frame incl. resizes, tract, one thread), median of {a.rounds} interleaved rounds",
           "models": rows}
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(a.out, ROOT)}", file=sys.stderr)
    print("| network | MACs | params | kitchen held-out AbsRel / RMSE m / δ1 | median-scaled AbsRel / RMSE / δ1 | NYU AbsRel | Middlebury AbsRel | native ms/frame | frames/s | × FastDepth |")
    print("|---|---:|---:|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        k = r["kitchen_heldout"]
        print(f"| {r['name']} | {r['macs'] / 1e6:.0f} M | {r['params'] / 1e6:.2f} M | {k['absrel']:.3f} / {k['rmse']:.3f} / {k['d1']:.3f} | "
              f"{k['absrel_med']:.3f} / {k['rmse_med']:.3f} / {k['d1_med']:.3f} | {r['nyu-sample']['absrel']:.3f} | "
              f"{r['middlebury-motorcycle']['absrel']:.3f} | {r['native_ms']:.1f} | {r['native_fps']:.1f} | {r.get('speedup', 0):.2f} |")


if __name__ == "__main__":
    main()
