#!/usr/bin/env bash
# Keeps the depth training pipeline from rotting (models/depth): on a tiny generated posed
# video (a textured wall seen by a sliding camera, 7-Scenes layout) and a tiny generated
# segmentation teacher, trains every loss for a few steps — self-supervised with the pose
# network, with the dataset's poses, with the cross-task term — runs the search and distils
# a student, exports each network, and runs the exports through the Rust CLI (picture and
# --eval on the generated pairs). Needs nothing outside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cli="${CARGO_TARGET_DIR:-target}/release/edgeplay"

python3 - "$tmp" <<'PY'
import os, sys
import numpy as np
import torch
from PIL import Image
out = sys.argv[1]
vid = os.path.join(out, "video"); os.makedirs(vid)
rng = np.random.default_rng(0)
# A wall 2 m away; the camera slides 1 cm a frame along x (fx = 100 px at 128×96).
tex = np.asarray(Image.fromarray(rng.integers(0, 256, (48, 96, 3), dtype=np.uint8)).resize((384, 192), Image.BICUBIC))
fx, W, H, Z = 100.0, 128, 96, 2.0
np.savetxt(os.path.join(vid, "camera-intrinsics.txt"), [[fx, 0, W / 2], [0, fx, H / 2], [0, 0, 1]])
for i in range(20):
    tx = 0.01 * i
    shift = fx * tx / Z
    im = Image.fromarray(tex).transform((W, H), Image.AFFINE, (1, 0, 40 + shift, 0, 1, 40), resample=Image.BILINEAR)
    im.save(os.path.join(vid, f"frame-{i:06d}.color.png"))
    pose = np.eye(4); pose[0, 3] = tx
    np.savetxt(os.path.join(vid, f"frame-{i:06d}.pose.txt"), pose)
    Image.fromarray(np.full((H, W), int(Z * 1000), np.uint16)).save(os.path.join(vid, f"frame-{i:06d}.depth.png"))
# A stand-in segmentation teacher: one random convolution to 21 classes at 33×33.
teacher = torch.nn.Conv2d(3, 21, 3, padding=1)
torch.onnx.export(teacher, (torch.zeros(1, 3, 33, 33),), os.path.join(out, "seg.onnx"), input_names=["x"], output_names=["y"], opset_version=13, dynamo=False)
PY

common=(--video "$tmp/video" --val 15..19 --gap 2 --offsets -1 1 --size 64 --batch 2 --steps 3 --save-every 3 --eval-every 3 --threads 2 --ckpt-root "$tmp/ckpt" --seg-teacher "$tmp/seg.onnx" --seg-warmup 1)
train() { python3 models/depth/train.py "${common[@]}" "$@" 2>&1 | grep -v -i warning; }
train --run selfsup
train --run xdistill --xdistill 0.1
train --run gtpose --pose gt
# Resuming continues from the checkpoint.
train --run selfsup --steps 5 | grep -q "resumed .* at step 3" || { echo "smoke: selfsup did not resume" >&2; exit 1; }
python3 models/depth/search.py --video "$tmp/video" --val 15..19 --photos "$tmp/video" --size 64 --sample 2 --finalists 1 \
  --steps 2 --runs 1 --max-latency 10 --threads 2 --out "$tmp/student.json" --table "$tmp/search.json" 2>&1 | grep -v -i warning
train --run student --mode student --arch "$tmp/student.json" --teacher "$tmp/ckpt/xdistill/last.pt" --photos "$tmp/video" --xdistill 0.1
for r in selfsup xdistill gtpose student; do
  python3 models/depth/export.py "$tmp/ckpt/$r/last.pt" "$tmp/$r.onnx" --size 64 2>&1 | grep -v -i warning
  $cli --backend cpu --model "$tmp/$r.onnx" depth www/samples/kodim23.png --out "$tmp/$r.png" --json > "$tmp/$r.json"
  $cli --backend cpu --model "$tmp/$r.onnx" depth --eval "$tmp/video" --frames 15..19 --json > "$tmp/$r-eval.json"
done
python3 - "$tmp" <<'PY'
import json, sys
from PIL import Image
t = sys.argv[1]
for r in ("selfsup", "xdistill", "gtpose", "student"):
    v = json.load(open(f"{t}/{r}.json"))
    im = Image.open(f"{t}/{r}.png")
    assert im.size == (768, 512) and im.mode.startswith("I"), (r, im.size, im.mode)
    assert v["max"] > v["min"] >= 0, (r, v)
    e = json.load(open(f"{t}/{r}-eval.json"))
    assert e["overall"]["images"] == 5, (r, e["overall"])
    print(f"smoke: {r} exported, runs in Rust ({v['min']:.2f}..{v['max']:.2f} m), eval on {e['overall']['images']} held-out frames")
s = json.load(open(f"{t}/search.json"))
assert len(s["sampled"]) == 2 and "score" in s["best"], s
PY
