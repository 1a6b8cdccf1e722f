//! The entropy model: nested quantizers, Gaussian cell masses, the scale table, the
//! hyper-latent prior, and a range decoder that knows which symbols a byte prefix determines.
//!
//! Everything here is computed in `f64` with `libm`, from inputs that are bit-identical in
//! encoder and decoder (σ comes from the deterministic CPU interpreter), so both sides build
//! exactly the same fixed-point models on every platform.

use std::cell::Cell;
use std::collections::HashMap;
use std::convert::Infallible;
use std::rc::Rc;

use constriction::backends::ReadWords;
use constriction::stream::model::DefaultContiguousCategoricalEntropyModel;
use constriction::Queue;

pub type Model = DefaultContiguousCategoricalEntropyModel;

/// Steps of the nested quantizers, coarse to fine (each cell splits into 3).
pub const STEPS: [i32; 3] = [9, 3, 1];
/// Level-0 indices lie in `-A_MAX..=A_MAX`; fine indices in `-F_MAX..=F_MAX` (the extreme
/// cells absorb the Gaussian's tails).
pub const A_MAX: i32 = 28;
pub const F_MAX: i32 = 9 * A_MAX + 4;
/// Hyper-latent indices lie in `-Z_MAX..=Z_MAX`.
pub const Z_MAX: i32 = 40;

pub const SIGMA_MIN: f64 = 0.11;
const SIGMA_MAX: f64 = 256.0;
pub const SCALES: usize = 64;

fn phi(t: f64) -> f64 {
    (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// P(T < t) for a standard normal T.
fn cdf(t: f64) -> f64 {
    0.5 * libm::erfc(-t / std::f64::consts::SQRT_2)
}

/// The table scale of index `k`.
pub fn scale(k: u8) -> f64 {
    SIGMA_MIN * libm::exp(k as f64 * libm::log(SIGMA_MAX / SIGMA_MIN) / (SCALES - 1) as f64)
}

/// Nearest table scale (in log domain) of σ.
pub fn scale_index(sigma: f32) -> u8 {
    let t = libm::log(sigma.max(SIGMA_MIN as f32) as f64 / SIGMA_MIN) / libm::log(SIGMA_MAX / SIGMA_MIN) * (SCALES - 1) as f64;
    libm::round(t).clamp(0.0, (SCALES - 1) as f64) as u8
}

/// Real-valued bounds of the fine-index range `lo..=hi` (±∞ at the clamped ends).
fn bounds(lo: i32, hi: i32) -> (f64, f64) {
    let a = if lo <= -F_MAX { f64::NEG_INFINITY } else { lo as f64 - 0.5 };
    let b = if hi >= F_MAX { f64::INFINITY } else { hi as f64 + 0.5 };
    (a, b)
}

/// Probability mass of the cell `lo..=hi` under N(0, s²), computed on the near tail.
pub fn mass(lo: i32, hi: i32, s: f64) -> f64 {
    let (a, b) = bounds(lo, hi);
    mass_between(a, b, s)
}

/// P(a < Y < b) for Y ~ N(0, s²).
pub fn mass_between(a: f64, b: f64, s: f64) -> f64 {
    if a > 0.0 {
        cdf(-a / s) - cdf(-b / s)
    } else {
        cdf(b / s) - cdf(a / s)
    }
}

/// E[Y | Y in cell lo..=hi] for Y ~ N(0, s²); the cell centre if the mass underflows.
pub fn conditional_mean(lo: i32, hi: i32, s: f64) -> f32 {
    let (a, b) = bounds(lo, hi);
    let centre = (lo.max(-F_MAX) + hi.min(F_MAX)) as f64 / 2.0;
    mean_between(a, b, s, centre)
}

/// E[Y | a < Y < b] for Y ~ N(0, s²), or `fallback` if the mass underflows.
pub fn mean_between(a: f64, b: f64, s: f64, fallback: f64) -> f32 {
    let m = mass_between(a, b, s);
    if m < 1e-12 {
        return fallback as f32;
    }
    let (pa, pb) = (if a.is_finite() { phi(a / s) } else { 0.0 }, if b.is_finite() { phi(b / s) } else { 0.0 });
    let v = s * (pa - pb) / m;
    if v.is_finite() {
        v.clamp(a, b) as f32
    } else {
        fallback as f32
    }
}

/// The level-0 cell of index `a` and the sub-cell `d ∈ {-1, 0, 1}` of a parent cell.
pub fn level0_cell(a: i32) -> (i32, i32) {
    (9 * a - 4, 9 * a + 4)
}

pub fn sub_cell(parent: (i32, i32), step: i32, d: i32) -> (i32, i32) {
    let centre = (parent.0 + parent.1) / 2 + d * step;
    (centre - step / 2, centre + step / 2)
}

/// Level indices of a fine index: `f = 9a + 3b + c`.
pub fn split(f: i32) -> (i32, i32, i32) {
    let f = f.clamp(-F_MAX, F_MAX);
    let a = (f + 4).div_euclid(9);
    let r = f - 9 * a;
    let b = (r + 1).div_euclid(3);
    (a, b, r - 3 * b)
}

pub fn categorical(p: &[f64]) -> Model {
    let total: f64 = p.iter().sum();
    if total.is_finite() && total > 0.0 {
        if let Ok(m) = Model::from_floating_point_probabilities_fast(p, None) {
            return m;
        }
    }
    Model::from_floating_point_probabilities_fast(&vec![1.0; p.len()], None).expect("uniform model")
}

/// Lazily built models shared by encoder and decoder.
#[derive(Default)]
pub struct Models {
    level0: HashMap<u8, Model>,
    refine: HashMap<(u8, i32, i32), Model>,
}

impl Models {
    /// Model of the level-0 index (symbol `a + A_MAX`) at table scale `k`.
    pub fn level0(&mut self, k: u8) -> &Model {
        self.level0.entry(k).or_insert_with(|| {
            let s = scale(k);
            let p: Vec<f64> = (-A_MAX..=A_MAX).map(|a| {
                let (lo, hi) = level0_cell(a);
                mass(lo, hi, s)
            }).collect();
            categorical(&p)
        })
    }

    /// Model of the ternary refinement (symbol `d + 1`) of `parent` at `step`.
    pub fn refine(&mut self, k: u8, parent: (i32, i32), step: i32) -> &Model {
        self.refine.entry((k, parent.0, step)).or_insert_with(|| {
            let s = scale(k);
            let p: Vec<f64> = (-1..=1)
                .map(|d| {
                    let (lo, hi) = sub_cell(parent, step, d);
                    mass(lo, hi, s)
                })
                .collect();
            categorical(&p)
        })
    }
}

/// Per-channel models of the hyper-latent z (discretised logistic, tails folded in the end
/// cells; symbol `z + Z_MAX`).
pub fn z_models(loc: &[f64], scale: &[f64]) -> Vec<Model> {
    loc.iter()
        .zip(scale)
        .map(|(&l, &s)| {
            let c = |t: f64| 1.0 / (1.0 + libm::exp(-(t - l) / s));
            let p: Vec<f64> = (-Z_MAX..=Z_MAX)
                .map(|z| {
                    let hi = if z == Z_MAX { 1.0 } else { c(z as f64 + 0.5) };
                    let lo = if z == -Z_MAX { 0.0 } else { c(z as f64 - 0.5) };
                    (hi - lo).max(0.0)
                })
                .collect();
            categorical(&p)
        })
        .collect()
}

/// Reads 32-bit words from a byte prefix, counting reads; past the end it supplies zeros
/// (the counter tells the decoder those symbols are not determined by the prefix).
pub struct PrefixWords<'a> {
    data: &'a [u8],
    reads: Rc<Cell<usize>>,
}

impl<'a> PrefixWords<'a> {
    pub fn new(data: &'a [u8]) -> (Self, Rc<Cell<usize>>) {
        let reads = Rc::new(Cell::new(0));
        (PrefixWords { data, reads: reads.clone() }, reads)
    }
}

impl ReadWords<u32, Queue> for PrefixWords<'_> {
    type ReadError = Infallible;
    fn read(&mut self) -> Result<Option<u32>, Infallible> {
        let i = self.reads.get();
        self.reads.set(i + 1);
        Ok(Some(match self.data.get(4 * i..4 * i + 4) {
            Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            None => 0,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_indices_rebuild_the_fine_index() {
        for f in -F_MAX..=F_MAX {
            let (a, b, c) = split(f);
            assert!((-A_MAX..=A_MAX).contains(&a) && (-1..=1).contains(&b) && (-1..=1).contains(&c), "{f}");
            assert_eq!(9 * a + 3 * b + c, f);
            let p0 = level0_cell(a);
            let p1 = sub_cell(p0, 3, b);
            assert_eq!(sub_cell(p1, 1, c), (f, f));
            assert!(p0.0 <= p1.0 && p1.1 <= p0.1);
        }
    }

    #[test]
    fn masses_sum_to_one_and_means_lie_in_cells() {
        for k in [0u8, 10, 40, 63] {
            let s = scale(k);
            let total: f64 = (-A_MAX..=A_MAX).map(|a| { let (lo, hi) = level0_cell(a); mass(lo, hi, s) }).sum();
            assert!((total - 1.0).abs() < 1e-9, "scale {s}: {total}");
            for a in [-A_MAX, -1, 0, 2, A_MAX] {
                let (lo, hi) = level0_cell(a);
                let m = conditional_mean(lo, hi, s);
                // The end cells extend to ±∞ (they absorb the tails).
                assert!(m >= lo as f32 - 0.5 || a == -A_MAX, "{a} {s}: {m}");
                assert!(m <= hi as f32 + 0.5 || a == A_MAX, "{a} {s}: {m}");
            }
        }
        // Symmetric cell around 0: mean 0; positive cell: mean pulled towards 0.
        assert!(conditional_mean(-4, 4, 3.0).abs() < 1e-6);
        assert!(conditional_mean(5, 13, 3.0) < 9.0);
    }

    #[test]
    fn scale_index_is_monotone_and_round_trips() {
        for k in 0..SCALES as u8 {
            assert_eq!(scale_index(scale(k) as f32), k);
        }
        assert_eq!(scale_index(0.0), 0);
        assert_eq!(scale_index(f32::NAN), 0);
        assert_eq!(scale_index(1e9), (SCALES - 1) as u8);
    }
}
