#!/usr/bin/env bash
# Keeps the progressive codec's pipeline from rotting: trains a tiny model for a few steps on
# tiny crops of generated pictures, exports it to ONNX + tables, encodes and decodes a Kodak sample with the Rust
# CLI, and checks that a stream of one model is refused by another.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Training data: a few generated pictures (gradients, discs, noise), so the smoke test needs
# nothing outside the repository (and never trains on Kodak).
python3 - "$tmp/data" <<'PY'
import os, sys
import numpy as np
from PIL import Image
out = sys.argv[1]; os.makedirs(out)
rng = np.random.default_rng(0)
yy, xx = np.mgrid[0:96, 0:128]
for i in range(4):
    im = np.stack([(xx * (i + 1) + yy * c) % 256 for c in (1, 2, 3)], -1).astype(np.float64)
    for _ in range(6):
        cy, cx, r = rng.integers(0, 96), rng.integers(0, 128), rng.integers(8, 30)
        im[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = rng.integers(0, 256, 3)
    im += rng.normal(0, 6, im.shape)
    Image.fromarray(np.clip(im, 0, 255).astype(np.uint8)).save(f"{out}/{i}.png")
PY
python3 models/pcodec/train.py --data "$tmp/data" --steps 3 --batch 2 --crop 64 --n 8 --m 12 --eval-every 0 --save-every 3 --ckpt "$tmp/ckpt" --threads 2
python3 models/pcodec/export.py --ckpt "$tmp/ckpt/last.pt" --out "$tmp/export" 2>&1 | grep -v -i warning
cli="${CARGO_TARGET_DIR:-target}/release/edgeplay"
$cli --backend cpu --model "$tmp/export" encode --codec progressive www/samples/kodim23.png "$tmp/a.ep"
$cli --backend cpu --model "$tmp/export" decode --bytes 300 "$tmp/a.ep" "$tmp/a.png"
python3 - "$tmp/a.png" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1])
assert im.size == (768, 512) and im.mode == "RGB", (im.size, im.mode)
print("smoke: decoded", im.size)
PY
if $cli --backend cpu decode "$tmp/a.ep" "$tmp/b.png" 2>"$tmp/err"; then
  echo "smoke: the committed model decoded another model's stream" >&2; exit 1
fi
grep -q "stream was made with model" "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
echo "smoke: mismatch refused: $(grep -m1 "stream was made" "$tmp/err")"
