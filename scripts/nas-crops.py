#!/usr/bin/env python3
"""Writes crates/nas/data/crops.u8: the batch of natural-image crops the zero-cost proxies
are measured on. 32 crops of 32x32 RGB (u8, CHW per crop), each a random 128x128 window of
one of the three Kodak sample images in www/samples, averaged down 4x4 (area filter).
Deterministic (seed 0); rerunning reproduces the committed file byte for byte."""
import numpy as np
from PIL import Image
from pathlib import Path

root = Path(__file__).resolve().parent.parent
images = [np.asarray(Image.open(root / f"www/samples/{n}.png").convert("RGB"), np.float64)
          for n in ("kodim03", "kodim19", "kodim23")]
rng = np.random.default_rng(0)
out = []
for i in range(32):
    im = images[i % 3]
    h, w, _ = im.shape
    y, x = rng.integers(0, h - 128), rng.integers(0, w - 128)
    win = im[y:y + 128, x:x + 128].reshape(32, 4, 32, 4, 3).mean(axis=(1, 3))
    out.append(np.clip(np.rint(win), 0, 255).astype(np.uint8).transpose(2, 0, 1))
(root / "crates/nas/data/crops.u8").write_bytes(np.stack(out).tobytes())
print("wrote", 32 * 3 * 32 * 32, "bytes")
