"""Train the progressive codec on random crops of photos-train + photos-train-extra in
$EDGEPLAY_DATASETS (default ../shared/datasets; never Kodak), or of --data folders.

    python3 models/pcodec/train.py [--steps 200000] [--lmbda 0.035] [--partial-weight 0.05] [--lr 1e-4]

Checkpoints to models/pcodec/ckpt/last.pt every --save-every steps (atomic) and resumes from it;
every --eval-every steps logs RD on Kodak (evaluation only) to models/pcodec/ckpt/log.jsonl:
estimated bpp and PSNR at the finest level and PSNR after each coarse level.
"""
import argparse
import glob
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
from PIL import Image

from model import STEPS, Codec

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
# The big datasets live outside the repository: $EDGEPLAY_DATASETS, by default ../shared/datasets.
DATA = os.environ.get("EDGEPLAY_DATASETS") or os.path.join(ROOT, "..", "shared", "datasets")
TRAIN_SETS = ("photos-train", "photos-train-extra")


def load_images(folder):
    if not os.path.isdir(folder):
        sys.exit(f"{folder} is missing: set EDGEPLAY_DATASETS to the datasets folder (see ../shared/datasets/README.md) "
                 "or pass --data DIR [DIR ...]")
    imgs = []
    for f in sorted(glob.glob(os.path.join(folder, "*.png"))):
        a = np.asarray(Image.open(f).convert("RGB"), dtype=np.uint8)
        imgs.append(torch.from_numpy(a.copy()).permute(2, 0, 1))
    return imgs


def batch(imgs, size, n, rng):
    out = []
    for _ in range(n):
        im = imgs[rng.randrange(len(imgs))]
        _, h, w = im.shape
        y, x = rng.randrange(h - size + 1), rng.randrange(w - size + 1)
        c = im[:, y:y + size, x:x + size]
        if rng.random() < 0.5:
            c = c.flip(2)
        out.append(c)
    return torch.stack(out).float() / 255.0


def psnr(a, b):
    mse = torch.mean((a.clamp(0, 1) - b) ** 2).item()
    return 10 * math.log10(1 / max(mse, 1e-12))


@torch.no_grad()
def evaluate(model, kodak):
    model.eval()
    rows = []
    for x in kodak:
        x = x.unsqueeze(0).float() / 255.0
        y = model.g_a(x)
        z = torch.round(model.h_a(y))
        sigma = model.sigma(z)
        yq = torch.round(y)
        bits = -torch.log2(model.gaussian_mass(yq, sigma, 0.5)).sum() - torch.log2(model.z_mass(z)).sum()
        px = x.shape[2] * x.shape[3]
        row = {"bpp": bits.item() / px, "psnr": psnr(model.g_s(yq), x)}
        for i, s in enumerate(STEPS[:-1]):
            row[f"psnr_step{int(s)}"] = psnr(model.g_s(model.quantize(y, s, sigma)), x)
        rows.append(row)
    model.train()
    return {k: sum(r[k] for r in rows) / len(rows) for k in rows[0]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--lmbda", type=float, default=0.035,
                    help="rate-distortion trade-off (0.018 up to step 44,400)")
    ap.add_argument("--lr", type=float, default=None,
                    help="learning rate (default 3e-4); given when resuming, it replaces the checkpoint's")
    ap.add_argument("--partial-weight", type=float, default=0.05,
                    help="weight of the partial-refinement MSE (coarse grids) relative to the finest level's (1.0 up to step 40,000)")
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--m", type=int, default=96)
    ap.add_argument("--save-every", type=int, default=200)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--ckpt", default=os.path.join(HERE, "ckpt"))
    ap.add_argument("--data", nargs="+", default=None,
                    help="folders of training PNGs (default: photos-train and photos-train-extra in $EDGEPLAY_DATASETS)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.ckpt, exist_ok=True)
    last = os.path.join(args.ckpt, "last.pt")

    model = Codec(args.n, args.m)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr or 3e-4)
    step = 0
    rng = random.Random(0)
    if os.path.exists(last):
        ck = torch.load(last, map_location="cpu")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step = ck["step"]
        rng.setstate(ck["rng"])
        torch.set_rng_state(ck["torch_rng"])
        if args.lr is not None:
            for g in opt.param_groups:
                g["lr"] = args.lr
        print(f"resumed at step {step}, lr {opt.param_groups[0]['lr']:g}", flush=True)
    print(f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)

    folders = args.data or [os.path.join(DATA, d) for d in TRAIN_SETS]
    train = [im for d in folders for im in load_images(d)]
    print(f"{len(train)} training photos from {', '.join(folders)}", flush=True)
    kodak = load_images(os.path.join(DATA, "kodak"))[:6] if args.eval_every > 0 else []  # evaluation only
    log = open(os.path.join(args.ckpt, "log.jsonl"), "a")
    t0, acc = time.time(), []
    while step < args.steps:
        x = batch(train, args.crop, args.batch, rng)
        out = model(x)
        px = x.shape[0] * x.shape[2] * x.shape[3]
        bpp = out["bits"] / px
        mse = torch.mean((out["x_fine"] - x) ** 2) + args.partial_weight * torch.mean((out["x_partial"] - x) ** 2)
        loss = bpp + args.lmbda * 255 ** 2 * mse
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        acc.append((loss.item(), bpp.item(), mse.item()))
        if step % 50 == 0:
            l, b, m = (sum(v) / len(acc) for v in zip(*acc))
            print(f"step {step} loss {l:.4f} bpp {b:.4f} mse {m:.5f} {(time.time() - t0) / len(acc):.2f}s/step", flush=True)
            acc, t0 = [], time.time()
        if step % args.save_every == 0 or step == args.steps:
            tmp = last + ".tmp"
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "args": vars(args),
                        "rng": rng.getstate(), "torch_rng": torch.get_rng_state()}, tmp)
            os.replace(tmp, last)
        if args.eval_every > 0 and step % args.eval_every == 0:
            r = evaluate(model, kodak)
            r["step"] = step
            log.write(json.dumps(r) + "\n")
            log.flush()
            print("eval", r, flush=True)


if __name__ == "__main__":
    main()
