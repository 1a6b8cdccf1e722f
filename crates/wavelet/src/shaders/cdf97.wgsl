// CDF 9/7 lifting wavelet, one 1-D pass along rows (axis 0) or columns (axis 1) of the
// top-left region `n` x `lines` of an image with row stride `stride`.
// Each invocation computes one output pair (low k, high k) from a 9-sample window
// (forward) or rebuilds samples 2k and 2k+1 from a 9-coefficient window (inverse),
// with whole-sample symmetric extension; so a pass is a single dispatch with no barriers.

const ALPHA: f32 = -1.586134342059924;
const BETA: f32 = -0.052980118572961;
const GAMMA: f32 = 0.882911075530934;
const DELTA: f32 = 0.443506852043971;
const ZETA: f32 = 1.149604398860241;

struct Params {
    n: u32,       // length along the transformed axis
    lines: u32,   // number of lines (rows for axis 0, columns for axis 1)
    stride: u32,  // image row stride in samples
    axis: u32,    // 0: along rows, 1: along columns
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

fn mirror(j: i32, n: i32) -> i32 {
    let period = 2 * (n - 1);
    var r = j % period;
    if (r < 0) { r += period; }
    if (r >= n) { r = period - r; }
    return r;
}

// The output pair an invocation owns: line, pair index k, first sample of the line, step
// between samples. Columns put adjacent lines on adjacent invocations. `live` is false for
// invocations outside the region.
struct Job {
    live: bool,
    k: u32,
    half: u32,
    base: u32,
    st: u32,
}

fn job(id: vec3<u32>) -> Job {
    var line = id.x;
    var k = id.y;
    var base = line;
    var st = p.stride;
    if (p.axis == 0u) {
        line = id.y;
        k = id.x;
        base = line * p.stride;
        st = 1u;
    }
    let half = (p.n + 1u) / 2u;
    return Job(line < p.lines && k < half, k, half, base, st);
}

@compute @workgroup_size(64, 1, 1)
fn forward(@builtin(global_invocation_id) id: vec3<u32>) {
    let jb = job(id);
    if (!jb.live) { return; }
    let n = p.n;
    let k = jb.k;
    let half = jb.half;
    let base = jb.base;
    let st = jb.st;
    if (n == 1u) {
        dst[base] = src[base];
        return;
    }
    let c = i32(2u * k);
    let ni = i32(n);
    var x: array<f32, 9>;
    for (var j = 0; j < 9; j++) {
        x[j] = src[base + u32(mirror(c + j - 4, ni)) * st];
    }
    // x[4] is sample 2k; odd offsets are x[1], x[3], x[5], x[7].
    let d1m3 = x[1] + ALPHA * (x[0] + x[2]);
    let d1m1 = x[3] + ALPHA * (x[2] + x[4]);
    let d1p1 = x[5] + ALPHA * (x[4] + x[6]);
    let d1p3 = x[7] + ALPHA * (x[6] + x[8]);
    let s1m2 = x[2] + BETA * (d1m3 + d1m1);
    let s10 = x[4] + BETA * (d1m1 + d1p1);
    let s1p2 = x[6] + BETA * (d1p1 + d1p3);
    let d2m1 = d1m1 + GAMMA * (s1m2 + s10);
    let d2p1 = d1p1 + GAMMA * (s10 + s1p2);
    let s20 = s10 + DELTA * (d2m1 + d2p1);
    dst[base + k * st] = s20 * ZETA;
    if (2u * k + 1u < n) {
        dst[base + (half + k) * st] = d2p1 / ZETA;
    }
}

// Interleaved, de-scaled coefficient at signal position j (mirrored).
fn y_at(base: u32, st: u32, j: i32, n: i32, half: u32) -> f32 {
    let m = u32(mirror(j, n));
    if ((m & 1u) == 0u) {
        return src[base + (m / 2u) * st] / ZETA;
    }
    return src[base + (half + m / 2u) * st] * ZETA;
}

@compute @workgroup_size(64, 1, 1)
fn inverse(@builtin(global_invocation_id) id: vec3<u32>) {
    let jb = job(id);
    if (!jb.live) { return; }
    let n = p.n;
    let k = jb.k;
    let half = jb.half;
    let base = jb.base;
    let st = jb.st;
    if (n == 1u) {
        dst[base] = src[base];
        return;
    }
    let c = i32(2u * k);
    let ni = i32(n);
    var y: array<f32, 9>; // y[i] is position c + i - 3
    for (var j = 0; j < 9; j++) {
        y[j] = y_at(base, st, c + j - 3, ni, half);
    }
    let s1m2 = y[1] - DELTA * (y[0] + y[2]);
    let s10 = y[3] - DELTA * (y[2] + y[4]);
    let s1p2 = y[5] - DELTA * (y[4] + y[6]);
    let s1p4 = y[7] - DELTA * (y[6] + y[8]);
    let d1m1 = y[2] - GAMMA * (s1m2 + s10);
    let d1p1 = y[4] - GAMMA * (s10 + s1p2);
    let d1p3 = y[6] - GAMMA * (s1p2 + s1p4);
    let x0 = s10 - BETA * (d1m1 + d1p1);
    let x2 = s1p2 - BETA * (d1p1 + d1p3);
    let x1 = d1p1 - ALPHA * (x0 + x2);
    dst[base + u32(c) * st] = x0;
    if (u32(c) + 1u < n) {
        dst[base + (u32(c) + 1u) * st] = x1;
    }
}
