//! CPU reference: in-place lifting on one line at a time with whole-sample symmetric
//! extension, then (de)interleaving into low and high halves.

use crate::{low_len, region, Plane, ALPHA, BETA, DELTA, GAMMA, ZETA};

/// Whole-sample symmetric extension index for a line of length `n >= 2`.
#[inline]
fn m(j: isize, n: usize) -> usize {
    let n = n as isize;
    let p = 2 * (n - 1);
    let mut r = j.rem_euclid(p);
    if r >= n {
        r = p - r;
    }
    r as usize
}

/// One lifting step: x[i] += c * (x[i-1] + x[i+1]) for i = start, start+2, …, with mirrored
/// neighbours at the ends (n >= 2). The interior loop needs no index arithmetic.
#[inline]
fn lift(x: &mut [f32], start: usize, c: f32) {
    let n = x.len();
    let mut i = start;
    if i == 0 {
        x[0] += c * (x[m(-1, n)] + x[m(1, n)]);
        i = 2;
    }
    while i + 1 < n {
        x[i] += c * (x[i - 1] + x[i + 1]);
        i += 2;
    }
    if i < n {
        x[i] += c * (x[i - 1] + x[m(i as isize + 1, n)]);
    }
}

/// Forward 1-D transform of `line` into `out`: lows in `out[..ceil(n/2)]`, highs after.
pub fn forward_1d(line: &mut [f32], out: &mut [f32]) {
    let n = line.len();
    if n < 2 {
        out[..n].copy_from_slice(line);
        return;
    }
    lift(line, 1, ALPHA);
    lift(line, 0, BETA);
    lift(line, 1, GAMMA);
    lift(line, 0, DELTA);
    let half = low_len(n);
    for k in 0..half {
        out[k] = line[2 * k] * ZETA;
    }
    for k in 0..n / 2 {
        out[half + k] = line[2 * k + 1] / ZETA;
    }
}

/// Inverse of [`forward_1d`]: `coeffs` holds lows then highs; the signal goes to `out`.
pub fn inverse_1d(coeffs: &[f32], out: &mut [f32]) {
    let n = coeffs.len();
    if n < 2 {
        out[..n].copy_from_slice(coeffs);
        return;
    }
    let half = low_len(n);
    for k in 0..half {
        out[2 * k] = coeffs[k] / ZETA;
    }
    for k in 0..n / 2 {
        out[2 * k + 1] = coeffs[half + k] * ZETA;
    }
    lift(out, 0, -DELTA);
    lift(out, 1, -GAMMA);
    lift(out, 0, -BETA);
    lift(out, 1, -ALPHA);
}

/// Rows are transformed eight at a time: the block is transposed into `[f32; 8]` lanes so
/// every lifting step is a vector operation along the row (the same arithmetic as
/// `forward_1d`/`inverse_1d`, applied to eight rows at once).
const LANES: usize = 8;
type Lanes = [f32; LANES];

#[inline]
fn lift_lanes(t: &mut [Lanes], start: usize, c: f32) {
    let n = t.len();
    let step = |t: &mut [Lanes], i: usize, l: usize, r: usize| {
        let (a, b) = (t[l], t[r]);
        for k in 0..LANES {
            t[i][k] += c * (a[k] + b[k]);
        }
    };
    let mut i = start;
    if i == 0 {
        step(t, 0, m(-1, n), m(1, n));
        i = 2;
    }
    while i + 1 < n {
        step(t, i, i - 1, i + 1);
        i += 2;
    }
    if i < n {
        step(t, i, i - 1, m(i as isize + 1, n));
    }
}

/// Calls `f(lanes, rows)` for each block of up to eight rows of the top-left `w x h` region,
/// with a scratch buffer of `w` lanes.
fn for_row_blocks(p: &mut Plane, w: usize, h: usize, mut f: impl FnMut(&mut [Lanes], &mut [&mut [f32]])) {
    if w < 2 {
        return;
    }
    let stride = p.width;
    let mut t = vec![[0.0f32; LANES]; w];
    let mut rows: Vec<&mut [f32]> = p.data.chunks_mut(stride).take(h).map(|r| &mut r[..w]).collect();
    for block in rows.chunks_mut(LANES) {
        f(&mut t, block);
    }
}

fn rows_forward(p: &mut Plane, w: usize, h: usize) {
    let half = low_len(w);
    for_row_blocks(p, w, h, |t, rows| {
        for (r, row) in rows.iter().enumerate() {
            for (x, v) in row.iter().enumerate() {
                t[x][r] = *v;
            }
        }
        lift_lanes(t, 1, ALPHA);
        lift_lanes(t, 0, BETA);
        lift_lanes(t, 1, GAMMA);
        lift_lanes(t, 0, DELTA);
        for (r, row) in rows.iter_mut().enumerate() {
            for k in 0..half {
                row[k] = t[2 * k][r] * ZETA;
            }
            for k in 0..w / 2 {
                row[half + k] = t[2 * k + 1][r] / ZETA;
            }
        }
    });
}

fn rows_inverse(p: &mut Plane, w: usize, h: usize) {
    let half = low_len(w);
    for_row_blocks(p, w, h, |t, rows| {
        for (r, row) in rows.iter().enumerate() {
            for k in 0..half {
                t[2 * k][r] = row[k] / ZETA;
            }
            for k in 0..w / 2 {
                t[2 * k + 1][r] = row[half + k] * ZETA;
            }
        }
        lift_lanes(t, 0, -DELTA);
        lift_lanes(t, 1, -GAMMA);
        lift_lanes(t, 0, -BETA);
        lift_lanes(t, 1, -ALPHA);
        for (r, row) in rows.iter_mut().enumerate() {
            for (x, v) in row.iter_mut().enumerate() {
                *v = t[x][r];
            }
        }
    });
}

/// Vertical lifting step on whole rows of `t` (`h` rows of `w`): row i += c * (row i-1 + row i+1)
/// for i = start, start+2, …; row-at-a-time so it vectorises and stays in cache.
fn lift_rows(t: &mut [f32], w: usize, h: usize, start: usize, c: f32, sum: &mut [f32]) {
    let mut i = start;
    while i < h {
        let a = m(i as isize - 1, h) * w;
        let b = m(i as isize + 1, h) * w;
        for x in 0..w {
            sum[x] = t[a + x] + t[b + x];
        }
        for (v, s) in t[i * w..i * w + w].iter_mut().zip(&sum[..w]) {
            *v += c * s;
        }
        i += 2;
    }
}

fn cols_forward(p: &mut Plane, w: usize, h: usize) {
    if h < 2 {
        return;
    }
    let stride = p.width;
    let mut t = vec![0.0f32; w * h];
    for y in 0..h {
        t[y * w..y * w + w].copy_from_slice(&p.data[y * stride..y * stride + w]);
    }
    let mut sum = vec![0.0f32; w];
    lift_rows(&mut t, w, h, 1, ALPHA, &mut sum);
    lift_rows(&mut t, w, h, 0, BETA, &mut sum);
    lift_rows(&mut t, w, h, 1, GAMMA, &mut sum);
    lift_rows(&mut t, w, h, 0, DELTA, &mut sum);
    let half = low_len(h);
    for y in 0..h {
        let (dst, scale) = if y % 2 == 0 { (y / 2, ZETA) } else { (half + y / 2, 1.0 / ZETA) };
        for (o, v) in p.data[dst * stride..dst * stride + w].iter_mut().zip(&t[y * w..y * w + w]) {
            *o = v * scale;
        }
    }
}

fn cols_inverse(p: &mut Plane, w: usize, h: usize) {
    if h < 2 {
        return;
    }
    let stride = p.width;
    let half = low_len(h);
    let mut t = vec![0.0f32; w * h];
    for y in 0..h {
        let (src, scale) = if y % 2 == 0 { (y / 2, 1.0 / ZETA) } else { (half + y / 2, ZETA) };
        for (o, v) in t[y * w..y * w + w].iter_mut().zip(&p.data[src * stride..src * stride + w]) {
            *o = v * scale;
        }
    }
    let mut sum = vec![0.0f32; w];
    lift_rows(&mut t, w, h, 0, -DELTA, &mut sum);
    lift_rows(&mut t, w, h, 1, -GAMMA, &mut sum);
    lift_rows(&mut t, w, h, 0, -BETA, &mut sum);
    lift_rows(&mut t, w, h, 1, -ALPHA, &mut sum);
    for y in 0..h {
        p.data[y * stride..y * stride + w].copy_from_slice(&t[y * w..y * w + w]);
    }
}

/// Multi-level forward transform in place (rows, then columns, per level).
pub fn forward(p: &mut Plane, levels: u32) {
    let levels = levels.min(crate::max_levels(p.width, p.height));
    for l in 0..levels {
        let (w, h) = region(p.width, p.height, l);
        rows_forward(p, w, h);
        cols_forward(p, w, h);
    }
}

/// Multi-level inverse transform in place (columns, then rows, deepest level first).
pub fn inverse(p: &mut Plane, levels: u32) {
    let levels = levels.min(crate::max_levels(p.width, p.height));
    for l in (0..levels).rev() {
        let (w, h) = region(p.width, p.height, l);
        cols_inverse(p, w, h);
        rows_inverse(p, w, h);
    }
}
