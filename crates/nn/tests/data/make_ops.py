"""Writes ops.onnx: a tiny graph with every operator the executor supports (regenerate with
`python3 crates/nn/tests/data/make_ops.py`; needs torch + onnx, see models/pcodec/requirements.txt)."""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "models", "pcodec"))
from model import GDN  # noqa: E402


class Ops(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(7)
        self.c1 = nn.Conv2d(3, 8, 5, stride=2, padding=2)
        self.g1 = GDN(8)
        self.c2 = nn.Conv2d(8, 6, 3, stride=1, padding=1)
        self.t1 = nn.ConvTranspose2d(6, 5, 5, stride=2, padding=2, output_padding=1)
        self.g2 = GDN(5, inverse=True)
        self.c3 = nn.Conv2d(5, 4, 1)
        with torch.no_grad():
            for g in (self.g1, self.g2):
                g.gamma_raw.add_(0.05 * torch.rand_like(g.gamma_raw))
                # Bake the reparameterisation, as models/pcodec/export.py does.
                beta, gamma = (t.detach().clone() for t in g.params())
                g.params = (lambda b, c: (lambda: (b, c)))(beta, gamma)

    def forward(self, x):
        a = self.g1(self.c1(x))
        b = F.relu(self.c2(a))
        c = self.g2(self.t1(b))
        d = self.c3(c)
        e = F.softplus(d) + 0.11
        f = d / e
        g = f + e
        return torch.sqrt(F.relu(g)) * 0.5


path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops.onnx")
torch.onnx.export(Ops().eval(), (torch.rand(1, 3, 16, 16),), path, input_names=["x"], output_names=["y"],
                  opset_version=17, dynamic_axes={"x": {2: "h", 3: "w"}, "y": {2: "h", 3: "w"}}, dynamo=False)
print("wrote", path)
