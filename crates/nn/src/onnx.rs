//! ONNX → [`Graph`]: reads the protobuf with tract-onnx's generated types and accepts the
//! operator subset our models use; anything else is a clear [`Error::Unsupported`].

use std::collections::HashMap;

use tract_onnx::pb;
use tract_onnx::prelude::Framework;

use crate::graph::{Act, Binary, Conv, Graph, Layer, Op, Unary};
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

fn tensor_values(t: &pb::TensorProto) -> Result<Const, Error> {
    if t.data_type != pb::tensor_proto::DataType::Float as i32 {
        return Err(Error::Unsupported(format!("tensor {:?} of data type {} (only float32)", t.name, t.data_type)));
    }
    let dims: Vec<usize> = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| Error::Onnx(format!("tensor {:?}: negative dimension", t.name))))
        .collect::<Result<_, _>>()?;
    let n = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or_else(|| Error::Onnx("tensor too large".into()))?;
    let data: Vec<f32> = if !t.raw_data.is_empty() {
        if t.raw_data.len() != n * 4 {
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

/// One value for all entries of `v` (all equal), else an error.
fn uniform(node: &pb::NodeProto, name: &str, v: &[i64], default: i64) -> Result<usize, Error> {
    let x = v.first().copied().unwrap_or(default);
    if v.iter().any(|&y| y != x) || x < 0 {
        return Err(Error::Unsupported(format!("{} {:?}: {name} {v:?} (only equal, non-negative values)", node.op_type, node.name)));
    }
    Ok(x as usize)
}

fn conv(node: &pb::NodeProto, w: &Const, b: Option<&Const>, transpose: bool) -> Result<Conv, Error> {
    let unsup = |what: String| Error::Unsupported(format!("{} {:?}: {what}", node.op_type, node.name));
    if w.dims.len() != 4 || w.dims[2] != w.dims[3] {
        return Err(unsup(format!("weight shape {:?} (only square 2-D kernels)", w.dims)));
    }
    if attr(node, "group").is_some_and(|a| a.i != 1) {
        return Err(unsup("grouped convolution".into()));
    }
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
    let (cin, cout) = if transpose { (w.dims[0], w.dims[1]) } else { (w.dims[1], w.dims[0]) };
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
    Ok(Conv { transpose, cin, cout, k, stride, pad, out_pad, weight, bias, act: Act::None })
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
    // Channels from the declared input shape [N, C, H, W].
    let in_channels = (|| {
        let t = input.r#type.as_ref()?.value.as_ref()?;
        let pb::type_proto::Value::TensorType(tt) = t;
        let dims = &tt.shape.as_ref()?.dim;
        if dims.len() != 4 {
            return None;
        }
        match dims[1].value.as_ref()? {
            pb::tensor_shape_proto::dimension::Value::DimValue(c) if *c > 0 => Some(*c as usize),
            _ => None,
        }
    })()
    .ok_or_else(|| Error::Unsupported(format!("input {:?} is not NCHW with a fixed channel count", input.name)))?;
    names.insert(&input.name, Src::Value(0));

    let mut layers: Vec<Layer> = Vec::new();
    for node in &g.node {
        let [out] = node.output.as_slice() else {
            return Err(Error::Unsupported(format!("{} {:?} with {} outputs", node.op_type, node.name, node.output.len())));
        };
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
            other => return Err(Error::Unsupported(format!("operator {other} ({:?})", node.name))),
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
    let graph = Graph { layers, in_channels, output }.fuse();
    graph.shapes(64, 64)?; // channel counts agree along the graph
    Ok(graph)
}

impl Graph {
    /// Parses an ONNX model (opset ≥ 13, float32, batch 1, one input, one output).
    pub fn from_onnx(bytes: &[u8]) -> Result<Graph, Error> {
        parse(bytes)
    }
}
