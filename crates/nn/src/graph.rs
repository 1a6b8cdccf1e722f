//! The executor's graph: a topologically ordered list of layers over numbered values
//! (value 0 is the graph input, value `i + 1` the output of layer `i`).

use crate::Error;

/// Activation fused into a convolution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Act {
    None,
    Relu,
    /// Clamp to `[lo, hi]` (ReLU6 is `Clip(0, 6)`).
    Clip(f32, f32),
}

impl Act {
    pub fn apply(self, v: f32) -> f32 {
        match self {
            Act::None => v,
            Act::Relu => v.max(0.0),
            Act::Clip(lo, hi) => v.max(lo).min(hi),
        }
    }
}

/// A 2-D convolution or transposed convolution with square kernel, equal strides and
/// symmetric padding (what our models use). Weights are stored `[cout][cin / groups][k][k]`
/// for both kinds (ConvTranspose's ONNX `[cin][cout][k][k]` is transposed on load).
/// Grouped convolution (`groups > 1`; depthwise when `groups == cin == cout`) is supported
/// for Conv only.
#[derive(Clone, Debug)]
pub struct Conv {
    pub transpose: bool,
    pub cin: usize,
    pub cout: usize,
    /// Input and output channels are split into this many independent groups.
    pub groups: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    /// ConvTranspose only.
    pub out_pad: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    pub act: Act,
}

impl Conv {
    /// Output height/width for an input of `n`, or `None` if it would be empty.
    pub fn out_len(&self, n: usize) -> Option<usize> {
        if self.transpose {
            ((n.checked_sub(1)? * self.stride + self.k + self.out_pad).checked_sub(2 * self.pad)).filter(|&v| v > 0)
        } else {
            (n + 2 * self.pad).checked_sub(self.k).map(|v| v / self.stride + 1)
        }
    }

    /// A depthwise 1x1 convolution without activation: `y_c = w_c · x_c + b_c` (how
    /// BatchNormalization is represented).
    pub fn is_channel_affine(&self) -> bool {
        !self.transpose && self.k == 1 && self.stride == 1 && self.pad == 0 && self.groups == self.cin && self.cin == self.cout && self.act == Act::None
    }

    /// Input channels each output channel reads.
    pub fn cin_per_group(&self) -> usize {
        self.cin / self.groups.max(1)
    }

    /// Multiply-accumulates for an input of `h` x `w`.
    pub fn macs(&self, h: usize, w: usize) -> u64 {
        let per = (self.cin_per_group() * self.cout * self.k * self.k) as u64;
        if self.transpose {
            per * (h * w) as u64
        } else {
            per * (self.out_len(h).unwrap_or(0) * self.out_len(w).unwrap_or(0)) as u64
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unary {
    Relu,
    /// Clamp to `[lo, hi]`.
    Clip(f32, f32),
    Sigmoid,
    Sqrt,
    Softplus,
    AddScalar(f32),
    MulScalar(f32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    Add,
    Mul,
    Div,
}

#[derive(Clone, Debug)]
pub enum Op {
    Conv(Conv),
    /// GDN: y_c = x_c / sqrt(beta_c + Σ_j gamma[c][j] x_j²); IGDN multiplies instead.
    Gdn { inverse: bool, beta: Vec<f32>, gamma: Vec<f32> },
    Unary(Unary),
    /// Two tensors of the same shape.
    Binary(Binary),
    /// Average pooling over a `k` x `k` window with symmetric zero padding that is not
    /// counted (PyTorch's `count_include_pad=False`): each output is the mean of the window's
    /// pixels that lie inside the image.
    AvgPool { k: usize, stride: usize, pad: usize },
    /// Spatial resampling (ONNX Resize / Upsample).
    Resize(Resize),
    /// Channel-wise concatenation of all inputs (same height and width).
    Concat,
}

/// How ONNX Resize maps an output coordinate to the input (`coordinate_transformation_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coord {
    HalfPixel,
    /// Like `HalfPixel`, but 0 where the output length is 1.
    PytorchHalfPixel,
    AlignCorners,
    Asymmetric,
}

/// How a fractional source coordinate picks the nearest pixel (`nearest_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nearest {
    RoundPreferFloor,
    RoundPreferCeil,
    Floor,
    Ceil,
}

/// Resize to `floor(n · scale)` (or a fixed size), nearest or (bi)linear.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Resize {
    pub scale_h: f32,
    pub scale_w: f32,
    /// Output height and width when the graph gives sizes instead of scales.
    pub size: Option<(usize, usize)>,
    /// Bilinear when true, nearest otherwise.
    pub linear: bool,
    pub coord: Coord,
    pub nearest: Nearest,
}

/// Largest output side a Resize may produce (declared scales are untrusted).
pub const MAX_RESIZE_SIDE: usize = 1 << 14;

/// Largest value (elements) a graph may compute: 2^28 f32 = 1 GiB. Graphs from untrusted
/// files are refused by [`Graph::shapes`] before anything that large is allocated.
pub const MAX_TENSOR_ELEMENTS: usize = 1 << 28;

impl Resize {
    pub fn out_len(&self, n: usize, axis_h: bool) -> Option<usize> {
        let out = match (self.size, axis_h) {
            (Some((h, _)), true) => h,
            (Some((_, w)), false) => w,
            (None, _) => {
                let s = if axis_h { self.scale_h } else { self.scale_w };
                let v = (n as f64 * s as f64).floor();
                if !(1.0..=MAX_RESIZE_SIDE as f64).contains(&v) {
                    return None;
                }
                v as usize
            }
        };
        (1..=MAX_RESIZE_SIDE).contains(&out).then_some(out)
    }

    /// The scale ONNX uses in the coordinate transform (the given one, or out/in for sizes).
    pub(crate) fn axis_scale(&self, n_in: usize, n_out: usize, axis_h: bool) -> f32 {
        match self.size {
            Some(_) => n_out as f32 / n_in as f32,
            None => {
                if axis_h {
                    self.scale_h
                } else {
                    self.scale_w
                }
            }
        }
    }

    /// Source coordinate of output index `o` (before clamping), in f32 as both executors
    /// compute it.
    pub fn source(&self, o: usize, n_in: usize, n_out: usize, axis_h: bool) -> f32 {
        let s = self.axis_scale(n_in, n_out, axis_h);
        let o = o as f32;
        match self.coord {
            Coord::HalfPixel => (o + 0.5) / s - 0.5,
            Coord::PytorchHalfPixel => {
                if n_out > 1 {
                    (o + 0.5) / s - 0.5
                } else {
                    0.0
                }
            }
            Coord::AlignCorners => {
                if n_out > 1 {
                    o * (n_in as f32 - 1.0) / (n_out as f32 - 1.0)
                } else {
                    0.0
                }
            }
            Coord::Asymmetric => o / s,
        }
    }

    /// Index of the nearest input pixel for source coordinate `x`.
    pub fn nearest_index(&self, x: f32, n_in: usize) -> usize {
        let i = match self.nearest {
            Nearest::RoundPreferFloor => {
                if x == x.floor() + 0.5 {
                    x.floor()
                } else {
                    x.round()
                }
            }
            Nearest::RoundPreferCeil => {
                if x == x.floor() + 0.5 {
                    x.ceil()
                } else {
                    x.round()
                }
            }
            Nearest::Floor => x.floor(),
            Nearest::Ceil => x.ceil(),
        };
        (i.max(0.0) as usize).min(n_in - 1)
    }

    /// The two input pixels and the weight of the second for source coordinate `x`.
    pub fn linear_taps(x: f32, n_in: usize) -> (usize, usize, f32) {
        let x = x.max(0.0).min(n_in as f32 - 1.0);
        let i0 = x.floor() as usize;
        let i1 = (i0 + 1).min(n_in - 1);
        (i0, i1, x - i0 as f32)
    }
}

/// Output length of a `k`-window with `stride` and `pad` over `n`, if not empty.
pub(crate) fn window_out(n: usize, k: usize, stride: usize, pad: usize) -> Option<usize> {
    (n + 2 * pad).checked_sub(k).map(|v| v / stride.max(1) + 1)
}

#[derive(Clone, Debug)]
pub struct Layer {
    pub op: Op,
    /// Value ids (0 = graph input, i + 1 = output of layer i).
    pub inputs: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct Graph {
    pub layers: Vec<Layer>,
    /// Channels of the input.
    pub in_channels: usize,
    /// The value returned (normally the last layer's).
    pub output: usize,
    /// Input height and width when the model declares them (ONNX files with a fixed size).
    pub input_hw: Option<(usize, usize)>,
}

impl Graph {
    /// Shapes of every value for an input of `h` x `w`, checked.
    pub fn shapes(&self, h: usize, w: usize) -> Result<Vec<[usize; 3]>, Error> {
        let mut s = vec![[self.in_channels, h, w]];
        for (i, l) in self.layers.iter().enumerate() {
            let ins: Vec<[usize; 3]> = l.inputs.iter().map(|&v| s[v]).collect();
            let out = match &l.op {
                Op::Conv(c) => {
                    let [ci, ih, iw] = ins[0];
                    if ci != c.cin {
                        return Err(Error::Shape(format!("layer {i}: {ci} channels into a conv expecting {}", c.cin)));
                    }
                    let g = c.groups;
                    if g == 0 || c.cin % g != 0 || c.cout % g != 0 || (g > 1 && c.transpose) {
                        return Err(Error::Shape(format!("layer {i}: {g} groups over {} -> {} channels", c.cin, c.cout)));
                    }
                    if c.weight.len() != c.cout * c.cin_per_group() * c.k * c.k || c.bias.len() != c.cout {
                        return Err(Error::Shape(format!("layer {i}: {} weights, {} biases", c.weight.len(), c.bias.len())));
                    }
                    let (oh, ow) = (c.out_len(ih), c.out_len(iw));
                    match (oh, ow) {
                        (Some(oh), Some(ow)) if oh > 0 && ow > 0 => [c.cout, oh, ow],
                        _ => return Err(Error::Shape(format!("layer {i}: input {ih}x{iw} too small"))),
                    }
                }
                Op::Gdn { beta, .. } => {
                    if ins[0][0] != beta.len() {
                        return Err(Error::Shape(format!("layer {i}: GDN over {} channels, input has {}", beta.len(), ins[0][0])));
                    }
                    ins[0]
                }
                Op::Unary(_) => ins[0],
                &Op::AvgPool { k, stride, pad } => {
                    let [c, ih, iw] = ins[0];
                    if k == 0 || stride == 0 || pad >= k {
                        return Err(Error::Shape(format!("layer {i}: pool k={k} stride={stride} pad={pad}")));
                    }
                    match (window_out(ih, k, stride, pad), window_out(iw, k, stride, pad)) {
                        (Some(oh), Some(ow)) => [c, oh, ow],
                        _ => return Err(Error::Shape(format!("layer {i}: input {ih}x{iw} smaller than the pool window"))),
                    }
                }
                Op::Binary(_) => {
                    if ins[0] != ins[1] {
                        return Err(Error::Shape(format!("layer {i}: {:?} vs {:?}", ins[0], ins[1])));
                    }
                    ins[0]
                }
                Op::Resize(r) => {
                    let [c, ih, iw] = ins[0];
                    match (r.out_len(ih, true), r.out_len(iw, false)) {
                        (Some(oh), Some(ow)) => [c, oh, ow],
                        _ => return Err(Error::Shape(format!("layer {i}: resize of {ih}x{iw} by {r:?} is empty or too large"))),
                    }
                }
                Op::Concat => {
                    let [_, h0, w0] = ins[0];
                    if ins.iter().any(|s| s[1] != h0 || s[2] != w0) {
                        return Err(Error::Shape(format!("layer {i}: concatenating {ins:?}")));
                    }
                    [ins.iter().map(|s| s[0]).sum(), h0, w0]
                }
            };
            if out.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).is_none_or(|n| n > MAX_TENSOR_ELEMENTS) {
                return Err(Error::Shape(format!("layer {i}: a {out:?} tensor is over the {MAX_TENSOR_ELEMENTS}-element limit")));
            }
            s.push(out);
        }
        Ok(s)
    }

    /// Output shape for an input of `h` x `w`.
    pub fn output_shape(&self, h: usize, w: usize) -> Result<[usize; 3], Error> {
        Ok(self.shapes(h, w)?[self.output])
    }

    /// Total multiply-accumulates of the convolutions and GDNs.
    pub fn macs(&self, h: usize, w: usize) -> Result<u64, Error> {
        let s = self.shapes(h, w)?;
        Ok(self
            .layers
            .iter()
            .map(|l| {
                let [_, ih, iw] = s[l.inputs[0]];
                match &l.op {
                    Op::Conv(c) => c.macs(ih, iw),
                    Op::Gdn { beta, .. } => (beta.len() * beta.len() * ih * iw) as u64,
                    _ => 0,
                }
            })
            .sum())
    }

    /// The last use of every value (for freeing intermediate results early).
    pub(crate) fn last_use(&self) -> Vec<usize> {
        let mut last = vec![0; self.layers.len() + 1];
        for (i, l) in self.layers.iter().enumerate() {
            for &v in &l.inputs {
                last[v] = i;
            }
        }
        last[self.output] = usize::MAX;
        last
    }

    /// Fuses GDN decompositions (`x / sqrt(conv1x1(x*x))`, or `x *` for IGDN), folds
    /// BatchNormalization into the convolution before it and conv → ReLU / Clip pairs into
    /// the convolution, then drops dead layers.
    #[cfg_attr(not(feature = "onnx"), allow(dead_code))] // used by the ONNX reader
    pub(crate) fn fuse(mut self) -> Graph {
        let uses = |g: &Graph, v: usize| g.layers.iter().filter(|l| l.inputs.contains(&v)).count() + usize::from(g.output == v);
        let producer = |v: usize| v.checked_sub(1);
        // GDN.
        for i in 0..self.layers.len() {
            let (inverse, x, n) = match (&self.layers[i].op, self.layers[i].inputs.as_slice()) {
                (Op::Binary(Binary::Div), &[x, n]) => (false, x, n),
                (Op::Binary(Binary::Mul), &[x, n]) => (true, x, n),
                _ => continue,
            };
            let Some(sq_l) = producer(n) else { continue };
            if !matches!(self.layers[sq_l].op, Op::Unary(Unary::Sqrt)) || uses(&self, n) != 1 {
                continue;
            }
            let s = self.layers[sq_l].inputs[0];
            let Some(conv_l) = producer(s) else { continue };
            let (beta, gamma) = match &self.layers[conv_l].op {
                Op::Conv(c) if !c.transpose && c.k == 1 && c.stride == 1 && c.pad == 0 && c.act == Act::None && c.cin == c.cout && c.groups == 1 => {
                    (c.bias.clone(), c.weight.clone())
                }
                _ => continue,
            };
            if uses(&self, s) != 1 {
                continue;
            }
            let xx = self.layers[conv_l].inputs[0];
            let Some(xx_l) = producer(xx) else { continue };
            if !matches!(self.layers[xx_l].op, Op::Binary(Binary::Mul)) || self.layers[xx_l].inputs != [x, x] || uses(&self, xx) != 1 {
                continue;
            }
            self.layers[i] = Layer { op: Op::Gdn { inverse, beta, gamma }, inputs: vec![x] };
        }
        // Per-channel affine (BatchNormalization, read as a depthwise 1x1 conv) into the
        // convolution that produces its input.
        for i in 0..self.layers.len() {
            let (scale, shift) = match &self.layers[i].op {
                Op::Conv(c) if c.is_channel_affine() => (c.weight.clone(), c.bias.clone()),
                _ => continue,
            };
            let v = self.layers[i].inputs[0];
            let Some(p) = producer(v) else { continue };
            if uses(&self, v) != 1 {
                continue;
            }
            if let Op::Conv(c) = &mut self.layers[p].op {
                if c.act == Act::None {
                    let per = c.weight.len() / c.cout;
                    for co in 0..c.cout {
                        c.weight[co * per..(co + 1) * per].iter_mut().for_each(|w| *w *= scale[co]);
                        c.bias[co] = c.bias[co] * scale[co] + shift[co];
                    }
                    self.alias(i + 1, v);
                }
            }
        }
        // Drop the folded layers first: a dead BatchNormalization still reads the
        // convolution's output and would make it look shared.
        let mut g = self.prune();
        // Conv + ReLU / Clip.
        for i in 0..g.layers.len() {
            let act = match g.layers[i].op {
                Op::Unary(Unary::Relu) => Act::Relu,
                Op::Unary(Unary::Clip(lo, hi)) => Act::Clip(lo, hi),
                _ => continue,
            };
            let v = g.layers[i].inputs[0];
            let Some(p) = producer(v) else { continue };
            if uses(&g, v) != 1 {
                continue;
            }
            if let Op::Conv(c) = &mut g.layers[p].op {
                if c.act == Act::None {
                    c.act = act;
                    // Uses of the activation's output now read the conv's; prune drops it.
                    g.alias(i + 1, v);
                }
            }
        }
        g.prune()
    }

    /// Redirects every use of value `from` to value `to`.
    #[cfg_attr(not(feature = "onnx"), allow(dead_code))]
    fn alias(&mut self, from: usize, to: usize) {
        for l in &mut self.layers {
            for v in &mut l.inputs {
                if *v == from {
                    *v = to;
                }
            }
        }
        if self.output == from {
            self.output = to;
        }
    }

    /// Removes layers whose outputs are not needed and renumbers values.
    #[cfg_attr(not(feature = "onnx"), allow(dead_code))]
    fn prune(self) -> Graph {
        let n = self.layers.len();
        let mut live = vec![false; n + 1];
        live[self.output] = true;
        live[0] = true;
        for i in (0..n).rev() {
            if live[i + 1] {
                for &v in &self.layers[i].inputs {
                    live[v] = true;
                }
            }
        }
        let mut map = vec![0; n + 1];
        let mut layers = Vec::new();
        for (i, mut l) in self.layers.into_iter().enumerate() {
            if !live[i + 1] {
                continue;
            }
            for v in &mut l.inputs {
                *v = map[*v];
            }
            layers.push(l);
            map[i + 1] = layers.len();
        }
        Graph { layers, in_channels: self.in_channels, output: map[self.output], input_hw: self.input_hw }
    }
}
