//! Block motion: search, compensation and the bidirectional interpolation of B-frames.
//!
//! Vectors are in quarter pixels. A sample at a fractional position is the bilinear mix of
//! its four neighbours in integers, `((4-fx)(4-fy)a + fx(4-fy)b + (4-fx)fy c + fx fy d + 8) >> 4`,
//! with coordinates clamped to the frame — the same arithmetic in `shaders/motion.wgsl`, so
//! the CPU and GPU searches return the same vectors, bit for bit.
//!
//! Search (one block = `block x block` luma pixels, the last row/column of blocks cut by the
//! frame edge): four stages, each a full search of `(2r+1)^2` candidates around a centre,
//! the winner the lowest `SAD + lambda * (|dx| + |dy|)` (offsets in steps from the centre;
//! ties to the first candidate in raster order; a pixel displaced out of the frame adds
//! [`OUTSIDE`] instead of its difference):
//! 1. quarter-resolution planes (4x4 means), blocks `block/4` grown by 2 samples on each
//!    side, half-sample steps, r = 16 around 0 (±32 pixels at full resolution, on a 2-pixel
//!    grid);
//! 2. full resolution, integer steps, r = 2 around 4 x the coarse vector;
//! 3. half-pixel steps, r = 1; 4. quarter-pixel steps, r = 1.
//!
//! [`Mode::Forward`] matches the current frame `a` against the reference `b` displaced by
//! `+v` (prediction `b(x + v)`). [`Mode::Bilateral`] matches two decoded references against
//! each other symmetrically, `a(x - v)` against `b(x + v)`: the motion of the frame half way
//! between them, which the decoder computes by itself (no bits) to interpolate B-frames.

use crate::frame::Frame;

/// Quarter-pixel units per pixel.
pub const QPEL: i32 = 4;

/// An 8-bit plane.
#[derive(Clone, Copy)]
pub struct Plane8<'a> {
    pub w: usize,
    pub h: usize,
    pub data: &'a [u8],
}

impl<'a> Plane8<'a> {
    pub fn new(w: usize, h: usize, data: &'a [u8]) -> Self {
        assert_eq!(data.len(), w * h);
        Plane8 { w, h, data }
    }
    #[inline]
    fn at(&self, x: i32, y: i32) -> u32 {
        let x = x.clamp(0, self.w as i32 - 1) as usize;
        let y = y.clamp(0, self.h as i32 - 1) as usize;
        self.data[y * self.w + x] as u32
    }
    /// The sample at pixel (x, y) displaced by (vx, vy) quarter pixels.
    #[inline]
    pub fn sample(&self, x: i32, y: i32, vx: i32, vy: i32) -> u32 {
        let (px, py) = (x * QPEL + vx, y * QPEL + vy);
        let (ix, iy) = (px >> 2, py >> 2);
        let (fx, fy) = ((px & 3) as u32, (py & 3) as u32);
        if fx == 0 && fy == 0 {
            return self.at(ix, iy);
        }
        ((4 - fx) * (4 - fy) * self.at(ix, iy) + fx * (4 - fy) * self.at(ix + 1, iy) + (4 - fx) * fy * self.at(ix, iy + 1) + fx * fy * self.at(ix + 1, iy + 1) + 8) >> 4
    }
    /// Whether the displaced position lies inside the frame (no clamping needed).
    #[inline]
    fn inside(&self, x: i32, y: i32, vx: i32, vy: i32) -> bool {
        let (px, py) = (x * QPEL + vx, y * QPEL + vy);
        px >= 0 && py >= 0 && px <= (self.w as i32 - 1) * QPEL && py <= (self.h as i32 - 1) * QPEL
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `a(x)` against `b(x + v)`.
    Forward,
    /// `a(x - v)` against `b(x + v)`.
    Bilateral,
}

/// One vector per block, raster order, quarter pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MotionField {
    pub cols: usize,
    pub rows: usize,
    pub block: usize,
    pub vectors: Vec<[i32; 2]>,
}

impl MotionField {
    pub fn zero(w: usize, h: usize, block: usize) -> Self {
        let (cols, rows) = (w.div_ceil(block), h.div_ceil(block));
        MotionField { cols, rows, block, vectors: vec![[0, 0]; cols * rows] }
    }
    #[inline]
    pub fn at_pixel(&self, x: usize, y: usize) -> [i32; 2] {
        self.vectors[(y / self.block) * self.cols + x / self.block]
    }
}

/// One stage of the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// Block side at this stage's resolution.
    pub block: u32,
    /// Candidate spacing in quarter pixels (4 = integer, 2 = half, 1 = quarter).
    pub step: i32,
    pub radius: i32,
    pub lambda: u32,
    /// The centre is the previous stage's vector times `scale` (0: the zero vector).
    pub scale: i32,
    /// The SAD window is the block grown by this many samples on each side (clipped to the
    /// frame): the coarse stage looks at more than its few samples.
    pub margin: u32,
}

/// What a pixel whose displaced position leaves the frame adds to the SAD (instead of a
/// difference against clamped edge samples, which would make far-out vectors look good).
pub const OUTSIDE: u32 = 32;

/// Largest vector component the search can return, in quarter pixels (coarse ±8 px at 1/4
/// resolution, then ±2, ±1/2, ±1/4): the stream rejects anything larger.
pub const MAX_VECTOR: i32 = (8 * 4 + 2) * QPEL + 2 + 1;

/// The four stages for a block size (8 or 16).
pub fn stages(block: usize) -> [Stage; 4] {
    let b = block as u32;
    let coarse = (b / 4).max(1);
    [
        Stage { block: coarse, step: 2, radius: 16, lambda: (coarse + 4) * (coarse + 4) / 8, scale: 0, margin: 2 },
        Stage { block: b, step: 4, radius: 2, lambda: b * b / 16, scale: 4, margin: 0 },
        Stage { block: b, step: 2, radius: 1, lambda: b * b / 16, scale: 1, margin: 0 },
        Stage { block: b, step: 1, radius: 1, lambda: b * b / 16, scale: 1, margin: 0 },
    ]
}

/// Quarter-resolution plane: rounded means of 4x4 cells (cells cut by the edge average what
/// they hold).
pub fn coarse(p: Plane8) -> (usize, usize, Vec<u8>) {
    let (cw, ch) = (p.w.div_ceil(4), p.h.div_ceil(4));
    let mut out = vec![0u8; cw * ch];
    for cy in 0..ch {
        for cx in 0..cw {
            let (mut s, mut n) = (0u32, 0u32);
            for y in cy * 4..(cy * 4 + 4).min(p.h) {
                for x in cx * 4..(cx * 4 + 4).min(p.w) {
                    s += p.data[y * p.w + x] as u32;
                    n += 1;
                }
            }
            out[cy * cw + cx] = ((s + n / 2) / n) as u8;
        }
    }
    (cw, ch, out)
}

/// One search stage on the CPU: updates `vectors` (one per block, `cols x rows`).
pub fn stage_cpu(a: Plane8, b: Plane8, mode: Mode, cols: usize, rows: usize, st: Stage, vectors: &mut [[i32; 2]]) {
    let side = 2 * st.radius + 1;
    let bs = st.block as i32;
    for by in 0..rows {
        for bx in 0..cols {
            let bi = by * cols + bx;
            let c = [vectors[bi][0] * st.scale, vectors[bi][1] * st.scale];
            let m = st.margin as i32;
            let (x0, y0) = ((bx as i32 * bs - m).max(0), (by as i32 * bs - m).max(0));
            let (x1, y1) = ((bx as i32 * bs + bs + m).min(a.w as i32), (by as i32 * bs + bs + m).min(a.h as i32));
            let mut best = (u32::MAX, 0i32);
            for k in 0..side * side {
                let (dx, dy) = (k % side - st.radius, k / side - st.radius);
                let (vx, vy) = (c[0] + dx * st.step, c[1] + dy * st.step);
                let mut sad = 0u32;
                for y in y0..y1 {
                    for x in x0..x1 {
                        let (va, ina) = match mode {
                            Mode::Forward => (a.data[y as usize * a.w + x as usize] as u32, true),
                            Mode::Bilateral => (a.sample(x, y, -vx, -vy), a.inside(x, y, -vx, -vy)),
                        };
                        sad += if ina && b.inside(x, y, vx, vy) { va.abs_diff(b.sample(x, y, vx, vy)) } else { OUTSIDE };
                    }
                }
                let cost = sad + st.lambda * (dx.unsigned_abs() + dy.unsigned_abs());
                if cost < best.0 {
                    best = (cost, k);
                }
            }
            let k = best.1;
            vectors[bi] = [c[0] + (k % side - st.radius) * st.step, c[1] + (k / side - st.radius) * st.step];
        }
    }
}

/// The whole four-stage search on the CPU.
pub fn search_cpu(a: Plane8, b: Plane8, mode: Mode, block: usize) -> MotionField {
    let mut f = MotionField::zero(a.w, a.h, block);
    let (aw, ah, ac) = coarse(a);
    let (_, _, bc) = coarse(b);
    let st = stages(block);
    stage_cpu(Plane8::new(aw, ah, &ac), Plane8::new(aw, ah, &bc), mode, f.cols, f.rows, st[0], &mut f.vectors);
    for s in &st[1..] {
        stage_cpu(a, b, mode, f.cols, f.rows, *s, &mut f.vectors);
    }
    f
}

/// Motion-compensated prediction `reference(x + v)` of all three components.
pub fn predict(reference: &Frame, field: &MotionField) -> Frame {
    let (w, h) = (reference.width, reference.height);
    let planes = std::array::from_fn(|c| {
        let p = Plane8::new(w, h, &reference.planes[c]);
        let mut out = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let v = field.at_pixel(x, y);
                out.push(p.sample(x as i32, y as i32, v[0], v[1]) as u8);
            }
        }
        out
    });
    Frame { width: w, height: h, planes }
}

/// The frame half way between `r0` and `r1` along a bilateral field: the average of
/// `r0(x - v)` and `r1(x + v)`; where one of the two positions falls outside its frame
/// (content entering or leaving across the border, the commonest occlusion under camera
/// motion) the other one alone.
pub fn interpolate(r0: &Frame, r1: &Frame, field: &MotionField) -> Frame {
    let (w, h) = (r0.width, r0.height);
    let y0 = Plane8::new(w, h, &r0.planes[0]);
    let planes = std::array::from_fn(|c| {
        let (p0, p1) = (Plane8::new(w, h, &r0.planes[c]), Plane8::new(w, h, &r1.planes[c]));
        let mut out = Vec::with_capacity(w * h);
        for y in 0..h as i32 {
            for x in 0..w as i32 {
                let v = field.at_pixel(x as usize, y as usize);
                let (in0, in1) = (y0.inside(x, y, -v[0], -v[1]), y0.inside(x, y, v[0], v[1]));
                let a = p0.sample(x, y, -v[0], -v[1]);
                let b = p1.sample(x, y, v[0], v[1]);
                out.push(match (in0, in1) {
                    (false, true) => b,
                    (true, false) => a,
                    _ => (a + b + 1) >> 1,
                } as u8);
            }
        }
        out
    });
    Frame { width: w, height: h, planes }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth, textured test picture (no periodicity within the search range).
    pub(crate) fn texture(w: usize, h: usize, ox: i32, oy: i32) -> Vec<u8> {
        let mut v = Vec::with_capacity(w * h);
        for y in 0..h as i32 {
            for x in 0..w as i32 {
                let (fx, fy) = ((x + ox) as f32, (y + oy) as f32);
                let s = 128.0 + 50.0 * (fx * 0.21).sin() * (fy * 0.17).cos() + 40.0 * ((fx * 0.05 + fy * 0.083).sin() * 3.1).sin() + 20.0 * ((fx * fx * 0.002 + fy * 0.3).cos());
                v.push(s.round().clamp(0.0, 255.0) as u8);
            }
        }
        v
    }

    #[test]
    fn sampling_is_exact_at_integers_and_bilinear_between() {
        let d = [0u8, 100, 200, 40];
        let p = Plane8::new(2, 2, &d);
        assert_eq!(p.sample(0, 0, 0, 0), 0);
        assert_eq!(p.sample(0, 0, 4, 0), 100);
        assert_eq!(p.sample(0, 0, 2, 0), 50);
        assert_eq!(p.sample(0, 0, 2, 2), (4 * 0 + 4 * 100 + 4 * 200 + 4 * 40 + 8) / 16);
        // Clamped outside.
        assert_eq!(p.sample(0, 0, -8, -8), 0);
        assert_eq!(p.sample(1, 1, 9, 9), 40);
    }

    #[test]
    fn forward_search_finds_a_known_pan() {
        let (w, h) = (96, 80);
        // The current frame sees the scene moved by (+5, -3) pixels: cur(x) = ref(x - 5, y + 3).
        let reference = texture(w, h, 0, 0);
        let cur = texture(w, h, -5, 3);
        let f = search_cpu(Plane8::new(w, h, &cur), Plane8::new(w, h, &reference), Mode::Forward, 16);
        let interior: Vec<[i32; 2]> = (1..f.rows - 1).flat_map(|r| (1..f.cols - 1).map(move |c| (r, c))).map(|(r, c)| f.vectors[r * f.cols + c]).collect();
        assert!(interior.iter().all(|v| *v == [-20, 12]), "{interior:?}");
    }

    #[test]
    fn bilateral_search_finds_half_the_motion() {
        let (w, h) = (96, 80);
        let r0 = texture(w, h, 0, 0);
        let r1 = texture(w, h, 8, -4); // the scene moved by (-8, +4) between the references
        let f = search_cpu(Plane8::new(w, h, &r0), Plane8::new(w, h, &r1), Mode::Bilateral, 16);
        let v = f.vectors[f.cols + 2];
        // r0(x - v) = r1(x + v) = mid(x) for v = (-4, 2) pixels: half the motion.
        assert_eq!(v, [-16, 8]);
        // The interpolation equals the true middle frame inside.
        let mid = texture(w, h, 4, -2);
        let fr = |d: &Vec<u8>| Frame { width: w, height: h, planes: [d.clone(), d.clone(), d.clone()] };
        let it = interpolate(&fr(&r0), &fr(&r1), &f);
        let (x, y) = (40, 40);
        assert!((it.planes[0][y * w + x] as i32 - mid[y * w + x] as i32).abs() <= 1);
    }
}
