"""Bjøntegaard delta rate (BD-rate, %) of one codec against others from `edgeplay rd --json`.

    python3 scripts/bd-rate.py docs/rd-kodak-progressive.json [--codec progressive] [--metric psnr_rgb]

Per image: log(bpp) is fitted as a cubic in PSNR for both codecs (the classic VCEG-M33
method), integrated over the PSNR interval both curves cover, and the mean log-rate
difference turned into a percentage; the table reports the mean over images and the count
of images whose curves overlap. Points with the same actual rate (a stream shorter than the
target) are used once, and points that gain less than 0.05 dB over the previous one
(a saturated curve) are dropped. Negative = fewer bits for the same quality.
"""
import argparse
import json

import numpy as np


def bd_rate(r1, d1, r2, d2):
    """BD-rate of curve 2 against curve 1 (rates in bpp, distortions in dB)."""
    if len(r1) < 4 or len(r2) < 4:
        # Fewer points: fit the highest degree the points allow.
        deg = min(len(r1), len(r2)) - 1
    else:
        deg = 3
    if deg < 1:
        return None
    lr1, lr2 = np.log(r1), np.log(r2)
    p1, p2 = np.polyfit(d1, lr1, deg), np.polyfit(d2, lr2, deg)
    lo, hi = max(min(d1), min(d2)), min(max(d1), max(d2))
    if hi <= lo:
        return None
    i1, i2 = np.polyint(p1), np.polyint(p2)
    a1 = np.polyval(i1, hi) - np.polyval(i1, lo)
    a2 = np.polyval(i2, hi) - np.polyval(i2, lo)
    return (np.exp((a2 - a1) / (hi - lo)) - 1) * 100


def curve(points, image, codec, metric):
    seen = {}
    for p in points:
        if p["image"] == image and p["codec"] == codec:
            seen[p["bytes"]] = p
    pts = sorted(seen.values(), key=lambda p: p["bpp"])
    # Keep the part of the curve where quality still rises (≥ 0.05 dB per point): a codec
    # that has saturated (its whole stream shorter than the target) would make the cubic
    # fit of log-rate against PSNR explode.
    kept = []
    for p in pts:
        if not kept or p[metric] >= kept[-1][metric] + 0.05:
            kept.append(p)
    return np.array([p["bpp"] for p in kept]), np.array([p[metric] for p in kept])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--codec", default="progressive")
    ap.add_argument("--metric", default="psnr_rgb")
    a = ap.parse_args()
    d = json.load(open(a.json))
    pts = d["points"]
    images = sorted({p["image"] for p in pts})
    others = [c for c in dict.fromkeys(p["codec"] for p in pts) if c != a.codec]
    print(f"BD-rate of {a.codec} ({a.metric}), mean over images; negative = fewer bits.\n")
    print("| against | BD-rate | images |")
    print("|---|---:|---:|")
    for o in others:
        vals = []
        for im in images:
            r1, d1 = curve(pts, im, o, a.metric)
            r2, d2 = curve(pts, im, a.codec, a.metric)
            v = bd_rate(r1, d1, r2, d2) if len(r1) and len(r2) else None
            if v is not None and np.isfinite(v):
                vals.append(v)
        cell = f"{np.mean(vals):+.1f} %" if vals else "no overlap"
        print(f"| {o} | {cell} | {len(vals)} |")


if __name__ == "__main__":
    main()
