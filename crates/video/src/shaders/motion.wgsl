// One stage of the block-motion search (see motion.rs; phase planes or bilinear mix for
// fractional positions): one workgroup per block, its 64
// invocations share the (2r+1)^2 candidates, then a tree reduction picks the lowest
// (cost, candidate index) — the CPU's raster-order tie rule.

struct Params {
    w: u32,
    h: u32,
    cols: u32,
    rows: u32,
    block: u32,
    step: i32,
    radius: i32,
    lambda: u32,
    bilateral: u32,
    scale: i32,
    margin: i32,
    // 1: full resolution, fractional samples from the 16 phase planes (phase-major).
    phased: u32,
}

@group(0) @binding(0) var<storage, read> a: array<u32>;
@group(0) @binding(1) var<storage, read> b: array<u32>;
@group(0) @binding(2) var<storage, read_write> vecs: array<vec2<i32>>;
@group(0) @binding(3) var<uniform> p: Params;

const WG: u32 = 64u;
var<workgroup> best_cost: array<u32, 64>;
var<workgroup> best_idx: array<u32, 64>;

// at_/sample_ come in an `a` and a `b` copy: WGSL functions cannot take a pointer to a
// storage buffer without the unrestricted_pointer_parameters extension.
fn at_a(x: i32, y: i32) -> u32 {
    let cx = clamp(x, 0, i32(p.w) - 1);
    let cy = clamp(y, 0, i32(p.h) - 1);
    return a[u32(cy) * p.w + u32(cx)];
}

fn at_b(x: i32, y: i32) -> u32 {
    let cx = clamp(x, 0, i32(p.w) - 1);
    let cy = clamp(y, 0, i32(p.h) - 1);
    return b[u32(cy) * p.w + u32(cx)];
}

const OUTSIDE: u32 = 32u;

fn inside(x: i32, y: i32, vx: i32, vy: i32) -> bool {
    let px = x * 4 + vx;
    let py = y * 4 + vy;
    return px >= 0 && py >= 0 && px <= (i32(p.w) - 1) * 4 && py <= (i32(p.h) - 1) * 4;
}

fn sample_a(x: i32, y: i32, vx: i32, vy: i32) -> u32 {
    let px = x * 4 + vx;
    let py = y * 4 + vy;
    let ix = px >> 2u;
    let iy = py >> 2u;
    let fx = u32(px & 3);
    let fy = u32(py & 3);
    if (fx == 0u && fy == 0u) {
        return at_a(ix, iy);
    }
    if (p.phased == 1u) {
        let cx = u32(clamp(ix, 0, i32(p.w) - 1));
        let cy = u32(clamp(iy, 0, i32(p.h) - 1));
        return a[((fy * 4u + fx) * p.h + cy) * p.w + cx];
    }
    return ((4u - fx) * (4u - fy) * at_a(ix, iy) + fx * (4u - fy) * at_a(ix + 1, iy)
        + (4u - fx) * fy * at_a(ix, iy + 1) + fx * fy * at_a(ix + 1, iy + 1) + 8u) >> 4u;
}

fn sample_b(x: i32, y: i32, vx: i32, vy: i32) -> u32 {
    let px = x * 4 + vx;
    let py = y * 4 + vy;
    let ix = px >> 2u;
    let iy = py >> 2u;
    let fx = u32(px & 3);
    let fy = u32(py & 3);
    if (fx == 0u && fy == 0u) {
        return at_b(ix, iy);
    }
    if (p.phased == 1u) {
        let cx = u32(clamp(ix, 0, i32(p.w) - 1));
        let cy = u32(clamp(iy, 0, i32(p.h) - 1));
        return b[((fy * 4u + fx) * p.h + cy) * p.w + cx];
    }
    return ((4u - fx) * (4u - fy) * at_b(ix, iy) + fx * (4u - fy) * at_b(ix + 1, iy)
        + (4u - fx) * fy * at_b(ix, iy + 1) + fx * fy * at_b(ix + 1, iy + 1) + 8u) >> 4u;
}

@compute @workgroup_size(64)
fn search(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let bi = wg.y * p.cols + wg.x;
    let c = vecs[bi] * p.scale;
    let side = 2 * p.radius + 1;
    let n = u32(side * side);
    let bs = i32(p.block);
    let x0 = max(i32(wg.x) * bs - p.margin, 0);
    let y0 = max(i32(wg.y) * bs - p.margin, 0);
    let x1 = min(i32(wg.x) * bs + bs + p.margin, i32(p.w));
    let y1 = min(i32(wg.y) * bs + bs + p.margin, i32(p.h));
    var bc = 0xffffffffu;
    var bk = 0xffffffffu;
    for (var k = t; k < n; k += WG) {
        let dx = i32(k % u32(side)) - p.radius;
        let dy = i32(k / u32(side)) - p.radius;
        let vx = c.x + dx * p.step;
        let vy = c.y + dy * p.step;
        var sad = 0u;
        for (var y = y0; y < y1; y++) {
            for (var x = x0; x < x1; x++) {
                var va: u32;
                var ina = true;
                if (p.bilateral == 1u) {
                    va = sample_a(x, y, -vx, -vy);
                    ina = inside(x, y, -vx, -vy);
                } else {
                    va = a[u32(y) * p.w + u32(x)];
                }
                if (ina && inside(x, y, vx, vy)) {
                    let vb = sample_b(x, y, vx, vy);
                    sad += max(va, vb) - min(va, vb);
                } else {
                    sad += OUTSIDE;
                }
            }
        }
        let cost = sad + p.lambda * u32(abs(dx) + abs(dy));
        if (cost < bc) {
            bc = cost;
            bk = k;
        }
    }
    best_cost[t] = bc;
    best_idx[t] = bk;
    storageBarrier();
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s / 2u) {
        if (t < s) {
            let oc = best_cost[t + s];
            let ok = best_idx[t + s];
            if (oc < best_cost[t] || (oc == best_cost[t] && ok < best_idx[t])) {
                best_cost[t] = oc;
                best_idx[t] = ok;
            }
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        let k = best_idx[0];
        vecs[bi] = vec2<i32>(c.x + (i32(k % u32(side)) - p.radius) * p.step, c.y + (i32(k / u32(side)) - p.radius) * p.step);
    }
}
