//! The WGSL executor: weights uploaded once per graph ([`GpuGraph::new`]), then every run
//! records all layers into one compute pass and one submission. Intermediate buffers come
//! from a pool and are reused once their last reader has been recorded (dispatches in a pass
//! are ordered, so reuse is safe).

use edgeplay_gpu::{wgpu, Gpu, Timing};

use crate::graph::{Act, Binary, Graph, Op, Resize, Unary};
use crate::{Error, Tensor};

pub const CONV: &str = include_str!("shaders/conv.wgsl");
pub const GDN: &str = include_str!("shaders/gdn.wgsl");
pub const UNARY: &str = include_str!("shaders/unary.wgsl");
pub const BINARY: &str = include_str!("shaders/binary.wgsl");
pub const POOL: &str = include_str!("shaders/pool.wgsl");
pub const GROUP_CONV: &str = include_str!("shaders/group_conv.wgsl");
pub const RESIZE: &str = include_str!("shaders/resize.wgsl");
pub const COPY: &str = include_str!("shaders/copy.wgsl");

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

/// Weights packed as vec4 over output channels: `[cout/4][cin][k][k][4]`.
fn pack_weights(w: &[f32], cout: usize, per: usize) -> Vec<f32> {
    let c4 = cout.div_ceil(4);
    let mut out = vec![0.0; c4 * per * 4];
    for co in 0..cout {
        for j in 0..per {
            out[((co / 4) * per + j) * 4 + co % 4] = w[co * per + j];
        }
    }
    out
}

fn pad4(v: &[f32]) -> Vec<f32> {
    let mut out = v.to_vec();
    out.resize(v.len().div_ceil(4) * 4, 0.0);
    out
}

/// A graph with its weights resident on one device.
pub struct GpuGraph {
    gpu: Gpu,
    graph: Graph,
    weights: Vec<Option<(wgpu::Buffer, wgpu::Buffer)>>,
}

/// Linear element-wise dispatch over `n` elements in groups of 64 (2-D when large).
fn linear_groups(n: usize, z: u32) -> (u32, u32, u32) {
    let groups = n.div_ceil(64) as u32;
    let x = groups.min(32768);
    (x, groups.div_ceil(x.max(1)).max(1), z)
}

impl GpuGraph {
    pub fn new(gpu: &Gpu, graph: &Graph) -> GpuGraph {
        let weights = graph
            .layers
            .iter()
            .map(|l| match &l.op {
                Op::Conv(c) if c.groups > 1 => {
                    Some((gpu.storage_init("edgeplay.nn.weight", &c.weight), gpu.storage_init("edgeplay.nn.bias", &c.bias)))
                }
                Op::Conv(c) => Some((
                    gpu.storage_init("edgeplay.nn.weight", &pack_weights(&c.weight, c.cout, c.cin * c.k * c.k)),
                    gpu.storage_init("edgeplay.nn.bias", &pad4(&c.bias)),
                )),
                Op::Gdn { beta, gamma, .. } => Some((
                    gpu.storage_init("edgeplay.nn.gamma", &pack_weights(gamma, beta.len(), beta.len())),
                    gpu.storage_init("edgeplay.nn.beta", &pad4(beta)),
                )),
                _ => None,
            })
            .collect();
        GpuGraph { gpu: gpu.clone(), graph: graph.clone(), weights }
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Runs the graph; returns the output and the GPU time of the pass.
    pub async fn run(&self, input: &Tensor) -> Result<(Tensor, Timing), Error> {
        let g = &self.graph;
        let gpu = &self.gpu;
        if input.c != g.in_channels {
            return Err(Error::Shape(format!("input has {} channels, graph expects {}", input.c, g.in_channels)));
        }
        let shapes = g.shapes(input.h, input.w)?;
        let limit = gpu.device().limits().max_compute_workgroups_per_dimension as usize;
        for s in &shapes {
            gpu.check_storage_size("nn activation", (s[0] * s[1] * s[2] * 4) as u64)?;
            if s[2].div_ceil(8) > limit || s[1].div_ceil(8) > limit || s[0] > limit {
                return Err(edgeplay_gpu::GpuError::TooLarge { what: "nn dispatch", needed: s[1].max(s[2]) as u64, limit: limit as u64 }.into());
            }
        }
        let last = g.last_use();
        let [oc, oh, ow] = shapes[g.output];
        let (out_buf, timer) = gpu
            .scoped(|| {
                let mut pool: Vec<wgpu::Buffer> = Vec::new();
                let mut bufs: Vec<Option<wgpu::Buffer>> = vec![None; g.layers.len() + 1];
                bufs[0] = Some(gpu.storage_init("edgeplay.nn.input", &input.data));
                // (pipeline, bind group, workgroups) per layer.
                let mut steps = Vec::with_capacity(g.layers.len());
                for (i, l) in g.layers.iter().enumerate() {
                    let [c, h, w] = shapes[i + 1];
                    let bytes = (c * h * w * 4).max(4) as u64;
                    let dst = match pool.iter().position(|b| b.size() >= bytes) {
                        Some(j) => pool.swap_remove(j),
                        None => gpu.storage("edgeplay.nn.act", bytes),
                    };
                    let src = bufs[l.inputs[0]].as_ref().expect("input recorded");
                    let [ic, ih, iw] = shapes[l.inputs[0]];
                    let step = match &l.op {
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
                            let (wb, bb) = self.weights[i].as_ref().expect("conv weights uploaded");
                            let bind = gpu.bind(&pipe, &[src, wb, bb, &dst, &u]);
                            (pipe, bind, ((w as u32).div_ceil(8), (h as u32).div_ceil(8), z))
                        }
                        Op::Gdn { inverse, .. } => {
                            let pipe = gpu.pipeline("edgeplay.nn.gdn", GDN, "gdn");
                            let params = EltParams { a: ic as u32, b: (ih * iw) as u32, c: u32::from(*inverse), d: 0 };
                            let u = gpu.uniform("edgeplay.nn.gdn.params", &params);
                            let (gb, bb) = self.weights[i].as_ref().expect("gdn weights uploaded");
                            let bind = gpu.bind(&pipe, &[src, gb, bb, &dst, &u]);
                            (pipe, bind, linear_groups(ih * iw, c.div_ceil(4) as u32))
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
                            let bind = gpu.bind(&pipe, &[src, &dst, &u]);
                            (pipe, bind, linear_groups(n, 1))
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
                            let bind = gpu.bind(&pipe, &[src, &dst, &u]);
                            (pipe, bind, ((w as u32).div_ceil(8), (h as u32).div_ceil(8), c as u32))
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
                            let other = bufs[l.inputs[1]].as_ref().expect("input recorded");
                            let bind = gpu.bind(&pipe, &[src, other, &dst, &u]);
                            (pipe, bind, linear_groups(n, 1))
                        }
                        Op::Resize(r) => {
                            let pipe = gpu.pipeline("edgeplay.nn.resize", RESIZE, "resize");
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
                            let bind = gpu.bind(&pipe, &[src, &tb, &dst, &u]);
                            (pipe, bind, ((w as u32).div_ceil(8), (h as u32).div_ceil(8), c as u32))
                        }
                        Op::Concat => {
                            // One copy per input into its channel range; the last is the step.
                            let pipe = gpu.pipeline("edgeplay.nn.copy", COPY, "copy");
                            let mut offset = 0;
                            let mut last_step = None;
                            for &v in &l.inputs {
                                let [vc, vh, vw] = shapes[v];
                                let n = vc * vh * vw;
                                let u = gpu.uniform("edgeplay.nn.copy.params", &EltParams { a: n as u32, b: offset as u32, c: 0, d: 0 });
                                let from = bufs[v].as_ref().expect("input recorded");
                                let bind = gpu.bind(&pipe, &[from, &dst, &u]);
                                if let Some(s) = last_step.replace((pipe.clone(), bind, linear_groups(n, 1))) {
                                    steps.push(s);
                                }
                                offset += n;
                            }
                            last_step.expect("concat has inputs")
                        }
                    };
                    steps.push(step);
                    bufs[i + 1] = Some(dst);
                    for &v in &l.inputs {
                        if last[v] == i && v != 0 {
                            if let Some(b) = bufs[v].take() {
                                pool.push(b);
                            }
                        }
                    }
                }
                let timer = gpu.pass_timer();
                let mut enc = gpu.encoder("edgeplay.nn");
                {
                    let mut cp = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                        label: Some("edgeplay.nn"),
                        timestamp_writes: timer.timestamp_writes(),
                    });
                    for (pipe, bind, (x, y, z)) in &steps {
                        cp.set_pipeline(pipe);
                        cp.set_bind_group(0, bind, &[]);
                        cp.dispatch_workgroups(*x, *y, *z);
                    }
                }
                timer.resolve(&mut enc);
                gpu.queue().submit(Some(enc.finish()));
                (bufs[g.output].take().expect("output recorded"), timer)
            })
            .await?;
        let timing = timer.finish(gpu).await?;
        let data: Vec<f32> = gpu.read_buffer(&out_buf).await?;
        Ok((Tensor::new(oc, oh, ow, data[..oc * oh * ow].to_vec())?, timing))
    }
}
