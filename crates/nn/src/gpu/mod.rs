//! The WGSL executor. Weights are uploaded once per graph ([`GpuGraph::new`]); the first run
//! at an input size builds a *plan* — pipelines, activation buffers, bind groups and dispatch
//! sizes — that later runs at that size reuse, so a run is one `write_buffer` of the input,
//! one compute pass with one dispatch per layer, the copy of the output into a readback
//! buffer, and one submission. Intermediate buffers come from a pool and are reused once
//! their last reader has been recorded (dispatches in a pass are ordered, so reuse is safe).
//!
//! Kernels ([`Kernels::Tiled`], the default): dense and transposed convolutions, depthwise
//! convolutions and GDN/IGDN are WGSL generated per layer ([`codegen`]: constants baked in,
//! register tiles unrolled); bias and activation are fused into every convolution, and a
//! residual `Add` whose one input is the only use of a dense convolution's or a resize's
//! output is fused into that kernel. Grouped (non-depthwise) convolutions, pooling, resizing, concatenation and
//! element-wise ops use the fixed kernels in `src/shaders/`. [`Kernels::Simple`] keeps the
//! first, one-output-per-invocation kernels as the baseline the benchmarks compare against.

mod codegen;

use edgeplay_gpu::{wgpu, Gpu, Timing};

use std::sync::Mutex;

use crate::graph::{Act, Binary, Conv, Graph, Op, Resize, Unary};
use codegen::{ConvSpec, DepthwiseSpec, Epilogue, GdnSpec};
use crate::{Error, Tensor};

pub const CONV: &str = include_str!("../shaders/conv.wgsl");
pub const GDN: &str = include_str!("../shaders/gdn.wgsl");
pub const UNARY: &str = include_str!("../shaders/unary.wgsl");
pub const BINARY: &str = include_str!("../shaders/binary.wgsl");
pub const POOL: &str = include_str!("../shaders/pool.wgsl");
pub const GROUP_CONV: &str = include_str!("../shaders/group_conv.wgsl");
pub const RESIZE: &str = include_str!("../shaders/resize.wgsl");
pub const COPY: &str = include_str!("../shaders/copy.wgsl");

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ConvParams {
    cin: u32,
    cout: u32,
    k: u32,
    stride: u32,
    pad: u32,
    act: u32,
    ih: u32,
    iw: u32,
    oh: u32,
    ow: u32,
    lo: f32,
    hi: f32,
    groups: u32,
    _p: [u32; 3],
}

/// The activation as the kernels' (code, lo, hi).
fn act_code(a: Act) -> (u32, f32, f32) {
    match a {
        Act::None => (0, 0.0, 0.0),
        Act::Relu => (1, 0.0, 0.0),
        Act::Clip(lo, hi) => (2, lo, hi),
    }
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct EltParams {
    a: u32,
    b: u32,
    c: u32,
    d: u32,
}

/// Weights packed as vec4 over output channels, `[c4][cin][k][k][4]` (`c4 ≥ cout / 4`; the
/// channels past `cout` are zero).
fn pack_weights(w: &[f32], cout: usize, per: usize, c4: usize) -> Vec<f32> {
    let mut out = vec![0.0; c4 * per * 4];
    for co in 0..cout {
        for j in 0..per {
            out[((co / 4) * per + j) * 4 + co % 4] = w[co * per + j];
        }
    }
    out
}

fn pad_to(v: &[f32], n: usize) -> Vec<f32> {
    let mut out = v.to_vec();
    out.resize(n.max(v.len()), 0.0);
    out
}

/// Which convolution and GDN kernels a [`GpuGraph`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Kernels {
    /// Generated per layer with register tiles ([`codegen`]). The default.
    #[default]
    Tiled,
    /// One output pixel × 4 channels per invocation, shapes in uniforms: the first kernels,
    /// kept as the benchmarks' baseline.
    Simple,
}

/// Register tiles of the generated kernels, chosen per adapter. (outputs — for a transposed
/// convolution input columns — along x, vec4 groups of output channels.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tiles {
    pub conv: (usize, usize),
    pub conv_transpose: (usize, usize),
    pub gdn: (usize, usize),
    pub depthwise: usize,
}

impl Tiles {
    /// Software adapters (SwiftShader, lavapipe) run invocations as SIMD lanes on CPU
    /// cores: per-invocation overhead and loads dominate, so long tiles along x win there
    /// (measured with `edgeplay bench nn`, see README). GPUs keep small tiles (register
    /// pressure and occupancy); those have not been measured on a real GPU yet.
    pub fn for_adapter(info: &edgeplay_gpu::GpuInfo) -> Tiles {
        if info.is_software() {
            Tiles { conv: (8, 2), conv_transpose: (16, 1), gdn: (16, 4), depthwise: 4 }
        } else {
            Tiles { conv: (4, 2), conv_transpose: (2, 2), gdn: (4, 2), depthwise: 4 }
        }
    }

    fn conv(&self, c: &Conv) -> (usize, usize) {
        let (tx, ct4) = if c.transpose { self.conv_transpose } else { self.conv };
        // Fewer than 4 output channels: one vec4 group is enough.
        (tx, if c.cout <= 4 { 1 } else { ct4 })
    }
}

fn is_depthwise(c: &Conv) -> bool {
    !c.transpose && c.groups > 1 && c.groups == c.cin && c.cin == c.cout && c.k <= MAX_UNROLLED_K
}

/// Largest kernel the generated (fully unrolled) kernels take; larger ones (rare: a visitor's
/// own network) use the fixed kernels rather than a shader of thousands of lines.
const MAX_UNROLLED_K: usize = 7;

/// A graph with its weights resident on one device.
pub struct GpuGraph {
    gpu: Gpu,
    graph: Graph,
    kernels: Kernels,
    tiles: Tiles,
    weights: Vec<Option<Weights>>,
    plan: Mutex<Option<Plan>>,
}

/// A layer's parameters on the device: weights and bias apart (fixed kernels) or joined, the
/// bias after the weights (generated kernels).
struct Weights {
    w: wgpu::Buffer,
    bias: Option<wgpu::Buffer>,
}

impl Weights {
    fn joined(gpu: &Gpu, wb: Vec<f32>) -> Weights {
        Weights { w: gpu.storage_init("edgeplay.nn.weight+bias", &wb), bias: None }
    }

    fn split(gpu: &Gpu, w: &[f32], b: Vec<f32>) -> Weights {
        Weights { w: gpu.storage_init("edgeplay.nn.weight", w), bias: Some(gpu.storage_init("edgeplay.nn.bias", &b)) }
    }

    /// (weights, bias) for the fixed kernels.
    fn pair(&self) -> (&wgpu::Buffer, &wgpu::Buffer) {
        (&self.w, self.bias.as_ref().expect("fixed kernels get a separate bias"))
    }
}

/// Everything a run at one input size needs, built once.
struct Plan {
    h: usize,
    w: usize,
    input: wgpu::Buffer,
    output: wgpu::Buffer,
    out_shape: [usize; 3],
    steps: Vec<Step>,
}

struct Step {
    label: String,
    pipe: wgpu::ComputePipeline,
    bind: wgpu::BindGroup,
    groups: (u32, u32, u32),
}

/// Linear element-wise dispatch over `n` elements in groups of 64 (2-D when large).
fn linear_groups(n: usize, z: u32) -> (u32, u32, u32) {
    let groups = n.div_ceil(64) as u32;
    let x = groups.min(32768);
    (x, groups.div_ceil(x.max(1)).max(1), z)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl GpuGraph {
    /// Uploads `graph`'s weights for the default kernels.
    pub fn new(gpu: &Gpu, graph: &Graph) -> GpuGraph {
        GpuGraph::with_kernels(gpu, graph, Kernels::default())
    }

    pub fn with_kernels(gpu: &Gpu, graph: &Graph, kernels: Kernels) -> GpuGraph {
        GpuGraph::build(gpu, graph, kernels, Tiles::for_adapter(gpu.info()))
    }

    /// The tiled kernels with the given tiles instead of the adapter's (tests, tuning).
    pub fn with_tiles(gpu: &Gpu, graph: &Graph, tiles: Tiles) -> GpuGraph {
        GpuGraph::build(gpu, graph, Kernels::Tiled, tiles)
    }

    fn build(gpu: &Gpu, graph: &Graph, kernels: Kernels, tiles: Tiles) -> GpuGraph {
        let tiled = kernels == Kernels::Tiled;
        let weights = graph
            .layers
            .iter()
            .map(|l| match &l.op {
                // Generated kernels: weights then bias in one buffer.
                Op::Conv(c) if tiled && is_depthwise(c) => Some(Weights::joined(gpu, [c.weight.clone(), c.bias.clone()].concat())),
                Op::Conv(c) if c.groups > 1 => Some(Weights::split(gpu, &c.weight, c.bias.clone())),
                Op::Conv(c) => {
                    let tiled = tiled && c.k <= MAX_UNROLLED_K;
                    let c4 = if tiled { c.cout.div_ceil(4 * tiles.conv(c).1) * tiles.conv(c).1 } else { c.cout.div_ceil(4) };
                    let w = pack_weights(&c.weight, c.cout, c.cin * c.k * c.k, c4);
                    let b = pad_to(&c.bias, c4 * 4);
                    Some(if tiled { Weights::joined(gpu, [w, b].concat()) } else { Weights::split(gpu, &w, b) })
                }
                Op::Gdn { beta, gamma, .. } => {
                    let n = beta.len();
                    let c4 = if tiled { n.div_ceil(4 * tiles.gdn.1) * tiles.gdn.1 } else { n.div_ceil(4) };
                    let w = pack_weights(gamma, n, n, c4);
                    let b = pad_to(beta, c4 * 4);
                    Some(if tiled { Weights::joined(gpu, [w, b].concat()) } else { Weights::split(gpu, &w, b) })
                }
                _ => None,
            })
            .collect();
        GpuGraph { gpu: gpu.clone(), graph: graph.clone(), kernels, tiles, weights, plan: Mutex::new(None) }
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The dispatches of the plan built by the last run (layer kinds and shapes), e.g.
    /// `"conv_transpose k5 s2 64x32x48→64x64x96"`; empty before the first run.
    pub fn dispatches(&self) -> Vec<String> {
        lock(&self.plan).as_ref().map(|p| p.steps.iter().map(|s| s.label.clone()).collect()).unwrap_or_default()
    }

    /// Runs the graph; returns the output and the GPU time of the pass.
    pub async fn run(&self, input: &Tensor) -> Result<(Tensor, Timing), Error> {
        let gpu = &self.gpu;
        let (staging, timer, [oc, oh, ow]) = gpu
            .scoped(|| -> Result<_, Error> {
                let mut guard = lock(&self.plan);
                let plan = self.plan_for(&mut guard, input)?;
                gpu.queue().write_buffer(&plan.input, 0, bytemuck::cast_slice(&input.data));
                let timer = gpu.pass_timer();
                let mut enc = gpu.encoder("edgeplay.nn");
                {
                    let mut cp = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                        label: Some("edgeplay.nn"),
                        timestamp_writes: timer.timestamp_writes(),
                    });
                    for s in &plan.steps {
                        cp.set_pipeline(&s.pipe);
                        cp.set_bind_group(0, &s.bind, &[]);
                        cp.dispatch_workgroups(s.groups.0, s.groups.1, s.groups.2);
                    }
                }
                timer.resolve(&mut enc);
                let staging = gpu.copy_to_staging(&mut enc, &plan.output);
                gpu.queue().submit(Some(enc.finish()));
                Ok((staging, timer, plan.out_shape))
            })
            .await??;
        let timing = timer.finish(gpu).await?;
        let data: Vec<f32> = gpu.map_read(&staging).await?;
        Ok((Tensor::new(oc, oh, ow, data[..oc * oh * ow].to_vec())?, timing))
    }

    /// Wall-clock milliseconds of each dispatch run alone (one submission each, waited for),
    /// labelled with its layer; after one full run. For finding the slow layers.
    pub async fn profile(&self, input: &Tensor) -> Result<Vec<(String, f64)>, Error> {
        self.run(input).await?;
        let n = lock(&self.plan).as_ref().map_or(0, |p| p.steps.len());
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let sw = edgeplay_gpu::Stopwatch::start();
            let label = {
                let guard = lock(&self.plan);
                let s = &guard.as_ref().expect("plan built by run").steps[i];
                let mut enc = self.gpu.encoder("edgeplay.nn.profile");
                {
                    let mut cp = enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes: None });
                    cp.set_pipeline(&s.pipe);
                    cp.set_bind_group(0, &s.bind, &[]);
                    cp.dispatch_workgroups(s.groups.0, s.groups.1, s.groups.2);
                }
                self.gpu.queue().submit(Some(enc.finish()));
                s.label.clone()
            };
            self.gpu.wait_idle().await?;
            out.push((label, sw.ms()));
        }
        Ok(out)
    }

    /// The plan for `input`'s size (built when the size changed).
    fn plan_for<'a>(&self, slot: &'a mut Option<Plan>, input: &Tensor) -> Result<&'a Plan, Error> {
        let g = &self.graph;
        if input.c != g.in_channels {
            return Err(Error::Shape(format!("input has {} channels, graph expects {}", input.c, g.in_channels)));
        }
        if !matches!(slot, Some(p) if p.h == input.h && p.w == input.w) {
            *slot = None; // release the old size's buffers first
            *slot = Some(self.build_plan(input.h, input.w)?);
        }
        Ok(slot.as_ref().expect("plan just built"))
    }

    fn build_plan(&self, in_h: usize, in_w: usize) -> Result<Plan, Error> {
        let g = &self.graph;
        let gpu = &self.gpu;
        let tiled = self.kernels == Kernels::Tiled;
        let shapes = g.shapes(in_h, in_w)?;
        let limit = gpu.device().limits().max_compute_workgroups_per_dimension;
        for s in &shapes {
            gpu.check_storage_size("nn activation", (s[0] * s[1] * s[2] * 4) as u64)?;
        }
        let last = g.last_use();
        // Residual fusion: layer j = Add(v, o) where v is a dense convolution's or a resize's
        // output with no other reader and o was computed before v's layer i.
        let mut uses = vec![0usize; g.layers.len() + 1];
        for l in &g.layers {
            for &v in &l.inputs {
                uses[v] += 1;
            }
        }
        let mut fused_add: Vec<Option<(usize, usize)>> = vec![None; g.layers.len()]; // conv i → (add j, other o)
        let mut skip = vec![false; g.layers.len()];
        if tiled {
            for (j, l) in g.layers.iter().enumerate() {
                if !matches!(l.op, Op::Binary(Binary::Add)) || l.inputs.len() != 2 {
                    continue;
                }
                for (a, o) in [(l.inputs[0], l.inputs[1]), (l.inputs[1], l.inputs[0])] {
                    let Some(i) = a.checked_sub(1) else { continue };
                    let fusable = matches!(&g.layers[i].op, Op::Conv(c) if c.groups == 1 && c.k <= MAX_UNROLLED_K) | matches!(&g.layers[i].op, Op::Resize(_))
                        && uses[a] == 1
                        && a != g.output
                        && a != o
                        && o <= i
                        && shapes[o] == shapes[a]
                        && fused_add[i].is_none();
                    if fusable {
                        fused_add[i] = Some((j, o));
                        skip[j] = true;
                        break;
                    }
                }
            }
        }
        let mut pool: Vec<wgpu::Buffer> = Vec::new();
        let mut bufs: Vec<Option<wgpu::Buffer>> = vec![None; g.layers.len() + 1];
        let input = gpu.storage("edgeplay.nn.input", (in_h * in_w * g.in_channels * 4) as u64);
        bufs[0] = Some(input.clone());
        let mut steps: Vec<Step> = Vec::with_capacity(g.layers.len());
        let mut add = |label: String, pipe: wgpu::ComputePipeline, bind: wgpu::BindGroup, groups: (u32, u32, u32)| -> Result<(), Error> {
            if groups.0 > limit || groups.1 > limit || groups.2 > limit {
                let needed = groups.0.max(groups.1).max(groups.2) as u64;
                return Err(edgeplay_gpu::GpuError::TooLarge { what: "nn dispatch", needed, limit: limit as u64 }.into());
            }
            steps.push(Step { label, pipe, bind, groups });
            Ok(())
        };
        for (i, l) in g.layers.iter().enumerate() {
            if !skip[i] {
                // The value this layer writes: its own, or a fused Add's.
                let out_v = fused_add[i].map_or(i + 1, |(j, _)| j + 1);
                let [c, h, w] = shapes[i + 1];
                let bytes = (c * h * w * 4).max(4) as u64;
                let dst = match pool.iter().position(|b| b.size() >= bytes) {
                    Some(j) => pool.swap_remove(j),
                    None => gpu.storage("edgeplay.nn.act", bytes),
                };
                let src = bufs[l.inputs[0]].clone().expect("input recorded");
                let [ic, ih, iw] = shapes[l.inputs[0]];
                let residual = fused_add[i].map(|(_, o)| bufs[o].clone().expect("residual recorded"));
                let shape = format!("{ic}x{ih}x{iw}→{c}x{h}x{w}");
                match &l.op {
                    Op::Conv(cv) if tiled && cv.groups == 1 && cv.k <= MAX_UNROLLED_K => {
                        let (tx, ct4) = self.tiles.conv(cv);
                        // A pointwise convolution is a matrix product over pixels: run it on
                        // the image flattened to one row (same memory layout).
                        let pointwise = cv.k == 1 && cv.stride == 1 && cv.pad == 0 && cv.out_pad == 0;
                        let (ih, iw, h, w) = if pointwise { (1, ih * iw, 1, h * w) } else { (ih, iw, h, w) };
                        let spec = ConvSpec {
                            transpose: cv.transpose,
                            cin: cv.cin,
                            cout: cv.cout,
                            k: cv.k,
                            stride: cv.stride,
                            pad: cv.pad,
                            ih,
                            iw,
                            oh: h,
                            ow: w,
                            tx,
                            ct4,
                            epi: Epilogue { act: cv.act, residual: residual.is_some() },
                        };
                        let pipe = gpu.pipeline("edgeplay.nn.conv.tiled", &spec.wgsl(), "main");
                        let wb = &self.weights[i].as_ref().expect("conv weights uploaded").w;
                        let mut b: Vec<&wgpu::Buffer> = vec![&src, wb, &dst];
                        b.extend(residual.as_ref());
                        let bind = gpu.bind(&pipe, &b);
                        let kind = if cv.transpose { "conv_transpose" } else { "conv" };
                        let plus = if residual.is_some() { " + add" } else { "" };
                        add(format!("{kind} k{} s{} {shape}{plus}", cv.k, cv.stride), pipe, bind, spec.groups())?;
                    }
                    Op::Conv(cv) if tiled && is_depthwise(cv) => {
                        let spec = DepthwiseSpec { c: cv.cout, k: cv.k, stride: cv.stride, pad: cv.pad, ih, iw, oh: h, ow: w, tx: self.tiles.depthwise, act: cv.act };
                        let pipe = gpu.pipeline("edgeplay.nn.depthwise", &spec.wgsl(), "main");
                        let wb = &self.weights[i].as_ref().expect("conv weights uploaded").w;
                        let bind = gpu.bind(&pipe, &[&src, wb, &dst]);
                        add(format!("depthwise k{} s{} {shape}", cv.k, cv.stride), pipe, bind, spec.groups())?;
                    }
                    Op::Gdn { inverse, .. } if tiled => {
                        let spec = GdnSpec { c, h: 1, w: h * w, inverse: *inverse, tx: self.tiles.gdn.0, ct4: self.tiles.gdn.1 };
                        let pipe = gpu.pipeline("edgeplay.nn.gdn.tiled", &spec.wgsl(), "main");
                        let gb = &self.weights[i].as_ref().expect("gdn weights uploaded").w;
                        let bind = gpu.bind(&pipe, &[&src, gb, &dst]);
                        add(format!("{} {shape}", if *inverse { "igdn" } else { "gdn" }), pipe, bind, spec.groups())?;
                    }
                    Op::Conv(cv) => {
                        let (pipe, z) = if cv.groups > 1 {
                            (gpu.pipeline("edgeplay.nn.group_conv", GROUP_CONV, "group_conv"), c as u32)
                        } else {
                            let entry = if cv.transpose { "conv_transpose" } else { "conv" };
                            (gpu.pipeline("edgeplay.nn.conv", CONV, entry), c.div_ceil(4) as u32)
                        };
                        let (act, lo, hi) = act_code(cv.act);
                        let params = ConvParams {
                            cin: cv.cin as u32,
                            cout: cv.cout as u32,
                            k: cv.k as u32,
                            stride: cv.stride as u32,
                            pad: cv.pad as u32,
                            act,
                            ih: ih as u32,
                            iw: iw as u32,
                            oh: h as u32,
                            ow: w as u32,
                            lo,
                            hi,
                            groups: cv.groups as u32,
                            _p: [0; 3],
                        };
                        let u = gpu.uniform("edgeplay.nn.conv.params", &params);
                        let (wb, bb) = self.weights[i].as_ref().expect("conv weights uploaded").pair();
                        let bind = gpu.bind(&pipe, &[&src, wb, bb, &dst, &u]);
                        let kind = if cv.groups > 1 { "group_conv" } else if cv.transpose { "conv_transpose (simple)" } else { "conv (simple)" };
                        add(format!("{kind} k{} s{} {shape}", cv.k, cv.stride), pipe, bind, ((w as u32).div_ceil(8), (h as u32).div_ceil(8), z))?;
                    }
                    Op::Gdn { inverse, .. } => {
                        let pipe = gpu.pipeline("edgeplay.nn.gdn", GDN, "gdn");
                        let params = EltParams { a: ic as u32, b: (ih * iw) as u32, c: u32::from(*inverse), d: 0 };
                        let u = gpu.uniform("edgeplay.nn.gdn.params", &params);
                        let (gb, bb) = self.weights[i].as_ref().expect("gdn weights uploaded").pair();
                        let bind = gpu.bind(&pipe, &[&src, gb, bb, &dst, &u]);
                        add(format!("gdn (simple) {shape}"), pipe, bind, linear_groups(ih * iw, c.div_ceil(4) as u32))?;
                    }
                    Op::Unary(un) => {
                        let pipe = gpu.pipeline("edgeplay.nn.unary", UNARY, "unary");
                        let (op, s, t) = match *un {
                            Unary::Relu => (0, 0.0, 0.0),
                            Unary::Sqrt => (1, 0.0, 0.0),
                            Unary::Softplus => (2, 0.0, 0.0),
                            Unary::AddScalar(s) => (3, s, 0.0),
                            Unary::MulScalar(s) => (4, s, 0.0),
                            Unary::Clip(lo, hi) => (5, lo, hi),
                            Unary::Sigmoid => (6, 0.0, 0.0),
                        };
                        let n = c * h * w;
                        let params = EltParams { a: n as u32, b: op, c: s.to_bits(), d: t.to_bits() };
                        let u = gpu.uniform("edgeplay.nn.unary.params", &params);
                        let bind = gpu.bind(&pipe, &[&src, &dst, &u]);
                        add(format!("{un:?} {shape}"), pipe, bind, linear_groups(n, 1))?;
                    }
                    &Op::AvgPool { k, stride, pad } => {
                        let pipe = gpu.pipeline("edgeplay.nn.pool", POOL, "avg_pool");
                        let params = ConvParams {
                            cin: ic as u32,
                            cout: c as u32,
                            k: k as u32,
                            stride: stride as u32,
                            pad: pad as u32,
                            act: 0,
                            ih: ih as u32,
                            iw: iw as u32,
                            oh: h as u32,
                            ow: w as u32,
                            lo: 0.0,
                            hi: 0.0,
                            groups: 1,
                            _p: [0; 3],
                        };
                        let u = gpu.uniform("edgeplay.nn.pool.params", &params);
                        let bind = gpu.bind(&pipe, &[&src, &dst, &u]);
                        add(format!("avg_pool k{k} {shape}"), pipe, bind, ((w as u32).div_ceil(8), (h as u32).div_ceil(8), c as u32))?;
                    }
                    Op::Binary(b) => {
                        let pipe = gpu.pipeline("edgeplay.nn.binary", BINARY, "binary");
                        let op = match b {
                            Binary::Add => 0,
                            Binary::Mul => 1,
                            Binary::Div => 2,
                        };
                        let n = c * h * w;
                        let u = gpu.uniform("edgeplay.nn.binary.params", &EltParams { a: n as u32, b: op, c: 0, d: 0 });
                        let other = bufs[l.inputs[1]].clone().expect("input recorded");
                        let bind = gpu.bind(&pipe, &[&src, &other, &dst, &u]);
                        add(format!("{b:?} {shape}"), pipe, bind, linear_groups(n, 1))?;
                    }
                    Op::Resize(r) => {
                        let entry = if residual.is_some() { "resize_add" } else { "resize" };
                        let pipe = gpu.pipeline("edgeplay.nn.resize", RESIZE, entry);
                        let mut taps: Vec<u32> = Vec::with_capacity(3 * (w + h));
                        for (n_out, n_in, axis_h) in [(w, iw, false), (h, ih, true)] {
                            for o in 0..n_out {
                                let x = r.source(o, n_in, n_out, axis_h);
                                if r.linear {
                                    let (i0, i1, f) = Resize::linear_taps(x, n_in);
                                    taps.extend([i0 as u32, i1 as u32, f.to_bits()]);
                                } else {
                                    taps.extend([r.nearest_index(x, n_in) as u32, 0, 0]);
                                }
                            }
                        }
                        let tb = gpu.storage_init("edgeplay.nn.resize.taps", &taps);
                        let params = [c as u32, ih as u32, iw as u32, h as u32, w as u32, u32::from(r.linear), 0, 0];
                        let u = gpu.uniform("edgeplay.nn.resize.params", &params);
                        let mut b: Vec<&wgpu::Buffer> = vec![&src, &tb, &dst, &u];
                        b.extend(residual.as_ref());
                        let bind = gpu.bind(&pipe, &b);
                        let kind = if r.linear { "resize linear" } else { "resize nearest" };
                        let plus = if residual.is_some() { " + add" } else { "" };
                        add(format!("{kind} {shape}{plus}"), pipe, bind, ((w as u32).div_ceil(8), (h as u32).div_ceil(8), c as u32))?;
                    }
                    Op::Concat => {
                        // One copy per input into its channel range.
                        let pipe = gpu.pipeline("edgeplay.nn.copy", COPY, "copy");
                        let mut offset = 0;
                        for &v in &l.inputs {
                            let [vc, vh, vw] = shapes[v];
                            let n = vc * vh * vw;
                            let u = gpu.uniform("edgeplay.nn.copy.params", &EltParams { a: n as u32, b: offset as u32, c: 0, d: 0 });
                            let from = bufs[v].clone().expect("input recorded");
                            let bind = gpu.bind(&pipe, &[&from, &dst, &u]);
                            add(format!("concat part {vc}x{vh}x{vw}"), pipe.clone(), bind, linear_groups(n, 1))?;
                            offset += n;
                        }
                    }
                }
                bufs[out_v] = Some(dst);
            }
            for &v in &l.inputs {
                if last[v] == i && v != 0 {
                    if let Some(b) = bufs[v].take() {
                        pool.push(b);
                    }
                }
            }
        }
        let output = bufs[g.output].take().expect("output recorded");
        Ok(Plan { h: in_h, w: in_w, input, output, out_shape: shapes[g.output], steps })
    }
}
