// Average pooling, k x k window, zero padding not counted (count_include_pad = false):
// one invocation per output pixel, summed row by row in the CPU interpreter's order.

struct Params {
    c: u32,
    c_out: u32,
    k: u32,
    stride: u32,
    pad: u32,
    _relu: u32,
    ih: u32,
    iw: u32,
    oh: u32,
    ow: u32,
    _p0: u32,
    _p1: u32,
    _p2: u32,
    _p3: u32,
    _p4: u32,
    _p5: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(8, 8, 1)
fn avg_pool(@builtin(global_invocation_id) id: vec3<u32>) {
    let ox = id.x;
    let oy = id.y;
    let c = id.z;
    if ox >= p.ow || oy >= p.oh || c >= p.c {
        return;
    }
    let y0 = max(i32(oy * p.stride) - i32(p.pad), 0);
    let y1 = min(i32(oy * p.stride + p.k) - i32(p.pad), i32(p.ih));
    let x0 = max(i32(ox * p.stride) - i32(p.pad), 0);
    let x1 = min(i32(ox * p.stride + p.k) - i32(p.pad), i32(p.iw));
    let base = c * p.ih * p.iw;
    var acc = 0.0;
    for (var y = y0; y < y1; y++) {
        for (var x = x0; x < x1; x++) {
            acc += src[base + u32(y) * p.iw + u32(x)];
        }
    }
    let n = max((y1 - y0) * (x1 - x0), 1);
    dst[(c * p.oh + oy) * p.ow + ox] = acc / f32(n);
}
