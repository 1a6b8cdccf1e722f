// Element-wise unary ops: 0 relu, 1 sqrt, 2 softplus, 3 add scalar, 4 multiply by scalar,
// 5 clip to [s, t], 6 sigmoid.

struct Params {
    n: u32,
    op: u32,
    s: f32,
    t: f32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn unary(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let i = (wg.y * nwg.x + wg.x) * 64u + li;
    if i >= p.n {
        return;
    }
    let v = src[i];
    var r: f32;
    switch p.op {
        case 0u: { r = max(v, 0.0); }
        case 1u: { r = sqrt(v); }
        case 2u: { r = select(log(1.0 + exp(v)), v, v > 20.0); }
        case 3u: { r = v + p.s; }
        case 5u: { r = min(max(v, p.s), p.t); }
        case 6u: { r = 1.0 / (1.0 + exp(-v)); }
        default: { r = v * p.s; }
    }
    dst[i] = r;
}
