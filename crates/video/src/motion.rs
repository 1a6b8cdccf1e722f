//! Block motion: search, compensation and the bidirectional interpolation of B-frames.
//!
//! Vectors are in quarter pixels. At full resolution a sample at a fractional position comes
//! from the plane's 16 quarter-pixel phases ([`phases`]: HEVC's 8-tap luma filters, separable,
//! in integers) at the clamped integer position — in the search, the prediction and the
//! interpolation alike. On the quarter-resolution planes of the coarse stages it is the
//! bilinear mix `((4-fx)(4-fy)a + fx(4-fy)b + (4-fx)fy c + fx fy d + 8) >> 4`. The same
//! arithmetic runs in `shaders/motion.wgsl`, so the CPU and GPU searches return the same
//! vectors, bit for bit.
//!
//! Search (one block = `block x block` luma pixels, the last row/column of blocks cut by the
//! frame edge): five stages, each a full search of `(2r+1)^2` candidates around a centre,
//! the winner the lowest `SAD + lambda * (|dx| + |dy|)` (offsets in steps from the centre;
//! ties to the first candidate in raster order; a pixel displaced out of the frame adds
//! [`OUTSIDE`] instead of its difference):
//! 1. quarter-resolution planes (4x4 means), blocks `block/4` grown by 2 samples on each
//!    side, integer steps, r = 8 around 0 (±32 pixels at full resolution; bilateral: half
//!    steps, r = 12, ±24 pixels per side), then half-sample steps, r = 1;
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
    /// The 16 quarter-pixel phases of the plane ([`phases`]): fractional positions are read
    /// from them; without them they are the bilinear mix (the coarse stages).
    pub phases: Option<&'a [u8]>,
}

impl<'a> Plane8<'a> {
    pub fn new(w: usize, h: usize, data: &'a [u8]) -> Self {
        assert_eq!(data.len(), w * h);
        Plane8 { w, h, data, phases: None }
    }
    pub fn with_phases(self, phases: &'a [u8]) -> Self {
        assert_eq!(phases.len(), 16 * self.w * self.h);
        Plane8 { phases: Some(phases), ..self }
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
        if let Some(ph) = self.phases {
            let x = ix.clamp(0, self.w as i32 - 1) as usize;
            let y = iy.clamp(0, self.h as i32 - 1) as usize;
            return ph[((fy * 4 + fx) as usize * self.h + y) * self.w + x] as u32;
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
    /// Whether the stage runs on the quarter-resolution planes.
    pub coarse: bool,
    /// The SAD window is the block grown by this many samples on each side (clipped to the
    /// frame): the coarse stage looks at more than its few samples.
    pub margin: u32,
}

/// What a pixel whose displaced position leaves the frame adds to the SAD (instead of a
/// difference against clamped edge samples, which would make far-out vectors look good).
pub const OUTSIDE: u32 = 32;

/// Largest vector component the search can return, in quarter pixels (coarse ±8 ± 1/2 px at
/// 1/4 resolution, then ±2, ±1/2, ±1/4): the stream rejects anything larger.
pub const MAX_VECTOR: i32 = ((8 * 4 + 2) * 4 + 2 * 4) + 2 + 1;

/// The five stages for a block size (8 or 16). A bilateral search moves both sides, so its
/// coarse stage steps by half samples per side (whole samples between the two references).
pub fn stages(block: usize, mode: Mode) -> [Stage; 5] {
    let b = block as u32;
    let c = (b / 4).max(1);
    let lc = (c + 4) * (c + 4) / 8;
    let first = match mode {
        Mode::Forward => Stage { block: c, step: 4, radius: 8, lambda: lc, scale: 0, coarse: true, margin: 2 },
        Mode::Bilateral => Stage { block: c, step: 2, radius: 12, lambda: lc, scale: 0, coarse: true, margin: 2 },
    };
    [
        first,
        Stage { block: c, step: 2, radius: 1, lambda: lc, scale: 1, coarse: true, margin: 2 },
        Stage { block: b, step: 4, radius: 2, lambda: b * b / 16, scale: 4, coarse: false, margin: 0 },
        Stage { block: b, step: 2, radius: 1, lambda: b * b / 16, scale: 1, coarse: false, margin: 0 },
        Stage { block: b, step: 1, radius: 1, lambda: b * b / 16, scale: 1, coarse: false, margin: 0 },
    ]
}

/// HEVC's luma interpolation filters for the four quarter-pixel phases (sum 64), applied to
/// samples `i - 3 ..= i + 4`.
pub const TAPS: [[i32; 8]; 4] = [[0, 0, 0, 64, 0, 0, 0, 0], [-1, 4, -10, 58, 17, -5, 1, 0], [-1, 4, -11, 40, 40, -11, 4, -1], [0, 1, -5, 17, 58, -10, 4, -1]];

/// The 16 quarter-pixel phases of a plane, phase `fy * 4 + fx` at `[(phase * h + y) * w + x]`:
/// horizontal then vertical 8-tap filtering with edge samples repeated, `(v + 2048) >> 12`
/// clamped to 0..255 (phase 0 is the plane itself).
pub fn phases(p: Plane8) -> Vec<u8> {
    let (w, h) = (p.w, p.h);
    // Rows padded by 3 samples left and 4 right (edge repeated): no clamping in the loops.
    let pw = w + 7;
    let mut hor = vec![vec![0i32; w * h]; 4];
    let mut row = vec![0i32; pw];
    for y in 0..h {
        let src = &p.data[y * w..][..w];
        for (i, r) in row.iter_mut().enumerate() {
            *r = src[(i as i32 - 3).clamp(0, w as i32 - 1) as usize] as i32;
        }
        for (fx, hp) in hor.iter_mut().enumerate() {
            let t = TAPS[fx];
            let out = &mut hp[y * w..][..w];
            for (x, o) in out.iter_mut().enumerate() {
                let r = &row[x..x + 8];
                *o = t[0] * r[0] + t[1] * r[1] + t[2] * r[2] + t[3] * r[3] + t[4] * r[4] + t[5] * r[5] + t[6] * r[6] + t[7] * r[7];
            }
        }
    }
    let mut out = vec![0u8; 16 * w * h];
    for fy in 0..4 {
        let t = TAPS[fy];
        for (fx, hp) in hor.iter().enumerate() {
            let dst = &mut out[(fy * 4 + fx) * w * h..][..w * h];
            for y in 0..h {
                let rows: [&[i32]; 8] = std::array::from_fn(|k| &hp[(y as i32 - 3 + k as i32).clamp(0, h as i32 - 1) as usize * w..][..w]);
                let d = &mut dst[y * w..][..w];
                for x in 0..w {
                    let v = t[0] * rows[0][x] + t[1] * rows[1][x] + t[2] * rows[2][x] + t[3] * rows[3][x] + t[4] * rows[4][x] + t[5] * rows[5][x] + t[6] * rows[6][x] + t[7] * rows[7][x];
                    d[x] = ((v + 2048) >> 12).clamp(0, 255) as u8;
                }
            }
        }
    }
    out
}

/// A decoded frame ready to predict from: the frame and the quarter-pixel phases of its
/// three components (computed once, used by every search and prediction that reads it).
#[derive(Clone)]
pub struct Reference {
    pub frame: Frame,
    pub phases: [Vec<u8>; 3],
}

impl Reference {
    pub fn new(frame: Frame) -> Reference {
        let phases = std::array::from_fn(|c| phases(Plane8::new(frame.width, frame.height, &frame.planes[c])));
        Reference { frame, phases }
    }
    /// A component with its phases.
    pub fn plane(&self, c: usize) -> Plane8<'_> {
        Plane8::new(self.frame.width, self.frame.height, &self.frame.planes[c]).with_phases(&self.phases[c])
    }
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
                let sad = window_sad(a, b, mode, [x0, y0, x1, y1], vx, vy);
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

/// The pixels `t` in `[lo, hi)` whose displaced position `4t + v` lies in `[0, 4(n - 1)]`.
#[inline]
fn inside_range(n: usize, v: i32, lo: i32, hi: i32) -> (i32, i32) {
    // ceil(-v / 4) = -floor(v / 4), and floor((4(n - 1) - v) / 4).
    let min = -(v.div_euclid(4));
    let max = (4 * (n as i32 - 1) - v).div_euclid(4);
    (lo.max(min), hi.min(max + 1))
}

/// SAD of one candidate over a window `[x0, y0, x1, y1)` by the per-sample rule (a pixel
/// whose displaced position leaves the frame adds [`OUTSIDE`]): the positions inside form a
/// rectangle, summed row by row without clamping; the rest is counted.
fn window_sad(a: Plane8, b: Plane8, mode: Mode, win: [i32; 4], vx: i32, vy: i32) -> u32 {
    let [x0, y0, x1, y1] = win;
    let (mut cx0, mut cx1) = inside_range(b.w, vx, x0, x1);
    let (mut cy0, mut cy1) = inside_range(b.h, vy, y0, y1);
    if mode == Mode::Bilateral {
        let (ax0, ax1) = inside_range(a.w, -vx, x0, x1);
        let (ay0, ay1) = inside_range(a.h, -vy, y0, y1);
        (cx0, cx1, cy0, cy1) = (cx0.max(ax0), cx1.min(ax1), cy0.max(ay0), cy1.min(ay1));
    }
    let area = ((x1 - x0) * (y1 - y0)) as u32;
    if cx1 <= cx0 || cy1 <= cy0 {
        return area * OUTSIDE;
    }
    let inner = ((cx1 - cx0) * (cy1 - cy0)) as u32;
    let mut sad = (area - inner) * OUTSIDE;
    let mut ra = [0u32; 64];
    let mut rb = [0u32; 64];
    for y in cy0..cy1 {
        let mut x = cx0;
        while x < cx1 {
            let m = ((cx1 - x) as usize).min(64);
            fill(&mut rb[..m], b, x, y, vx, vy);
            match mode {
                Mode::Forward => {
                    for (d, s) in ra[..m].iter_mut().zip(&a.data[y as usize * a.w + x as usize..][..m]) {
                        *d = *s as u32;
                    }
                }
                Mode::Bilateral => fill(&mut ra[..m], a, x, y, -vx, -vy),
            }
            sad += ra[..m].iter().zip(&rb[..m]).map(|(p, q)| p.abs_diff(*q)).sum::<u32>();
            x += m as i32;
        }
    }
    sad
}

/// `out[i] = p.sample(x + i, y, vx, vy)` for positions known to be inside.
#[inline]
fn fill(out: &mut [u32], p: Plane8, x: i32, y: i32, vx: i32, vy: i32) {
    let (ix, iy) = ((x + (vx >> 2)) as usize, (y + (vy >> 2)) as usize);
    let (fx, fy) = ((vx & 3) as u32, (vy & 3) as u32);
    let n = out.len();
    let r0 = &p.data[iy * p.w + ix..][..n];
    if fx == 0 && fy == 0 {
        for (o, v) in out.iter_mut().zip(r0) {
            *o = *v as u32;
        }
        return;
    }
    if let Some(ph) = p.phases {
        let s = ((fy * 4 + fx) as usize * p.h + iy) * p.w + ix;
        for (o, v) in out.iter_mut().zip(&ph[s..s + n]) {
            *o = *v as u32;
        }
        return;
    }
    // Inside with a fraction: the neighbour to the right (fx > 0) and below (fy > 0) exist.
    let k = (fx > 0) as usize;
    let r0 = &p.data[iy * p.w + ix..][..n + k];
    let r1 = if fy > 0 { &p.data[(iy + 1) * p.w + ix..][..n + k] } else { r0 };
    let (w00, w01, w10, w11) = ((4 - fx) * (4 - fy), fx * (4 - fy), (4 - fx) * fy, fx * fy);
    for i in 0..n {
        out[i] = (w00 * r0[i] as u32 + w01 * r0[i + k] as u32 + w10 * r1[i] as u32 + w11 * r1[i + k] as u32 + 8) >> 4;
    }
}

#[cfg(test)]
pub(crate) fn window_sad_reference(a: Plane8, b: Plane8, mode: Mode, win: [i32; 4], vx: i32, vy: i32) -> u32 {
    let mut sad = 0u32;
    for y in win[1]..win[3] {
        for x in win[0]..win[2] {
            let (va, ina) = match mode {
                Mode::Forward => (a.data[y as usize * a.w + x as usize] as u32, true),
                Mode::Bilateral => (a.sample(x, y, -vx, -vy), a.inside(x, y, -vx, -vy)),
            };
            sad += if ina && b.inside(x, y, vx, vy) { va.abs_diff(b.sample(x, y, vx, vy)) } else { OUTSIDE };
        }
    }
    sad
}

/// The whole search on the CPU.
pub fn search_cpu(a: Plane8, b: Plane8, mode: Mode, block: usize) -> MotionField {
    let mut f = MotionField::zero(a.w, a.h, block);
    let (aw, ah, ac) = coarse(a);
    let (_, _, bc) = coarse(b);
    let st = stages(block, mode);
    // Phases as given (a Reference's), or computed here.
    let pb = if b.phases.is_none() { phases(b) } else { Vec::new() };
    let b = if b.phases.is_none() { b.with_phases(&pb) } else { b };
    let pa = if mode == Mode::Bilateral && a.phases.is_none() { phases(a) } else { Vec::new() };
    let a = if mode == Mode::Bilateral && a.phases.is_none() { a.with_phases(&pa) } else { a };
    for s in &st {
        if s.coarse {
            stage_cpu(Plane8::new(aw, ah, &ac), Plane8::new(aw, ah, &bc), mode, f.cols, f.rows, *s, &mut f.vectors);
        } else {
            stage_cpu(a, b, mode, f.cols, f.rows, *s, &mut f.vectors);
        }
    }
    f
}

/// Motion-compensated prediction `reference(x + v)` of all three components (8-tap phases).
pub fn predict(reference: &Reference, field: &MotionField) -> Frame {
    let (w, h) = (reference.frame.width, reference.frame.height);
    let planes = std::array::from_fn(|c| {
        let p = reference.plane(c);
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
pub fn interpolate(r0: &Reference, r1: &Reference, field: &MotionField) -> Frame {
    let (w, h) = (r0.frame.width, r0.frame.height);
    let y0 = r0.plane(0);
    let planes = std::array::from_fn(|c| {
        let (p0, p1) = (r0.plane(c), r1.plane(c));
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

    /// Luma of a window of kodim23 (a natural picture) displaced by (ox, oy).
    pub(crate) fn texture(w: usize, h: usize, ox: i32, oy: i32) -> Vec<u8> {
        let img = image::open(concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/samples/kodim23.png")).unwrap().to_luma8();
        let mut v = Vec::with_capacity(w * h);
        for y in 0..h as i32 {
            for x in 0..w as i32 {
                v.push(img.get_pixel((300 + x + ox) as u32, (200 + y + oy) as u32)[0]);
            }
        }
        v
    }

    #[test]
    fn fast_sad_equals_the_per_sample_rule() {
        let (w, h) = (37, 29);
        let a = texture(w, h, 0, 0);
        let b = texture(w, h, 3, -2);
        let (pa, pb) = (Plane8::new(w, h, &a), Plane8::new(w, h, &b));
        let (fa, fb) = (phases(pa), phases(pb));
        for (pa, pb) in [(pa, pb), (pa.with_phases(&fa), pb.with_phases(&fb))] {
            for mode in [Mode::Forward, Mode::Bilateral] {
                for win in [[0, 0, 16, 16], [20, 13, 37, 29], [8, 8, 12, 12], [0, 20, 37, 29]] {
                    for vy in -50..50 {
                        for vx in (-60..60).step_by(3) {
                            assert_eq!(window_sad(pa, pb, mode, win, vx, vy), window_sad_reference(pa, pb, mode, win, vx, vy), "{mode:?} {win:?} {vx} {vy}");
                        }
                    }
                }
            }
        }
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
        let it = interpolate(&Reference::new(fr(&r0)), &Reference::new(fr(&r1)), &f);
        let (x, y) = (40, 40);
        assert!((it.planes[0][y * w + x] as i32 - mid[y * w + x] as i32).abs() <= 1);
    }
}
