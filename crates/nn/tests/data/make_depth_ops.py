"""Writes the small random-weight graphs with the operators of depth networks that the executor
tests run against tract (regenerate with `python3 crates/nn/tests/data/make_depth_ops.py`;
needs torch + onnx, see models/pcodec/requirements.txt):

* depth_ops.onnx (opset 13, exported by PyTorch): strided, depthwise and grouped convolution,
  BatchNormalization after a convolution and on its own, ReLU6 (Clip), ReLU, Add, Resize
  nearest / bilinear half-pixel / bilinear align-corners, Concat,
  Sigmoid.
* depth_ops_v7.onnx (opset 7, written with onnx.helper like the published FastDepth file):
  Conv with group, BatchNormalization, Clip with attribute bounds, Upsample with attribute
  scales, Add; and depth_ops_v7_as13.onnx, the same converted to opset 13 (tract's reference).
* unsupported.onnx: a HardSwish node, for the error that names operator and node.
* tract_only.onnx: a valid picture → depth graph with HardSwish (runs on tract only).
* midas_small_like.onnx, dpt_like.onnx: MiDaS v2.1 small's and Depth Anything / DPT's
  operators at toy size (32x32 in, random weights), for the bring-your-own-model path.
"""
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def randomize_bn(bn, g):
    with torch.no_grad():
        bn.weight.copy_(torch.rand(bn.num_features, generator=g) + 0.5)
        bn.bias.copy_(torch.randn(bn.num_features, generator=g) * 0.1)
        bn.running_mean.copy_(torch.randn(bn.num_features, generator=g) * 0.1)
        bn.running_var.copy_(torch.rand(bn.num_features, generator=g) + 0.5)


class DepthOps(nn.Module):
    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(11)
        torch.manual_seed(11)
        self.c1 = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 5, padding=2, groups=8, bias=False)
        self.b2 = nn.BatchNorm2d(8)
        self.pw = nn.Conv2d(8, 16, 1)
        self.b3 = nn.BatchNorm2d(16)
        self.gc = nn.Conv2d(16, 8, 3, padding=1, groups=4)
        self.bn_cat = nn.BatchNorm2d(8 * 3 + 3)
        self.head = nn.Conv2d(8 * 3 + 3, 1, 3, padding=1)
        for b in (self.b1, self.b2, self.b3, self.bn_cat):
            randomize_bn(b, g)

    def forward(self, x):
        a = F.relu6(self.b1(self.c1(x)))
        b = F.relu(self.b2(self.dw(a)))
        c = F.relu6(self.b3(self.pw(b)))
        e = self.gc(c) + a
        f = F.interpolate(e, scale_factor=2.0, mode="nearest")
        gg = F.interpolate(e, scale_factor=2.0, mode="bilinear", align_corners=False)
        hh = F.interpolate(e, scale_factor=2.0, mode="bilinear", align_corners=True)
        i = torch.cat([f, gg, hh, x], dim=1)
        return torch.sigmoid(self.head(self.bn_cat(i))) * 10.0


def write_v7(path):
    rng = np.random.default_rng(5)
    inits, nodes = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(arr.astype(np.float32), name))
        return name

    def conv_bn(x, cin, cout, k, stride, group, name, clip=True):
        w = const(name + ".w", rng.normal(0, 0.4, (cout, cin // group, k, k)))
        nodes.append(helper.make_node("Conv", [x, w], [name + ".c"], kernel_shape=[k, k], pads=[k // 2] * 4, strides=[stride] * 2, group=group, dilations=[1, 1]))
        s = const(name + ".s", rng.uniform(0.5, 1.5, cout))
        b = const(name + ".b", rng.normal(0, 0.1, cout))
        m = const(name + ".m", rng.normal(0, 0.1, cout))
        v = const(name + ".v", rng.uniform(0.5, 1.5, cout))
        nodes.append(helper.make_node("BatchNormalization", [name + ".c", s, b, m, v], [name + ".bn"], epsilon=1e-5))
        if clip:
            nodes.append(helper.make_node("Clip", [name + ".bn"], [name], min=0.0, max=6.0))
        else:
            nodes.append(helper.make_node("Relu", [name + ".bn"], [name]))
        return name

    a = conv_bn("x", 3, 8, 3, 2, 1, "a")
    b = conv_bn(a, 8, 8, 3, 1, 8, "b")
    c = conv_bn(b, 8, 8, 5, 1, 8, "c", clip=False)
    nodes.append(helper.make_node("Add", [c, a], ["d"]))
    nodes.append(helper.make_node("Upsample", ["d"], ["e"], mode="nearest", scales=[1.0, 1.0, 2.0, 2.0]))
    out = conv_bn("e", 8, 1, 1, 1, 1, "y", clip=False)
    # IR 3 lists initializers among the graph inputs, as the published FastDepth file does.
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])]
    inputs += [helper.make_tensor_value_info(t.name, TensorProto.FLOAT, list(t.dims)) for t in inits]
    graph = helper.make_graph(nodes, "depth_ops_v7", inputs,
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 1, 32, 32])], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 7)])
    model.ir_version = 3
    onnx.checker.check_model(model)
    onnx.save(model, path)
    # tract has no opset-7 Upsample: its reference is the same graph converted to opset 13
    # (as ../shared/models/fastdepth did for FastDepth).
    from onnx import version_converter
    m13 = version_converter.convert_version(model, 13)
    names = {t.name for t in m13.graph.initializer}
    keep = [i for i in m13.graph.input if i.name not in names]
    del m13.graph.input[:]
    m13.graph.input.extend(keep)
    m13.ir_version = 7
    # No inferred shapes: the reference must run at other sizes too.
    del m13.graph.value_info[:]
    for v in (m13.graph.input[0], m13.graph.output[0]):
        for d, name in zip(v.type.tensor_type.shape.dim[2:], "hw"):
            d.dim_param = name
    onnx.save(m13, path.replace(".onnx", "_as13.onnx"))


def write_unsupported(path):
    """A graph whose second node (HardSwish "act0") the executor does not have."""
    w = numpy_helper.from_array(np.ones((4, 3, 1, 1), np.float32), "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv0"), helper.make_node("HardSwish", ["c"], ["y"], name="act0")]
    graph = helper.make_graph(nodes, "unsupported", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])], initializer=[w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def write_tract_only(path):
    """A valid image → depth graph with an operator the executor lacks (HardSwish): the
    widget runs it on tract and says why."""
    rng = np.random.default_rng(9)
    w1 = numpy_helper.from_array(rng.normal(0, 0.3, (4, 3, 3, 3)).astype(np.float32), "w1")
    w2 = numpy_helper.from_array(rng.normal(0, 0.3, (1, 4, 1, 1)).astype(np.float32), "w2")
    b2 = numpy_helper.from_array(np.array([2.0], np.float32), "b2")
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c"], name="conv0", pads=[1, 1, 1, 1]),
        helper.make_node("HardSwish", ["c"], ["h"], name="act0"),
        helper.make_node("Conv", ["h", "w2", "b2"], ["d"], name="head"),
        helper.make_node("Relu", ["d"], ["y"], name="relu"),
    ]
    graph = helper.make_graph(nodes, "tract_only", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 32, 32])], initializer=[w1, w2, b2])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


class MidasSmallLike(nn.Module):
    """MiDaS v2.1 small's operators at toy size: strided depthwise-separable encoder with
    ReLU6, feature fusion by bilinear (align_corners) upsampling and addition, ReLU head."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(3)

        def block(cin, cout, stride):
            return nn.Sequential(nn.Conv2d(cin, cin, 3, stride, 1, groups=cin), nn.BatchNorm2d(cin), nn.ReLU6(),
                                 nn.Conv2d(cin, cout, 1), nn.BatchNorm2d(cout), nn.ReLU6())
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.BatchNorm2d(8), nn.ReLU6())
        self.l1, self.l2 = block(8, 16, 2), block(16, 24, 2)
        self.r1, self.r2 = nn.Conv2d(16, 16, 3, 1, 1), nn.Conv2d(24, 16, 3, 1, 1)
        self.head = nn.Sequential(nn.Conv2d(16, 8, 3, 1, 1), nn.ReLU(), nn.Conv2d(8, 1, 1), nn.ReLU())

    def forward(self, x):
        a = self.l1(self.stem(x))
        b = self.l2(a)
        f = F.interpolate(self.r2(b), scale_factor=2.0, mode="bilinear", align_corners=True) + self.r1(a)
        f = F.interpolate(f, scale_factor=4.0, mode="bilinear", align_corners=True)
        return self.head(f)


class DptLike(nn.Module):
    """Depth Anything / DPT's operators at toy size: patch embedding, a transformer block
    (LayerNorm, attention with MatMul and Softmax, GELU MLP), tokens back to a map, conv head."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(4)
        self.embed = nn.Conv2d(3, 16, 8, 8)
        self.norm1, self.norm2 = nn.LayerNorm(16), nn.LayerNorm(16)
        self.attn = nn.MultiheadAttention(16, 2, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 16))
        self.head = nn.Sequential(nn.Conv2d(16, 8, 3, 1, 1), nn.ReLU(), nn.Conv2d(8, 1, 1), nn.ReLU())

    def forward(self, x):
        t = self.embed(x)  # 1 x 16 x 4 x 4 at 32x32
        h, w = t.shape[2], t.shape[3]
        t = t.flatten(2).transpose(1, 2)
        n = self.norm1(t)
        t = t + self.attn(n, n, n, need_weights=False)[0]
        t = t + self.mlp(self.norm2(t))
        m = t.transpose(1, 2).reshape(1, 16, h, w)
        m = F.interpolate(m, scale_factor=8.0, mode="bilinear", align_corners=False)
        return self.head(m)


if __name__ == "__main__":
    path = os.path.join(HERE, "depth_ops.onnx")
    torch.onnx.export(DepthOps().eval(), (torch.rand(1, 3, 24, 32),), path, input_names=["x"], output_names=["y"], opset_version=13, dynamo=False)
    m = onnx.load(path)
    print("wrote", path, sorted({n.op_type for n in m.graph.node}))
    write_v7(os.path.join(HERE, "depth_ops_v7.onnx"))
    print("wrote depth_ops_v7.onnx")
    write_unsupported(os.path.join(HERE, "unsupported.onnx"))
    print("wrote unsupported.onnx")
    write_tract_only(os.path.join(HERE, "tract_only.onnx"))
    print("wrote tract_only.onnx")
    for name, net in (("midas_small_like", MidasSmallLike()), ("dpt_like", DptLike())):
        p = os.path.join(HERE, f"{name}.onnx")
        torch.onnx.export(net.eval(), (torch.rand(1, 3, 32, 32),), p, input_names=["x"], output_names=["depth"], opset_version=17, dynamo=False)
        print("wrote", p, sorted({n.op_type for n in onnx.load(p).graph.node}))
