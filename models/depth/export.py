"""Exports a trained depth network (a checkpoint of train.py) as ONNX for the page and the CLI.

    python3 models/depth/export.py models/depth/ckpt/xdistill/last.pt models/depth/xdistill.onnx
"""
import argparse
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net import export_onnx, macs, params  # noqa: E402
from train import load_depth  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("ckpt")
ap.add_argument("out")
ap.add_argument("--size", type=int, default=224)
a = ap.parse_args()
net = load_depth(a.ckpt)
export_onnx(net.eval(), a.out, a.size)
sha = hashlib.sha256(open(a.out, "rb").read()).hexdigest()
print(f"wrote {a.out}: {params(net):,} parameters, {macs(net.arch, a.size, a.size) / 1e6:.0f} M MACs, sha256 {sha[:12]}")
