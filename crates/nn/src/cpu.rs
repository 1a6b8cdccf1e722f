//! The plain-Rust interpreter. Every output element is accumulated in one fixed order
//! (bias, then input channel, kernel row, kernel column) with separate multiply and add —
//! Rust never contracts them into FMAs — and transcendental functions come from `libm`, so
//! results are bit-identical natively and in wasm. Loops run along rows so the compiler can
//! vectorise across output pixels without changing any element's summation order.

use crate::graph::{Binary, Conv, Graph, Op, Resize, Unary};
use crate::{Error, Tensor};

/// Runs `graph` on `input`.
pub fn run(graph: &Graph, input: &Tensor) -> Result<Tensor, Error> {
    run_probed(graph, input, &mut |_, _| {})
}

/// Runs `graph` on `input` and shows every layer's output to `probe` (layer index, value)
/// as soon as it is computed — for measurements of intermediate activations.
pub fn run_probed(graph: &Graph, input: &Tensor, probe: &mut dyn FnMut(usize, &Tensor)) -> Result<Tensor, Error> {
    if input.c != graph.in_channels {
        return Err(Error::Shape(format!("input has {} channels, graph expects {}", input.c, graph.in_channels)));
    }
    let shapes = graph.shapes(input.h, input.w)?;
    let last = graph.last_use();
    let mut vals: Vec<Option<Tensor>> = vec![None; graph.layers.len() + 1];
    vals[0] = Some(input.clone());
    for (i, l) in graph.layers.iter().enumerate() {
        let x = vals[l.inputs[0]].as_ref().expect("inputs computed before use");
        let [c, h, w] = shapes[i + 1];
        let out = match &l.op {
            Op::Conv(cv) => {
                let mut o = Tensor::zeros(c, h, w);
                if cv.transpose {
                    conv_transpose(cv, x, &mut o)
                } else {
                    conv(cv, x, &mut o)
                }
                let act = cv.act;
                o.data.iter_mut().for_each(|v| *v = act.apply(*v));
                o
            }
            Op::Gdn { inverse, beta, gamma } => gdn(*inverse, beta, gamma, x),
            Op::Unary(u) => Tensor { c: x.c, h: x.h, w: x.w, data: x.data.iter().map(|&v| unary(*u, v)).collect() },
            &Op::AvgPool { k, stride, pad } => avg_pool(k, stride, pad, x, h, w),
            Op::Binary(b) => {
                let y = vals[l.inputs[1]].as_ref().expect("inputs computed before use");
                let data = x.data.iter().zip(&y.data).map(|(&a, &b2)| binary(*b, a, b2)).collect();
                Tensor { c: x.c, h: x.h, w: x.w, data }
            }
            Op::Resize(r) => resize(r, x, h, w),
            Op::Concat => {
                let mut data = Vec::with_capacity(c * h * w);
                for &v in &l.inputs {
                    data.extend_from_slice(&vals[v].as_ref().expect("inputs computed before use").data);
                }
                Tensor { c, h, w, data }
            }
        };
        probe(i, &out);
        vals[i + 1] = Some(out);
        for &v in &l.inputs {
            if last[v] == i && v != 0 {
                vals[v] = None;
            }
        }
    }
    Ok(vals[graph.output].take().expect("output computed"))
}

pub(crate) fn unary(u: Unary, v: f32) -> f32 {
    match u {
        Unary::Relu => v.max(0.0),
        Unary::Clip(lo, hi) => v.max(lo).min(hi),
        Unary::Sigmoid => 1.0 / (1.0 + libm::expf(-v)),
        Unary::Sqrt => v.sqrt(),
        // log(1 + e^v), stable for large v (PyTorch switches to the identity above 20).
        Unary::Softplus => {
            if v > 20.0 {
                v
            } else {
                libm::log1pf(libm::expf(v))
            }
        }
        Unary::AddScalar(s) => v + s,
        Unary::MulScalar(s) => v * s,
    }
}

pub(crate) fn binary(b: Binary, x: f32, y: f32) -> f32 {
    match b {
        Binary::Add => x + y,
        Binary::Mul => x * y,
        Binary::Div => x / y,
    }
}

fn conv(cv: &Conv, x: &Tensor, o: &mut Tensor) {
    let (k, s, p) = (cv.k, cv.stride, cv.pad);
    let (ih, iw, oh, ow) = (x.h as isize, x.w as isize, o.h, o.w);
    let (cpg, opg) = (cv.cin_per_group(), cv.cout / cv.groups);
    for co in 0..cv.cout {
        let plane = &mut o.data[co * oh * ow..(co + 1) * oh * ow];
        plane.fill(cv.bias[co]);
        let first = (co / opg) * cpg;
        for j in 0..cpg {
            let ci = first + j;
            let src = &x.data[ci * x.h * x.w..(ci + 1) * x.h * x.w];
            for ky in 0..k {
                for kx in 0..k {
                    let wv = cv.weight[((co * cpg + j) * k + ky) * k + kx];
                    for oy in 0..oh {
                        let iy = (oy * s + ky) as isize - p as isize;
                        if iy < 0 || iy >= ih {
                            continue;
                        }
                        let row = &src[iy as usize * x.w..(iy as usize + 1) * x.w];
                        let orow = &mut plane[oy * ow..(oy + 1) * ow];
                        // Output columns whose input column lies inside the image.
                        let lo = p.saturating_sub(kx).div_ceil(s);
                        let num = iw - 1 + p as isize - kx as isize;
                        let hi = if num < 0 { 0 } else { (num as usize / s + 1).min(ow) };
                        if s == 1 {
                            let off = kx as isize - p as isize;
                            for ox in lo..hi {
                                orow[ox] += wv * row[(ox as isize + off) as usize];
                            }
                        } else {
                            for ox in lo..hi {
                                orow[ox] += wv * row[ox * s + kx - p];
                            }
                        }
                    }
                }
            }
        }
    }
}

fn conv_transpose(cv: &Conv, x: &Tensor, o: &mut Tensor) {
    // Gather form: out[oy][ox] = bias + Σ_ci Σ_ky Σ_kx in[(oy+p-ky)/s][(ox+p-kx)/s] · w
    // over the taps where the division is exact and in range — one fixed order per element.
    let (k, s, p) = (cv.k, cv.stride, cv.pad);
    let (ih, iw, oh, ow) = (x.h, x.w, o.h, o.w);
    for co in 0..cv.cout {
        let plane = &mut o.data[co * oh * ow..(co + 1) * oh * ow];
        plane.fill(cv.bias[co]);
        for ci in 0..cv.cin {
            let src = &x.data[ci * ih * iw..(ci + 1) * ih * iw];
            for ky in 0..k {
                for kx in 0..k {
                    let wv = cv.weight[((co * cv.cin + ci) * k + ky) * k + kx];
                    for oy in 0..oh {
                        let ty = oy + p;
                        if ty < ky || (ty - ky) % s != 0 || (ty - ky) / s >= ih {
                            continue;
                        }
                        let row = &src[(ty - ky) / s * iw..((ty - ky) / s + 1) * iw];
                        let orow = &mut plane[oy * ow..(oy + 1) * ow];
                        // The first ox ≥ 0 with ox + p ≥ kx and (ox + p − kx) divisible by s.
                        let mut ox = if kx >= p { kx - p } else { (s - (p - kx) % s) % s };
                        while ox < ow {
                            let ix = (ox + p - kx) / s;
                            if ix >= iw {
                                break;
                            }
                            orow[ox] += wv * row[ix];
                            ox += s;
                        }
                    }
                }
            }
        }
    }
}

/// ONNX Resize: nearest or bilinear with the graph's coordinate mode. Source coordinates are
/// computed per output row and column exactly as the WGSL kernel does.
fn resize(r: &Resize, x: &Tensor, oh: usize, ow: usize) -> Tensor {
    let mut o = Tensor::zeros(x.c, oh, ow);
    let ys: Vec<f32> = (0..oh).map(|oy| r.source(oy, x.h, oh, true)).collect();
    let xs: Vec<f32> = (0..ow).map(|ox| r.source(ox, x.w, ow, false)).collect();
    for c in 0..x.c {
        let src = &x.data[c * x.h * x.w..(c + 1) * x.h * x.w];
        let dst = &mut o.data[c * oh * ow..(c + 1) * oh * ow];
        for (oy, &sy) in ys.iter().enumerate() {
            let row = &mut dst[oy * ow..(oy + 1) * ow];
            if r.linear {
                let (y0, y1, fy) = Resize::linear_taps(sy, x.h);
                for (d, &sx) in row.iter_mut().zip(&xs) {
                    let (x0, x1, fx) = Resize::linear_taps(sx, x.w);
                    let top = src[y0 * x.w + x0] + (src[y0 * x.w + x1] - src[y0 * x.w + x0]) * fx;
                    let bot = src[y1 * x.w + x0] + (src[y1 * x.w + x1] - src[y1 * x.w + x0]) * fx;
                    *d = top + (bot - top) * fy;
                }
            } else {
                let iy = r.nearest_index(sy, x.h);
                for (d, &sx) in row.iter_mut().zip(&xs) {
                    *d = src[iy * x.w + r.nearest_index(sx, x.w)];
                }
            }
        }
    }
    o
}

/// Mean over the window's in-image pixels, summed row by row in a fixed order.
fn avg_pool(k: usize, s: usize, p: usize, x: &Tensor, oh: usize, ow: usize) -> Tensor {
    let mut o = Tensor::zeros(x.c, oh, ow);
    for c in 0..x.c {
        let src = &x.data[c * x.h * x.w..(c + 1) * x.h * x.w];
        for oy in 0..oh {
            let y0 = (oy * s).saturating_sub(p);
            let y1 = (oy * s + k - p).min(x.h);
            for ox in 0..ow {
                let x0 = (ox * s).saturating_sub(p);
                let x1 = (ox * s + k - p).min(x.w);
                let mut acc = 0f32;
                for iy in y0..y1 {
                    for ix in x0..x1 {
                        acc += src[iy * x.w + ix];
                    }
                }
                let n = ((y1 - y0) * (x1 - x0)).max(1);
                o.data[(c * oh + oy) * ow + ox] = acc / n as f32;
            }
        }
    }
    o
}

fn gdn(inverse: bool, beta: &[f32], gamma: &[f32], x: &Tensor) -> Tensor {
    let (c, n) = (x.c, x.h * x.w);
    let sq: Vec<f32> = x.data.iter().map(|v| v * v).collect();
    let mut out = Tensor::zeros(x.c, x.h, x.w);
    let mut norm = vec![0f32; n];
    for co in 0..c {
        norm.fill(beta[co]);
        for j in 0..c {
            let g = gamma[co * c + j];
            for (a, &v) in norm.iter_mut().zip(&sq[j * n..(j + 1) * n]) {
                *a += g * v;
            }
        }
        let (src, dst) = (&x.data[co * n..(co + 1) * n], &mut out.data[co * n..(co + 1) * n]);
        for ((d, &v), &a) in dst.iter_mut().zip(src).zip(&norm) {
            *d = if inverse { v * a.sqrt() } else { v / a.sqrt() };
        }
    }
    out
}
