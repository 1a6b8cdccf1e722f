"""Export the trained transforms to ONNX and the entropy-model tables to JSON.

    python3 models/pcodec/export.py [--ckpt models/pcodec/ckpt/last.pt] [--out models/pcodec/export]

Writes g_a.onnx (image -> y), g_s.onnx (y_hat -> image), h_a.onnx (y -> z), h_s.onnx
(z_hat -> sigma, softplus and the 0.11 floor included), each opset 17 with dynamic height and
width, and tables.json (format version, steps of the nested quantizers, per-channel logistic
prior of z, SHA-256 of the four ONNX files) so that Rust can refuse mismatched models.
Images are NCHW float in [0, 1]; H and W must be multiples of 64.
"""
import argparse
import hashlib
import json
import os

import torch
import torch.nn as nn

from model import GDN, STEPS, Codec

HERE = os.path.dirname(os.path.abspath(__file__))


class Sigma(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, z_hat):
        return self.m.sigma(z_hat)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "ckpt", "last.pt"))
    ap.add_argument("--out", default=os.path.join(HERE, "export"))
    args = ap.parse_args()
    ck = torch.load(args.ckpt, map_location="cpu")
    a = ck["args"]
    model = Codec(a["n"], a["m"])
    model.load_state_dict(ck["model"])
    model.eval()
    # Bake GDN's reparameterised beta/gamma so the graph holds plain Conv/Mul/Sqrt/Div.
    for mod in model.modules():
        if isinstance(mod, GDN):
            beta, gamma = (t.detach().clone() for t in mod.params())
            mod.params = (lambda b, g: (lambda: (b, g)))(beta, gamma)
    os.makedirs(args.out, exist_ok=True)
    n, m = a["n"], a["m"]
    parts = {
        "g_a": (model.g_a, torch.rand(1, 3, 128, 128), "image", "y"),
        "g_s": (model.g_s, torch.randn(1, m, 8, 8), "y_hat", "image"),
        "h_a": (model.h_a, torch.randn(1, m, 8, 8), "y", "z"),
        "h_s": (Sigma(model), torch.randn(1, n, 2, 2), "z_hat", "sigma"),
    }
    hashes = {}
    for name, (mod, x, inp, out) in parts.items():
        path = os.path.join(args.out, f"{name}.onnx")
        torch.onnx.export(mod, (x,), path, input_names=[inp], output_names=[out], opset_version=17,
                          dynamic_axes={inp: {2: "h", 3: "w"}, out: {2: "h", 3: "w"}}, dynamo=False)
        hashes[name] = hashlib.sha256(open(path, "rb").read()).hexdigest()
        print(f"wrote {path}")
    tables = {
        "format": "edgeplay-pcodec-tables", "version": 1, "step": ck["step"], "n": n, "m": m,
        "steps": list(STEPS), "sigma_min": 0.11,
        "z_prior": {"kind": "logistic", "loc": model.z_loc.tolist(), "scale": torch.exp(model.z_logscale).tolist()},
        "onnx_sha256": hashes,
    }
    json.dump(tables, open(os.path.join(args.out, "tables.json"), "w"), indent=1)
    print("wrote tables.json")


if __name__ == "__main__":
    main()
