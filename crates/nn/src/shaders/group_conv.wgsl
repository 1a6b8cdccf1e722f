// Grouped convolution (depthwise when every group has one channel), batch 1, CHW: one
// invocation per output pixel and channel, summing its group's input channels in the CPU
// interpreter's order (bias, channel, kernel row, kernel column). Weights [cout][cin/groups][k][k].

struct Params {
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
    _p0: u32,
    _p1: u32,
    _p2: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> wt: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(8, 8, 1)
fn group_conv(@builtin(global_invocation_id) g: vec3<u32>) {
    let ox = g.x;
    let oy = g.y;
    let co = g.z;
    if ox >= p.ow || oy >= p.oh || co >= p.cout {
        return;
    }
    let cpg = p.cin / p.groups;
    let first = (co / (p.cout / p.groups)) * cpg;
    let kk = p.k * p.k;
    let plane = p.ih * p.iw;
    var acc = bias[co];
    for (var j = 0u; j < cpg; j++) {
        let sbase = (first + j) * plane;
        let wbase = (co * cpg + j) * kk;
        for (var ky = 0u; ky < p.k; ky++) {
            let iy = i32(oy * p.stride + ky) - i32(p.pad);
            if iy < 0 || iy >= i32(p.ih) {
                continue;
            }
            for (var kx = 0u; kx < p.k; kx++) {
                let ix = i32(ox * p.stride + kx) - i32(p.pad);
                if ix < 0 || ix >= i32(p.iw) {
                    continue;
                }
                acc += src[sbase + u32(iy) * p.iw + u32(ix)] * wt[wbase + ky * p.k + kx];
            }
        }
    }
    if p.act == 1u {
        acc = max(acc, 0.0);
    } else if p.act == 2u {
        acc = min(max(acc, p.lo), p.hi);
    }
    dst[(co * p.oh + oy) * p.ow + ox] = acc;
}
