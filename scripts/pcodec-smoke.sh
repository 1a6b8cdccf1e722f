#!/usr/bin/env bash
# Keeps the progressive codec's pipeline from rotting: trains a tiny model for a few steps on
# tiny crops, exports it to ONNX + tables, encodes and decodes a Kodak sample with the Rust
# CLI, and checks that a stream of one model is refused by another.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 models/pcodec/train.py --steps 3 --batch 2 --crop 64 --n 8 --m 12 --eval-every 0 --save-every 3 --ckpt "$tmp/ckpt" --threads 2
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
