// Conv2d and ConvTranspose2d (gather form), batch 1, CHW. One invocation computes one output
// pixel for four consecutive output channels (weights packed as vec4 over output channels:
// [cout/4][cin][k][k]); bias and the activation (none, ReLU, clip) are fused. Grouped and
// depthwise convolutions are in group_conv.wgsl.

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
@group(0) @binding(1) var<storage, read> wt: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

fn store(co4: u32, oy: u32, ox: u32, acc: vec4<f32>) {
    var v = acc;
    if p.act == 1u {
        v = max(v, vec4<f32>(0.0));
    } else if p.act == 2u {
        v = min(max(v, vec4<f32>(p.lo)), vec4<f32>(p.hi));
    }
    let plane = p.oh * p.ow;
    let base = co4 * 4u * plane + oy * p.ow + ox;
    for (var i = 0u; i < 4u; i++) {
        if co4 * 4u + i < p.cout {
            dst[base + i * plane] = v[i];
        }
    }
}

// Sum over input channels of one kernel tap.
fn tap(iy: u32, ix: u32, co4: u32, ky: u32, kx: u32, acc: vec4<f32>) -> vec4<f32> {
    let kk = p.k * p.k;
    let plane = p.ih * p.iw;
    var si = iy * p.iw + ix;
    var wi = co4 * p.cin * kk + ky * p.k + kx;
    var a = acc;
    for (var ci = 0u; ci < p.cin; ci++) {
        a += src[si] * wt[wi];
        si += plane;
        wi += kk;
    }
    return a;
}

@compute @workgroup_size(8, 8, 1)
fn conv(@builtin(global_invocation_id) g: vec3<u32>) {
    let ox = g.x;
    let oy = g.y;
    let co4 = g.z;
    if ox >= p.ow || oy >= p.oh {
        return;
    }
    var acc = bias[co4];
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
            acc = tap(u32(iy), u32(ix), co4, ky, kx, acc);
        }
    }
    store(co4, oy, ox, acc);
}

@compute @workgroup_size(8, 8, 1)
fn conv_transpose(@builtin(global_invocation_id) g: vec3<u32>) {
    let ox = g.x;
    let oy = g.y;
    let co4 = g.z;
    if ox >= p.ow || oy >= p.oh {
        return;
    }
    var acc = bias[co4];
    for (var ky = 0u; ky < p.k; ky++) {
        let ty = i32(oy + p.pad) - i32(ky);
        if ty < 0 || ty % i32(p.stride) != 0 || ty / i32(p.stride) >= i32(p.ih) {
            continue;
        }
        for (var kx = 0u; kx < p.k; kx++) {
            let tx = i32(ox + p.pad) - i32(kx);
            if tx < 0 || tx % i32(p.stride) != 0 || tx / i32(p.stride) >= i32(p.iw) {
                continue;
            }
            acc = tap(u32(ty) / p.stride, u32(tx) / p.stride, co4, ky, kx, acc);
        }
    }
    store(co4, oy, ox, acc);
}
