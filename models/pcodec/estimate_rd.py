"""Quick estimate of a checkpoint's progressive RD curve and its BD-rates, for choosing training
settings without exporting (the reported numbers come from the Rust codec, `edgeplay rd`).

    python3 models/pcodec/estimate_rd.py models/pcodec/ckpt/last.pt [--images 6] [--threads 2]

Simulates the stream of `crates/pcodec` with ideal code lengths: z, then every latent's index
on the coarsest grid, then one refinement per level, each level in decreasing-σ order; a
prefix of B bits refines the first latents of the level it ends in, and unrefined latents sit
at the conditional mean of their cell (cell centre on the finest grid), as the decoder does.
Kodak images 1..N (evaluation only); BD-rates against the SPIHT-AC and JPEG 2000 rows of the
same images in docs/rd-kodak-progressive.json, with scripts/bd-rate.py's method.
"""
import argparse
import importlib.util
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from model import STEPS, Codec  # noqa: E402
from train import DATA, load_images, psnr  # noqa: E402

spec = importlib.util.spec_from_file_location("bd_rate", os.path.join(ROOT, "scripts", "bd-rate.py"))
bd = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bd)

TARGETS = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5]


@torch.no_grad()
def curve(model, x):
    """(bpp, PSNR) at each target rate for one image (1×3×H×W in [0, 1])."""
    px = x.shape[2] * x.shape[3]
    y = model.g_a(x)
    z = torch.round(model.h_a(y))
    s = model.sigma(z)
    order = torch.argsort(-s.flatten(), stable=True)
    masses = [model.gaussian_mass(torch.round(y / st) * st, s, st / 2).flatten() for st in STEPS]
    level_bits = [-torch.log2(masses[0])]
    level_bits += [torch.log2(masses[l - 1] / masses[l]).clamp_min(0) for l in range(1, len(STEPS))]
    ends = [-torch.log2(model.z_mass(z)).sum().item()]  # bits at the end of z, level 0, 1, ...
    for b in level_bits:
        ends.append(ends[-1] + b.sum().item())
    recon = [torch.zeros_like(y)]
    recon += [model.quantize(y, st, s if l < len(STEPS) - 1 else None) for l, st in enumerate(STEPS)]
    out = []
    for t in TARGETS:
        budget = t * px
        if budget >= ends[-1]:
            yq, used = recon[-1], ends[-1]
        else:
            l = max(k for k in range(len(STEPS)) if ends[k] <= budget)
            n = int((torch.cumsum(level_bits[l][order], 0) + ends[l] <= budget).sum().item())
            mask = torch.zeros(y.numel())
            mask[order[:n]] = 1
            mask = mask.view_as(y)
            yq, used = mask * recon[l + 1] + (1 - mask) * recon[l], budget
        out.append((used / px, psnr(model.g_s(yq), x)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("--images", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--baselines", default=os.path.join(ROOT, "docs", "rd-kodak-progressive.json"))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    ck = torch.load(a.ckpt, map_location="cpu")
    args = ck.get("args", {})
    model = Codec(args.get("n", 64), args.get("m", 96))
    model.load_state_dict(ck["model"])
    model.eval()
    kodak = load_images(os.path.join(DATA, "kodak"))[: a.images]  # evaluation only
    points = json.load(open(a.baselines))["points"]
    rows, bds = [], {"spiht-ac": [], "jpeg2000": []}
    for i, img in enumerate(kodak):
        c = curve(model, img.unsqueeze(0).float() / 255.0)
        rows.append(c)
        name, px = f"kodim{i + 1:02d}.png", img.shape[1] * img.shape[2]
        # As rd JSON points, so bd-rate.py's curve() prunes them the same way (a saturated
        # stream counts once).
        est = [{"image": name, "codec": "estimate", "bytes": round(b * px / 8), "bpp": b, "psnr_rgb": d} for b, d in c]
        r2, d2 = bd.curve(est, name, "estimate", "psnr_rgb")
        for other in bds:
            r1, d1 = bd.curve(points, name, other, "psnr_rgb")
            v = bd.bd_rate(r1, d1, r2, d2) if len(r1) else None
            if v is not None and np.isfinite(v):
                bds[other].append(v)
    print(f"{a.ckpt}: step {ck['step']}, Kodak 1-{a.images}, estimated (ideal code lengths)")
    print("  " + "  ".join(f"{t} bpp: {np.mean([r[j][1] for r in rows]):.2f} dB @ {np.mean([r[j][0] for r in rows]):.3f}"
                           for j, t in enumerate(TARGETS)))
    print("  BD-rate " + ", ".join(f"vs {o} {np.mean(v):+.1f} % ({len(v)} images)" for o, v in bds.items()))


if __name__ == "__main__":
    main()
