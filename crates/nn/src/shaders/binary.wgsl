// Element-wise binary ops on equal shapes: 0 add, 1 multiply, 2 divide.

struct Params {
    n: u32,
    op: u32,
    _p0: u32,
    _p1: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn binary(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let i = (wg.y * nwg.x + wg.x) * 64u + li;
    if i >= p.n {
        return;
    }
    let x = a[i];
    let y = b[i];
    var r: f32;
    switch p.op {
        case 0u: { r = x + y; }
        case 1u: { r = x * y; }
        default: { r = x / y; }
    }
    dst[i] = r;
}
