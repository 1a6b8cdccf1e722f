// GDN / IGDN fused: y_c = x_c / sqrt(beta_c + sum_j gamma[c][j] x_j^2) (IGDN multiplies).
// One invocation: one pixel, four output channels (gamma packed [c/4][c] as vec4).

struct Params {
    c: u32,
    n: u32,
    inverse: u32,
    _p: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> beta: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn gdn(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let i = (wg.y * nwg.x + wg.x) * 64u + li;
    let co4 = wg.z;
    if i >= p.n {
        return;
    }
    var acc = beta[co4];
    for (var j = 0u; j < p.c; j++) {
        let v = src[j * p.n + i];
        acc += (v * v) * gamma[co4 * p.c + j];
    }
    let s = sqrt(acc);
    for (var l = 0u; l < 4u; l++) {
        let c = co4 * 4u + l;
        if c < p.c {
            let x = src[c * p.n + i];
            dst[c * p.n + i] = select(x / s[l], x * s[l], p.inverse != 0u);
        }
    }
}
