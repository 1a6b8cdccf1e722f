#!/usr/bin/env python3
"""README figure for the trained depth networks: held-out AbsRel (median-scaled and metric)
during training for each run (models/depth/ckpt/RUN/log.jsonl), and one held-out kitchen
frame with its Kinect depth and every shipped network's prediction (ONNX via onnxruntime,
the resize rule of crates/depth: whole frame → 224², prediction → frame size, bilinear).

    python3 scripts/depth-plot.py -o docs/depth-xdistill.png [--frame 270]
(needs matplotlib, onnxruntime and $EDGEPLAY_DATASETS)
"""
import argparse
import json
import os

import matplotlib
import numpy as np
from PIL import Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DATA = os.environ.get("EDGEPLAY_DATASETS") or os.path.join(ROOT, "..", "shared", "datasets")
RUNS = [("selfsup", "self-supervised (pose network)", "#1c7ed6", "-"), ("xdistill", "+ cross-task term 0.01 (X-Distill)", "#2b8a3e", "-"),
        ("xdistill-w0.1", "+ cross-task term 0.1 (stopped)", "#2b8a3e", ":"),
        ("selfsup-gtpose", "self-supervised (dataset poses)", "#e8590c", "-"), ("student", "student + cross-task 0.01", "#7048e8", "-"),
        ("student-nox", "student without it", "#7048e8", ":")]


def predict(path, rgb):
    import onnxruntime as ort
    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    x = np.asarray(Image.fromarray(rgb).resize((224, 224), Image.BILINEAR), np.float32).transpose(2, 0, 1)[None] / 255
    d = s.run(None, {s.get_inputs()[0].name: x})[0][0, 0]
    return np.asarray(Image.fromarray(d).resize((rgb.shape[1], rgb.shape[0]), Image.BILINEAR))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--out", default=os.path.join(ROOT, "docs", "depth-xdistill.png"))
    ap.add_argument("--frame", type=int, default=270)
    a = ap.parse_args()
    models = json.load(open(os.path.join(ROOT, "models", "depth", "models.json")))["models"]
    fig = plt.figure(figsize=(15, 7.2))
    gs = fig.add_gridspec(2, 1, height_ratios=[1.1, 1])
    top = gs[0].subgridspec(1, 2, wspace=0.2)
    for j, metric in enumerate(("absrel_med", "absrel")):
        ax = fig.add_subplot(top[j])
        for run, label, col, ls in RUNS:
            p = os.path.join(ROOT, "models", "depth", "ckpt", run, "log.jsonl")
            if not os.path.exists(p):
                continue
            rows = [json.loads(l) for l in open(p) if l.strip()]
            rows = sorted({r["step"]: r for r in rows if metric in r}.values(), key=lambda r: r["step"])
            ax.plot([r["step"] for r in rows], [r[metric] for r in rows], marker="o", ls=ls, color=col, label=label, ms=3)
        ax.set_xlabel("training step")
        ax.set_ylabel("held-out AbsRel" + (" (median-scaled)" if metric == "absrel_med" else " (metric)"))
        ax.set_title("kitchen frames 240–299, never trained on (224² check during training)", fontsize=9)
        ax.grid(alpha=0.3)
        if j == 0:
            ax.legend(fontsize=8)
    kit = os.path.join(DATA, "depth", "7scenes-kitchen")
    rgb = np.asarray(Image.open(os.path.join(kit, f"frame-{a.frame:06d}.color.jpg")).convert("RGB"))
    mm = np.asarray(Image.open(os.path.join(kit, f"frame-{a.frame:06d}.depth.png"))).astype(np.float32)
    gt = np.where((mm == 0) | (mm == 65535), np.nan, mm / 1000)
    lo, hi = np.nanpercentile(gt, 2), np.nanpercentile(gt, 98)
    row = gs[1].subgridspec(1, len(models) + 2, wspace=0.05)
    ax = fig.add_subplot(row[0]); ax.imshow(rgb); ax.set_title(f"frame {a.frame}", fontsize=9); ax.axis("off")
    ax = fig.add_subplot(row[1]); ax.imshow(gt, cmap="turbo_r", vmin=lo, vmax=hi); ax.set_title("Kinect depth", fontsize=9); ax.axis("off")
    for i, m in enumerate(models):
        d = predict(os.path.join(ROOT, "models", m["file"]), rgb)
        ok = np.isfinite(gt)
        absrel = float(np.mean(np.abs(d[ok] - gt[ok]) / gt[ok]))
        ax = fig.add_subplot(row[i + 2])
        ax.imshow(d, cmap="turbo_r", vmin=lo, vmax=hi)
        ax.set_title(f"{m['name']}\nAbsRel {absrel:.3f} here", fontsize=9)
        ax.axis("off")
    fig.suptitle("Self-supervised depth on the 7-Scenes kitchen: held-out error during training, and one held-out frame (same colour scale, metres)", fontsize=11)
    fig.tight_layout()
    fig.savefig(a.out, dpi=90)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
