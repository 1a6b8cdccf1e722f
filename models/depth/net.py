"""Networks for self-supervised depth with cross-task distillation.

- `DepthNet`: FastDepth's MobileNet-NNConv5 (Wofk et al., ICRA 2019) with every width, the
  number of stride-1 blocks at 1/16 resolution and the decoder's depthwise kernel as
  parameters (`Arch`). `Arch.fastdepth()` is the published, NetAdapt-pruned network and
  `load_fastdepth` copies its weights from the shipped ONNX file; `inherit` copies them into a
  slimmer architecture (the most important channels by L1 norm, the first blocks kept).
- `PoseNet`: relative camera motion (axis-angle + translation) of a frame pair.
- `SegHead`: the small depth → segmentation translation network of X-Distill.

Exports use only Conv, BatchNormalization, Clip, Relu, Resize (nearest) and Add: the operators
Edgeplay's executor (`crates/nn`) runs on WGSL and on the CPU.
"""
from dataclasses import dataclass, field, asdict
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

# FastDepth's encoder: (output channels, stride) of the 13 depthwise-separable blocks after the
# first 3×3 convolution (16 channels, stride 2), as pruned by NetAdapt in the published file.
FASTDEPTH_ENC = [(56, 1), (88, 2), (120, 1), (144, 2), (256, 1), (408, 2), (376, 1), (272, 1), (288, 1), (296, 1), (328, 1), (480, 2), (512, 1)]
# Decoder widths of the five upsampling stages; stages 2–4 add the skips from encoder blocks 5, 3, 1.
FASTDEPTH_DEC = [200, 256, 120, 56, 16]
SKIPS = {1: 4, 2: 2, 3: 0}  # decoder stage → encoder block index (0-based) whose output it adds


@dataclass
class Arch:
    stem: int = 16
    enc: list = field(default_factory=lambda: [c for c, _ in FASTDEPTH_ENC])
    # Which of the 13 blocks exist (the stride-1 blocks 7–11 at 1/16 resolution may be dropped).
    keep: list = field(default_factory=lambda: [True] * 13)
    dec: list = field(default_factory=lambda: list(FASTDEPTH_DEC))
    dec_kernel: int = 5

    @staticmethod
    def fastdepth():
        return Arch()

    def check(self):
        assert len(self.enc) == 13 and len(self.keep) == 13 and len(self.dec) == 5
        for i, (_, s) in enumerate(FASTDEPTH_ENC):
            assert self.keep[i] or (s == 1 and 6 <= i <= 10), f"block {i + 1} cannot be dropped"
        # Skip additions need equal widths.
        for d, e in SKIPS.items():
            assert self.dec[d] == self.enc[e], f"decoder stage {d + 1} ({self.dec[d]}) must match encoder block {e + 1} ({self.enc[e]})"
        assert self.dec_kernel in (3, 5)

    def to_json(self):
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(s):
        return Arch(**(json.loads(s) if isinstance(s, str) else s))


def conv_bn(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout))


class DWSep(nn.Module):
    """Depthwise k×k (stride s) → BN → act → pointwise → BN → act."""

    def __init__(self, cin, cout, k, stride, act):
        super().__init__()
        self.dw = conv_bn(cin, cin, k, stride, groups=cin)
        self.pw = conv_bn(cin, cout, 1)
        self.act = act

    def forward(self, x):
        return self.act(self.pw(self.act(self.dw(x))))


class DepthNet(nn.Module):
    """Input: N×3×H×W RGB in [0, 1]; output: N×1×H×W depth in metres (ReLU)."""

    def __init__(self, arch: Arch):
        super().__init__()
        arch.check()
        self.arch = arch
        relu6 = nn.ReLU6()
        self.stem = nn.Sequential(conv_bn(3, arch.stem, 3, 2), nn.ReLU6())
        self.enc = nn.ModuleList()
        cin = arch.stem
        for i, (_, s) in enumerate(FASTDEPTH_ENC):
            if arch.keep[i]:
                self.enc.append(DWSep(cin, arch.enc[i], 3, s, relu6))
                cin = arch.enc[i]
            else:
                self.enc.append(nn.Identity())
                assert arch.enc[i] == cin, f"a dropped block keeps its input width ({cin}), got {arch.enc[i]}"
        self.dec = nn.ModuleList()
        for d, c in enumerate(arch.dec):
            self.dec.append(DWSep(cin, c, arch.dec_kernel, 1, nn.ReLU()))
            cin = c
        self.head = nn.Sequential(conv_bn(cin, 1, 1), nn.ReLU())

    def forward(self, x):
        x = self.stem(x)
        skips = {}
        for i, b in enumerate(self.enc):
            x = b(x)
            skips[i] = x
        for d, b in enumerate(self.dec):
            x = F.interpolate(b(x), scale_factor=2.0, mode="nearest")
            if d in SKIPS:
                x = x + skips[SKIPS[d]]
        return self.head(x)


def convs_in_order(net: DepthNet):
    """(conv, bn) pairs in the order the ONNX file lists them."""
    out = [(net.stem[0][0], net.stem[0][1])]
    for b in list(net.enc) + list(net.dec):
        if isinstance(b, DWSep):
            out += [(b.dw[0], b.dw[1]), (b.pw[0], b.pw[1])]
    out.append((net.head[0][0], net.head[0][1]))
    return out


def load_fastdepth(path):
    """FastDepth with the published weights (from the shipped ONNX file)."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    consts = {}
    for n in m.graph.node:
        if n.op_type == "Constant":
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    get = lambda name: inits[name] if name in inits else consts[name]
    convs = [n for n in m.graph.node if n.op_type == "Conv"]
    bns = [n for n in m.graph.node if n.op_type == "BatchNormalization"]
    net = DepthNet(Arch.fastdepth())
    pairs = convs_in_order(net)
    assert len(convs) == len(bns) == len(pairs), (len(convs), len(bns), len(pairs))
    with torch.no_grad():
        for (conv, bn), cn, bnn in zip(pairs, convs, bns):
            w = get(cn.input[1])
            assert tuple(w.shape) == tuple(conv.weight.shape), (cn.name, w.shape, conv.weight.shape)
            conv.weight.copy_(torch.from_numpy(w.copy()))
            scale, bias, mean, var = (torch.from_numpy(get(i).copy()) for i in bnn.input[1:5])
            bn.weight.copy_(scale); bn.bias.copy_(bias); bn.running_mean.copy_(mean); bn.running_var.copy_(var)
            eps = [a.f for a in bnn.attribute if a.name == "epsilon"]
            bn.eps = eps[0] if eps else 1e-5
    return net


def inherit(src: DepthNet, arch: Arch) -> DepthNet:
    """A slimmer `arch` initialised from `src`: each layer keeps the output channels with the
    largest L1 norm of the following pointwise weights' columns (skip-tied widths share one
    choice); dropped blocks are skipped."""
    dst = DepthNet(arch)
    # Channel choice per "width group": stem, each encoder block's output, each decoder output.
    def top(w_out, n):  # w_out: conv weight producing the channels, rank by L1 of filters
        return torch.argsort(w_out.abs().flatten(1).sum(1), descending=True)[:n].sort().values

    with torch.no_grad():
        sel = {}
        sel["stem"] = top(src.stem[0][0].weight, arch.stem)
        for i, b in enumerate(src.enc):
            if arch.keep[i]:
                sel[("enc", i)] = top(b.pw[0].weight, arch.enc[i])
        # Skip-tied decoder widths take the encoder's choice.
        for d in range(5):
            if d in SKIPS:
                sel[("dec", d)] = sel[("enc", SKIPS[d])]
            else:
                sel[("dec", d)] = top(src.dec[d].pw[0].weight, arch.dec[d])

        def copy_cbn(sc, sb, dc, db, out_idx, in_idx, depthwise=False):
            w = sc.weight[out_idx]
            if not depthwise:
                w = w[:, in_idx]
            k_src, k_dst = w.shape[-1], dc.weight.shape[-1]
            if k_dst < k_src:  # a smaller kernel keeps the centre taps
                o = (k_src - k_dst) // 2
                w = w[..., o:o + k_dst, o:o + k_dst]
            dc.weight.copy_(w)
            for a in ("weight", "bias", "running_mean", "running_var"):
                getattr(db, a).copy_(getattr(sb, a)[out_idx])
            db.eps = sb.eps

        cur = sel["stem"]
        copy_cbn(src.stem[0][0], src.stem[0][1], dst.stem[0][0], dst.stem[0][1], cur, torch.arange(3))
        dropped = False
        for i in range(13):
            if not arch.keep[i]:
                dropped = True
                continue
            s, d = src.enc[i], dst.enc[i]
            if dropped:
                # The block's source input came from a block that is gone: keep the input
                # channels its own depthwise filters weigh most.
                # (More channels than the source block has: the strongest ones repeat.)
                c_src = s.dw[0].weight.shape[0]
                ranked = torch.argsort(s.dw[0].weight.abs().flatten(1).sum(1), descending=True)
                cur = torch.cat([top(s.dw[0].weight, min(len(cur), c_src)), ranked[:max(0, len(cur) - c_src)]])
                dropped = False
            copy_cbn(s.dw[0], s.dw[1], d.dw[0], d.dw[1], cur, None, depthwise=True)
            out = sel[("enc", i)]
            copy_cbn(s.pw[0], s.pw[1], d.pw[0], d.pw[1], out, cur)
            cur = out
        for k in range(5):
            s, d = src.dec[k], dst.dec[k]
            copy_cbn(s.dw[0], s.dw[1], d.dw[0], d.dw[1], cur, None, depthwise=True)
            out = sel[("dec", k)]
            copy_cbn(s.pw[0], s.pw[1], d.pw[0], d.pw[1], out, cur)
            cur = out
        copy_cbn(src.head[0][0], src.head[0][1], dst.head[0][0], dst.head[0][1], torch.arange(1), cur)
    return dst


def macs(arch: Arch, h=224, w=224):
    """Multiply-accumulates of one frame (convolutions only)."""
    total = 0
    h2, w2 = h // 2, w // 2
    total += h2 * w2 * arch.stem * 3 * 9
    cin, hh, ww = arch.stem, h2, w2
    for i, (_, s) in enumerate(FASTDEPTH_ENC):
        if not arch.keep[i]:
            continue
        hh, ww = hh // s, ww // s
        total += hh * ww * cin * (9 + arch.enc[i])
        cin = arch.enc[i]
    k2 = arch.dec_kernel ** 2
    for c in arch.dec:
        total += hh * ww * cin * (k2 + c)
        cin, hh, ww = c, hh * 2, ww * 2
    total += hh * ww * cin
    return total


def params(net):
    return sum(p.numel() for p in net.parameters())


class PoseNet(nn.Module):
    """Two frames (6 channels) → axis-angle (3) + translation (3), scaled by 0.01 as in
    Monodepth2 so that training starts near the identity."""

    def __init__(self, width=32):
        super().__init__()
        c = [6, width, width * 2, width * 4, width * 4, width * 8, width * 8]
        layers = []
        for a, b in zip(c[:-1], c[1:]):
            layers += [nn.Conv2d(a, b, 3, 2, 1), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*layers)
        self.out = nn.Conv2d(c[-1], 6, 1)

    def forward(self, a, b):
        x = self.body(torch.cat([a, b], 1) - 0.45)
        return 0.01 * self.out(x).mean((2, 3))


class SegHead(nn.Module):
    """X-Distill's translation network: a depth map → class logits at 1/4 resolution.
    Input is the depth normalised per picture (log depth minus its mean), so the head sees
    structure, not scale."""

    def __init__(self, classes=21, width=32):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, width, 3, 2, 1), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, width * 2, 3, 2, 1), nn.BatchNorm2d(width * 2), nn.ReLU(inplace=True),
            nn.Conv2d(width * 2, width * 2, 3, 1, 2, dilation=2), nn.BatchNorm2d(width * 2), nn.ReLU(inplace=True),
            nn.Conv2d(width * 2, width * 2, 3, 1, 4, dilation=4), nn.BatchNorm2d(width * 2), nn.ReLU(inplace=True),
            nn.Conv2d(width * 2, classes, 1),
        )

    def forward(self, depth):
        ld = torch.log(depth.clamp(min=1e-3))
        ld = ld - ld.mean((2, 3), keepdim=True)
        return self.body(ld)


def export_onnx(net: DepthNet, path, size=224):
    """ONNX (opset 13) with input `rgb`: 1×3×size×size, output `depth`: 1×1×size×size."""
    net = net.eval()
    x = torch.rand(1, 3, size, size)
    torch.onnx.export(net, (x,), path, input_names=["rgb"], output_names=["depth"], opset_version=13,
                      do_constant_folding=True, dynamo=False)
    return path
