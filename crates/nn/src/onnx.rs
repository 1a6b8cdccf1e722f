//! ONNX → [`Graph`]: reads the protobuf with tract-onnx's generated types and accepts the
//! operator subset our models use; anything else is a clear [`Error::Unsupported`].

use std::collections::HashMap;

use tract_onnx::pb;
use tract_onnx::prelude::Framework;

use crate::graph::{Act, Binary, Conv, Coord, Graph, Layer, Nearest, Op, Resize, Unary};
use crate::Error;

/// A constant: dims and values.
struct Const {
    dims: Vec<usize>,
    data: Vec<f32>,
}

enum Src {
    Value(usize),
    Const(Const),
}

/// A float32 tensor, or an int64 one (shapes, Resize sizes) converted to f32.
fn tensor_values(t: &pb::TensorProto) -> Result<Const, Error> {
    let int64 = t.data_type == pb::tensor_proto::DataType::Int64 as i32;
    if t.data_type != pb::tensor_proto::DataType::Float as i32 && !int64 {
        return Err(Error::Unsupported(format!("tensor {:?} of data type {} (only float32 and int64)", t.name, t.data_type)));
    }
    let dims: Vec<usize> = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| Error::Onnx(format!("tensor {:?}: negative dimension", t.name))))
        .collect::<Result<_, _>>()?;
    let n = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or_else(|| Error::Onnx("tensor too large".into()))?;
    let data: Vec<f32> = if int64 {
        if !t.raw_data.is_empty() {
            if t.raw_data.len() != n.saturating_mul(8) {
                return Err(Error::Onnx(format!("tensor {:?}: {} raw bytes for {n} int64", t.name, t.raw_data.len())));
            }
            t.raw_data.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes")) as f32).collect()
        } else {
            if t.int64_data.len() != n {
                return Err(Error::Onnx(format!("tensor {:?}: {} int64 for {n}", t.name, t.int64_data.len())));
            }
            t.int64_data.iter().map(|&v| v as f32).collect()
        }
    } else if !t.raw_data.is_empty() {
        if t.raw_data.len() != n.saturating_mul(4) {
            return Err(Error::Onnx(format!("tensor {:?}: {} raw bytes for {n} floats", t.name, t.raw_data.len())));
        }
        t.raw_data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
    } else {
        if t.float_data.len() != n {
            return Err(Error::Onnx(format!("tensor {:?}: {} floats for {n}", t.name, t.float_data.len())));
        }
        t.float_data.clone()
    };
    Ok(Const { dims, data })
}

fn attr<'a>(n: &'a pb::NodeProto, name: &str) -> Option<&'a pb::AttributeProto> {
    n.attribute.iter().find(|a| a.name == name)
}

fn ints(n: &pb::NodeProto, name: &str) -> Vec<i64> {
    attr(n, name).map(|a| a.ints.clone()).unwrap_or_default()
}

fn string(n: &pb::NodeProto, name: &str) -> Option<String> {
    attr(n, name).map(|a| String::from_utf8_lossy(&a.s).into_owned())
}

fn float(n: &pb::NodeProto, name: &str) -> Option<f32> {
    attr(n, name).map(|a| a.f)
}

fn unsupported(node: &pb::NodeProto, what: impl std::fmt::Display) -> Error {
    Error::Unsupported(format!("{} node {:?}: {what}", node.op_type, node.name))
}

/// One value for all entries of `v` (all equal), else an error.
fn uniform(node: &pb::NodeProto, name: &str, v: &[i64], default: i64) -> Result<usize, Error> {
    let x = v.first().copied().unwrap_or(default);
    if v.iter().any(|&y| y != x) || x < 0 {
        return Err(Error::Unsupported(format!("{} {:?}: {name} {v:?} (only equal, non-negative values)", node.op_type, node.name)));
    }
    Ok(x as usize)
}

fn conv(node: &pb::NodeProto, w: &Const, b: Option<&Const>, transpose: bool) -> Result<Conv, Error> {
    let unsup = |what: String| unsupported(node, what);
    if w.dims.len() != 4 || w.dims[2] != w.dims[3] {
        return Err(unsup(format!("weight shape {:?} (only square 2-D kernels)", w.dims)));
    }
    let groups = attr(node, "group").map_or(1, |a| a.i);
    if groups < 1 || (transpose && groups != 1) {
        return Err(unsup(format!("group {groups} (grouped ConvTranspose is not supported)")));
    }
    let groups = groups as usize;
    if ints(node, "dilations").iter().any(|&d| d != 1) {
        return Err(unsup("dilation".into()));
    }
    if attr(node, "auto_pad").is_some_and(|a| !a.s.is_empty() && a.s != b"NOTSET") {
        return Err(unsup("auto_pad".into()));
    }
    let k = w.dims[2];
    let ks = ints(node, "kernel_shape");
    if !ks.is_empty() && ks.iter().any(|&v| v as usize != k) {
        return Err(unsup(format!("kernel_shape {ks:?} vs weights {:?}", w.dims)));
    }
    let stride = uniform(node, "strides", &ints(node, "strides"), 1)?;
    let pad = uniform(node, "pads", &ints(node, "pads"), 0)?;
    let out_pad = uniform(node, "output_padding", &ints(node, "output_padding"), 0)?;
    if transpose && !ints(node, "output_shape").is_empty() {
        return Err(unsup("output_shape".into()));
    }
    if stride == 0 || k == 0 || pad >= k || out_pad >= stride.max(1) && out_pad != 0 {
        return Err(unsup(format!("k {k}, stride {stride}, pad {pad}, output_padding {out_pad}")));
    }
    let (cin, cout) = if transpose { (w.dims[0], w.dims[1]) } else { (w.dims[1].saturating_mul(groups), w.dims[0]) };
    if cout % groups != 0 {
        return Err(unsup(format!("{cout} output channels in {groups} groups")));
    }
    let kk = k * k;
    let weight = if transpose {
        let mut t = vec![0.0; w.data.len()];
        for ci in 0..cin {
            for co in 0..cout {
                let (src, dst) = ((ci * cout + co) * kk, (co * cin + ci) * kk);
                t[dst..dst + kk].copy_from_slice(&w.data[src..src + kk]);
            }
        }
        t
    } else {
        w.data.clone()
    };
    let bias = match b {
        Some(b) if b.data.len() == cout => b.data.clone(),
        Some(b) => return Err(unsup(format!("{} biases for {cout} outputs", b.data.len()))),
        None => vec![0.0; cout],
    };
    Ok(Conv { transpose, cin, cout, groups, k, stride, pad, out_pad, weight, bias, act: Act::None })
}

/// BatchNormalization (inference) as a per-channel affine map: a depthwise 1x1 convolution
/// that [`Graph::fuse`] folds into the convolution before it.
fn batch_norm(node: &pb::NodeProto, p: [&Const; 4]) -> Result<Conv, Error> {
    let c = p[0].data.len();
    if c == 0 || p.iter().any(|t| t.data.len() != c) {
        return Err(unsupported(node, "scale, bias, mean and variance of different lengths"));
    }
    if attr(node, "spatial").is_some_and(|a| a.i == 0) || attr(node, "training_mode").is_some_and(|a| a.i != 0) {
        return Err(unsupported(node, "non-spatial or training-mode batch normalisation"));
    }
    let eps = float(node, "epsilon").unwrap_or(1e-5);
    let [scale, shift, mean, var] = p;
    let weight: Vec<f32> = (0..c).map(|i| scale.data[i] / (var.data[i] + eps).sqrt()).collect();
    let bias = (0..c).map(|i| shift.data[i] - mean.data[i] * weight[i]).collect();
    Ok(Conv { transpose: false, cin: c, cout: c, groups: c, k: 1, stride: 1, pad: 0, out_pad: 0, weight, bias, act: Act::None })
}

/// Resize (opset 10+) and Upsample (opset 7–9). `scales`/`sizes` are the constant inputs or
/// attribute; only the two spatial axes may change.
fn resize(node: &pb::NodeProto, opset: i64, scales: Option<&Const>, sizes: Option<Vec<i64>>) -> Result<Resize, Error> {
    let unsup = |what: String| unsupported(node, what);
    let upsample = node.op_type == "Upsample";
    let mode = string(node, "mode").unwrap_or_else(|| "nearest".into());
    let linear = match mode.as_str() {
        "nearest" => false,
        "linear" | "bilinear" => true,
        m => return Err(unsup(format!("mode {m:?} (nearest and linear are supported)"))),
    };
    if attr(node, "antialias").is_some_and(|a| a.i != 0) {
        return Err(unsup("antialias".into()));
    }
    if !ints(node, "axes").is_empty() {
        return Err(unsup("axes".into()));
    }
    let legacy = upsample || opset < 11;
    let coord = if legacy {
        Coord::Asymmetric
    } else {
        match string(node, "coordinate_transformation_mode").as_deref().unwrap_or("half_pixel") {
            "half_pixel" => Coord::HalfPixel,
            "pytorch_half_pixel" => Coord::PytorchHalfPixel,
            "align_corners" => Coord::AlignCorners,
            "asymmetric" => Coord::Asymmetric,
            m => return Err(unsup(format!("coordinate_transformation_mode {m:?}"))),
        }
    };
    let (mut scale_h, mut scale_w, mut size) = (1.0, 1.0, None);
    match (scales.filter(|s| !s.data.is_empty()), sizes.filter(|s| !s.is_empty())) {
        (Some(s), _) => {
            let v = &s.data;
            if v.len() != 4 || v[0] != 1.0 || v[1] != 1.0 || !v[2..].iter().all(|x| x.is_finite() && *x > 0.0) {
                return Err(unsup(format!("scales {v:?} (only [1, 1, h, w] with positive h, w)")));
            }
            (scale_h, scale_w) = (v[2], v[3]);
        }
        (None, Some(v)) => {
            if v.len() != 4 || v[2] < 1 || v[3] < 1 {
                return Err(unsup(format!("sizes {v:?}")));
            }
            size = Some((v[2] as usize, v[3] as usize));
        }
        (None, None) => return Err(unsup("neither scales nor sizes".into())),
    }
    let nearest = if legacy {
        // onnxruntime's pre-opset-11 rule: floor when enlarging, ceil when shrinking.
        if scale_h < 1.0 || scale_w < 1.0 {
            Nearest::Ceil
        } else {
            Nearest::Floor
        }
    } else {
        match string(node, "nearest_mode").as_deref().unwrap_or("round_prefer_floor") {
            "round_prefer_floor" => Nearest::RoundPreferFloor,
            "round_prefer_ceil" => Nearest::RoundPreferCeil,
            "floor" => Nearest::Floor,
            "ceil" => Nearest::Ceil,
            m => return Err(unsup(format!("nearest_mode {m:?}"))),
        }
    };
    Ok(Resize { scale_h, scale_w, size, linear, coord, nearest })
}

/// The declared input shape `[N, C, H, W]` of a single-input ONNX model (`None` where a
/// dimension is symbolic), without interpreting the rest of the graph.
pub fn declared_input(bytes: &[u8]) -> Result<Vec<Option<usize>>, Error> {
    let model = tract_onnx::onnx()
        .proto_model_for_read(&mut &bytes[..])
        .map_err(|e| Error::Onnx(e.to_string()))?;
    let g = model.graph.as_ref().ok_or_else(|| Error::Onnx("no graph".into()))?;
    let init: std::collections::HashSet<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
    let inputs: Vec<&pb::ValueInfoProto> = g.input.iter().filter(|i| !init.contains(i.name.as_str())).collect();
    let [input] = inputs.as_slice() else {
        return Err(Error::Unsupported(format!("{} graph inputs (only one)", inputs.len())));
    };
    Ok(input_dims(input))
}

fn input_dims(input: &pb::ValueInfoProto) -> Vec<Option<usize>> {
    let Some(pb::type_proto::Value::TensorType(tt)) = input.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        return vec![];
    };
    let Some(shape) = tt.shape.as_ref() else { return vec![] };
    shape
        .dim
        .iter()
        .map(|d| match d.value.as_ref() {
            Some(pb::tensor_shape_proto::dimension::Value::DimValue(v)) if *v > 0 => usize::try_from(*v).ok(),
            _ => None,
        })
        .collect()
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Graph, Error> {
    let model = tract_onnx::onnx()
        .proto_model_for_read(&mut &bytes[..])
        .map_err(|e| Error::Onnx(e.to_string()))?;
    let g = model.graph.as_ref().ok_or_else(|| Error::Onnx("no graph".into()))?;
    let mut names: HashMap<&str, Src> = HashMap::new();
    for t in &g.initializer {
        names.insert(&t.name, Src::Const(tensor_values(t)?));
    }
    let inputs: Vec<&pb::ValueInfoProto> = g.input.iter().filter(|i| !names.contains_key(i.name.as_str())).collect();
    let [input] = inputs.as_slice() else {
        return Err(Error::Unsupported(format!("{} graph inputs (only one)", inputs.len())));
    };
    // Channels (and, where fixed, the size) from the declared input shape [N, C, H, W].
    let dims = input_dims(input);
    let in_channels = match dims.as_slice() {
        [_, Some(c), _, _] => *c,
        _ => return Err(Error::Unsupported(format!("input {:?} is not NCHW with a fixed channel count", input.name))),
    };
    let input_hw = match dims.as_slice() {
        [_, _, Some(h), Some(w)] => Some((*h, *w)),
        _ => None,
    };
    let opset = model
        .opset_import
        .iter()
        .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map_or(13, |o| o.version);
    names.insert(&input.name, Src::Value(0));

    let mut layers: Vec<Layer> = Vec::new();
    for node in &g.node {
        // Dropout's optional mask output is never used by inference graphs.
        let outs = if node.op_type == "Dropout" { &node.output[..node.output.len().min(1)] } else { &node.output[..] };
        let [out] = outs else {
            return Err(unsupported(node, format!("{} outputs", node.output.len())));
        };
        // Optional inputs may be absent or named "".
        let has = |i: usize| node.input.get(i).is_some_and(|n| !n.is_empty());
        let get = |i: usize| -> Result<&Src, Error> {
            let name = node.input.get(i).ok_or_else(|| Error::Onnx(format!("{} {:?}: missing input {i}", node.op_type, node.name)))?;
            names.get(name.as_str()).ok_or_else(|| Error::Onnx(format!("{} {:?}: unknown input {name:?}", node.op_type, node.name)))
        };
        let value = |i: usize| -> Result<usize, Error> {
            match get(i)? {
                Src::Value(v) => Ok(*v),
                Src::Const(_) => Err(Error::Unsupported(format!("{} {:?}: constant data input", node.op_type, node.name))),
            }
        };
        let constant = |i: usize| -> Result<&Const, Error> {
            match get(i)? {
                Src::Const(c) => Ok(c),
                Src::Value(_) => Err(Error::Unsupported(format!("{} {:?}: computed weights", node.op_type, node.name))),
            }
        };
        let unary = |u: Unary| -> Result<Layer, Error> { Ok(Layer { op: Op::Unary(u), inputs: vec![value(0)?] }) };
        let layer = match node.op_type.as_str() {
            "Constant" => {
                let t = attr(node, "value").and_then(|a| a.t.as_ref());
                let c = match t {
                    Some(t) => tensor_values(t)?,
                    None => match attr(node, "value_float") {
                        Some(a) => Const { dims: vec![], data: vec![a.f] },
                        None => return Err(Error::Unsupported(format!("Constant {:?} without a float tensor", node.name))),
                    },
                };
                names.insert(out, Src::Const(c));
                continue;
            }
            op @ ("Conv" | "ConvTranspose") => {
                let b = if node.input.len() > 2 { Some(constant(2)?) } else { None };
                let c = conv(node, constant(1)?, b, op == "ConvTranspose")?;
                Layer { op: Op::Conv(c), inputs: vec![value(0)?] }
            }
            "Identity" | "Dropout" => {
                let src = match get(0)? {
                    Src::Value(v) => Src::Value(*v),
                    Src::Const(c) => Src::Const(Const { dims: c.dims.clone(), data: c.data.clone() }),
                };
                names.insert(out, src);
                continue;
            }
            "BatchNormalization" => {
                let c = batch_norm(node, [constant(1)?, constant(2)?, constant(3)?, constant(4)?])?;
                Layer { op: Op::Conv(c), inputs: vec![value(0)?] }
            }
            "Clip" => {
                let bound = |i: usize, attr_name: &str, default: f32| -> Result<f32, Error> {
                    if opset < 11 {
                        return Ok(float(node, attr_name).unwrap_or(default));
                    }
                    if !has(i) {
                        return Ok(default);
                    }
                    match constant(i)?.data.as_slice() {
                        [v] => Ok(*v),
                        _ => Err(unsupported(node, format!("non-scalar {attr_name}"))),
                    }
                };
                let (lo, hi) = (bound(1, "min", f32::MIN)?, bound(2, "max", f32::MAX)?);
                if lo.is_nan() || hi.is_nan() || lo > hi {
                    return Err(unsupported(node, format!("bounds {lo}..{hi}")));
                }
                unary(Unary::Clip(lo, hi))?
            }
            "Sigmoid" => unary(Unary::Sigmoid)?,
            "Upsample" | "Resize" => {
                let (scales, sizes) = if node.op_type == "Upsample" && opset < 9 {
                    let v: Vec<f32> = attr(node, "scales").map(|a| a.floats.clone()).unwrap_or_default();
                    (Some(Const { dims: vec![v.len()], data: v }), None)
                } else {
                    // Upsample ≥ 9 and Resize 10: (X, scales); Resize ≥ 11: (X, roi, scales, sizes).
                    let si = if node.op_type == "Upsample" || opset < 11 { 1 } else { 2 };
                    let scales = if has(si) { Some(Const { dims: vec![], data: constant(si)?.data.clone() }) } else { None };
                    let sizes = if si == 2 && has(3) { Some(constant(3)?.data.iter().map(|&v| v as i64).collect()) } else { None };
                    (scales, sizes)
                };
                let r = resize(node, opset, scales.as_ref(), sizes)?;
                Layer { op: Op::Resize(r), inputs: vec![value(0)?] }
            }
            "Concat" => {
                let axis = attr(node, "axis").map_or(1, |a| a.i);
                if axis != 1 && axis != -3 {
                    return Err(unsupported(node, format!("axis {axis} (only channels)")));
                }
                let inputs = (0..node.input.len()).map(&value).collect::<Result<Vec<_>, _>>()?;
                if inputs.is_empty() {
                    return Err(unsupported(node, "no inputs"));
                }
                Layer { op: Op::Concat, inputs }
            }
            "Relu" => unary(Unary::Relu)?,
            "Sqrt" => unary(Unary::Sqrt)?,
            "Softplus" => unary(Unary::Softplus)?,
            op @ ("Add" | "Mul" | "Div") => {
                let bin = match op {
                    "Add" => Binary::Add,
                    "Mul" => Binary::Mul,
                    _ => Binary::Div,
                };
                let scalar = |s: &Src| match s {
                    Src::Const(c) if c.data.len() == 1 => Some(c.data[0]),
                    _ => None,
                };
                match (get(0)?, get(1)?) {
                    (Src::Value(a), Src::Value(b)) => Layer { op: Op::Binary(bin), inputs: vec![*a, *b] },
                    (Src::Value(a), s) | (s, Src::Value(a)) if bin != Binary::Div || matches!(get(0)?, Src::Value(_)) => {
                        let v = scalar(s).ok_or_else(|| {
                            Error::Unsupported(format!("{op} {:?}: broadcasting a non-scalar constant", node.name))
                        })?;
                        let u = match bin {
                            Binary::Add => Unary::AddScalar(v),
                            Binary::Mul => Unary::MulScalar(v),
                            Binary::Div => Unary::MulScalar(1.0 / v),
                        };
                        Layer { op: Op::Unary(u), inputs: vec![*a] }
                    }
                    _ => return Err(Error::Unsupported(format!("{op} {:?} of constants", node.name))),
                }
            }
            other => return Err(Error::Unsupported(format!("operator {other} (node {:?})", node.name))),
        };
        layers.push(layer);
        names.insert(out, Src::Value(layers.len()));
    }
    let [gout] = g.output.as_slice() else {
        return Err(Error::Unsupported(format!("{} graph outputs (only one)", g.output.len())));
    };
    let output = match names.get(gout.name.as_str()) {
        Some(Src::Value(v)) => *v,
        _ => return Err(Error::Onnx(format!("output {:?} is not computed by the graph", gout.name))),
    };
    let graph = Graph { layers, in_channels, output, input_hw }.fuse();
    let (h, w) = input_hw.unwrap_or((64, 64));
    graph.shapes(h, w)?; // channel counts and sizes agree along the graph
    Ok(graph)
}

impl Graph {
    /// Parses an ONNX model (float32, batch 1, one NCHW input, one output; opsets 7 and up for
    /// the operators listed in the crate documentation). Anything else is an
    /// [`Error::Unsupported`] naming the operator and node.
    pub fn from_onnx(bytes: &[u8]) -> Result<Graph, Error> {
        parse(bytes)
    }
}
