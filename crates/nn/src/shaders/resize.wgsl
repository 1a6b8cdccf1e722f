// ONNX Resize, batch 1, CHW: nearest or bilinear. Source coordinates come precomputed per
// output column and row (xs, then ys; computed in Rust exactly as the CPU interpreter does),
// so both executors pick the same pixels and weights.

struct Params {
    c: u32,
    ih: u32,
    iw: u32,
    oh: u32,
    ow: u32,
    linear: u32,
    _p0: u32,
    _p1: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
// Per output column then row: nearest → (index, 0, 0); linear → (i0, i1, bitcast weight).
@group(0) @binding(1) var<storage, read> taps: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
// resize_add only: a tensor of the output's shape added to the result (a fused residual Add).
@group(0) @binding(4) var<storage, read> res: array<f32>;

@compute @workgroup_size(8, 8, 1)
fn resize(@builtin(global_invocation_id) g: vec3<u32>) {
    if g.x >= p.ow || g.y >= p.oh || g.z >= p.c {
        return;
    }
    dst[(g.z * p.oh + g.y) * p.ow + g.x] = sample(g.x, g.y, g.z);
}

@compute @workgroup_size(8, 8, 1)
fn resize_add(@builtin(global_invocation_id) g: vec3<u32>) {
    if g.x >= p.ow || g.y >= p.oh || g.z >= p.c {
        return;
    }
    let i = (g.z * p.oh + g.y) * p.ow + g.x;
    dst[i] = sample(g.x, g.y, g.z) + res[i];
}

fn sample(ox: u32, oy: u32, c: u32) -> f32 {
    let tx = ox * 3u;
    let ty = (p.ow + oy) * 3u;
    let base = c * p.ih * p.iw;
    var v: f32;
    if p.linear == 0u {
        v = src[base + taps[ty] * p.iw + taps[tx]];
    } else {
        let x0 = taps[tx];
        let x1 = taps[tx + 1u];
        let fx = bitcast<f32>(taps[tx + 2u]);
        let r0 = base + taps[ty] * p.iw;
        let r1 = base + taps[ty + 1u] * p.iw;
        let fy = bitcast<f32>(taps[ty + 2u]);
        let top = src[r0 + x0] + (src[r0 + x1] - src[r0 + x0]) * fx;
        let bot = src[r1 + x0] + (src[r1 + x1] - src[r1 + x0]) * fx;
        v = top + (bot - top) * fy;
    }
    return v;
}
