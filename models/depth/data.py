"""Training data for the depth networks: a posed RGB video (7-Scenes layout) and, for the
student's distillation, folders of photos; the segmentation teacher's cached outputs.

Video layout (`../shared/datasets/depth/7scenes-kitchen`): `frame-NNNNNN.color.jpg|png`,
`frame-NNNNNN.pose.txt` (4×4 camera-to-world), `frame-NNNNNN.depth.png` (uint16 mm, for
evaluation only — never a training target here), `camera-intrinsics.txt` (3×3).
"""
import glob
import hashlib
import os
import re
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DATA = os.environ.get("EDGEPLAY_DATASETS") or os.path.join(ROOT, "..", "shared", "datasets")
KITCHEN = os.path.join(DATA, "depth", "7scenes-kitchen")
SEG_TEACHER = os.path.join(ROOT, "..", "shared", "models", "deeplabv3-mnv2-voc", "deeplabv3_257_mv.onnx")
VOC = ["background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "dining table",
       "dog", "horse", "motorbike", "person", "potted plant", "sheep", "sofa", "train", "tv/monitor"]
PHOTOS = [os.path.join(DATA, d) for d in ("photos-train", "photos-train-extra")]


def need(path, what):
    if not os.path.exists(path):
        sys.exit(f"{path} is missing ({what}): set EDGEPLAY_DATASETS to the datasets folder "
                 "(see ../shared/datasets/README.md) or pass the path explicitly")


def to_net(img: Image.Image, size):
    """The resize rule of `crates/depth` (whole picture, stretched, Pillow bilinear)."""
    a = np.asarray(img.convert("RGB").resize((size, size), Image.BILINEAR), dtype=np.uint8)
    return torch.from_numpy(a.copy()).permute(2, 0, 1)


class Video:
    """Frames at the network's size (uint8), intrinsics scaled to it, poses, and the
    full-resolution depth of the held-out frames for validation."""

    def __init__(self, folder, size=224, val=(240, 299)):
        need(folder, "posed RGB-D video")
        colors = sorted(glob.glob(os.path.join(folder, "frame-*.color.*")))
        if not colors:
            sys.exit(f"no frame-NNNNNN.color.jpg|png under {folder}")
        self.ids = [int(re.search(r"frame-(\d+)", os.path.basename(c)).group(1)) for c in colors]
        first = Image.open(colors[0])
        W, H = first.size
        K = np.loadtxt(os.path.join(folder, "camera-intrinsics.txt"))
        K = K.copy()
        K[0] *= size / W
        K[1] *= size / H
        self.K = torch.tensor(K, dtype=torch.float32)
        self.size = size
        self.frames = torch.stack([to_net(Image.open(c), size) for c in colors])
        self.poses = torch.stack([torch.tensor(np.loadtxt(c.replace(".color." + c.rsplit(".", 1)[1], ".pose.txt")), dtype=torch.float64) for c in colors])
        self.val = [i for i, f in enumerate(self.ids) if val[0] <= f <= val[1]]
        self.val_depth = {}
        for i in self.val:
            d = colors[i].rsplit(".color.", 1)[0] + ".depth.png"
            if os.path.exists(d):
                mm = np.asarray(Image.open(d)).astype(np.float32)
                m = mm / 1000.0
                m[(mm == 0) | (mm == 65535)] = np.nan
                self.val_depth[i] = m
        self.paths = colors

    def train_targets(self, offsets, gap=10):
        """Target indices whose sources (t ± offsets) are all training frames, at least `gap`
        frames away from the held-out block."""
        lo, hi = min(self.val), max(self.val)
        bad = lambda j: lo - gap <= j <= hi + gap
        out = []
        for t in range(len(self.ids)):
            srcs = [t + o for o in offsets]
            if bad(t) or any(s < 0 or s >= len(self.ids) or bad(s) for s in srcs):
                continue
            out.append(t)
        return out

    def rel_pose(self, t, s):
        """T_{t→s}: target camera coordinates → source camera coordinates (metres)."""
        return torch.linalg.inv(self.poses[s]) @ self.poses[t]


def photos(size, folders=None, limit=None):
    out = []
    for f in folders or PHOTOS:
        need(f, "training photos")
        for p in sorted(glob.glob(os.path.join(f, "*.png")) + glob.glob(os.path.join(f, "*.jpg")))[:limit]:
            out.append(to_net(Image.open(p), size))
    return torch.stack(out)


def teacher_probs(frames_u8, teacher_path, out_size, cache_dir):
    """The segmentation teacher's class probabilities for each frame (N×C×out×out float16),
    computed once with onnxruntime and cached by the frames' and teacher's hashes."""
    import onnxruntime as ort

    h = hashlib.sha256(frames_u8.numpy().tobytes())
    h.update(open(teacher_path, "rb").read())
    h.update(str(out_size).encode())
    os.makedirs(cache_dir, exist_ok=True)
    cache = os.path.join(cache_dir, f"seg-{h.hexdigest()[:16]}.pt")
    if os.path.exists(cache):
        return torch.load(cache)
    sess = ort.InferenceSession(teacher_path, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    th, tw = inp.shape[2], inp.shape[3]
    out = []
    for i in range(len(frames_u8)):
        img = Image.fromarray(frames_u8[i].permute(1, 2, 0).numpy()).resize((tw, th), Image.BILINEAR)
        x = (np.asarray(img, np.float32) / 127.5 - 1).transpose(2, 0, 1)[None]
        logits = torch.from_numpy(sess.run(None, {inp.name: x})[0])
        p = torch.softmax(logits, 1)
        p = torch.nn.functional.adaptive_avg_pool2d(p, out_size) if p.shape[-1] >= out_size else \
            torch.nn.functional.interpolate(p, size=(out_size, out_size), mode="bilinear", align_corners=False)
        out.append(p[0].half())
    probs = torch.stack(out)
    torch.save(probs, cache + ".tmp")
    os.replace(cache + ".tmp", cache)
    return probs
