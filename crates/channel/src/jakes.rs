//! Rayleigh fading with the Jakes/Clarke Doppler spectrum, and pilots observed in noise.
//!
//! The channel is a sum of `M` complex sinusoids (after Zheng & Xiao): arrival angles
//! `α_m = (2πm + θ)/M` with one random `θ`, independent random phases `φ_m`, and
//! `h[n] = M^{-1/2} Σ_m exp(j(φ_m + 2π f_D n cos α_m))`. Averaged over `θ` and `φ`, the
//! autocorrelation is exactly `E[h[n+k] h*[n]] = J0(2π f_D k)` with unit power (each α_m is
//! uniform on its own arc of width 2π/M, and the arcs tile the circle). The phases advance
//! step by step, so the Doppler may change without a jump in the channel (the widget's slider).
//!
//! A time step is one symbol; `f_D` is the Doppler frequency times the symbol time
//! (normalised Doppler). A pilot every `spacing` steps gives the least-squares observation
//! `y[n] = h[n] + w[n]`, `w ~ CN(0, r)`, `r = 10^(−SNR/10)` (unit pilot and channel power).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::f64::consts::{PI, TAU};

/// Sinusoids per channel.
pub const SINUSOIDS: usize = 32;
/// Normalised Doppler values accepted anywhere (the page's slider spans 0.001–0.1).
pub const DOPPLER_RANGE: (f64, f64) = (1e-4, 0.25);
/// SNR values accepted anywhere, dB.
pub const SNR_RANGE: (f64, f64) = (-20.0, 50.0);
/// Longest sequence one batch may hold (bounded work and memory for any request).
pub const MAX_LEN: usize = 100_000;
/// Most sequences × steps in one batch.
pub const MAX_SAMPLES: usize = 4_000_000;

/// The theoretical autocorrelation of the channel at lag `k` steps: `J0(2π f_D k)`.
pub fn autocorrelation(doppler: f64, k: f64) -> f64 {
    libm::j0(TAU * doppler * k)
}

/// Noise variance of a pilot observation at `snr_db`.
pub fn noise_variance(snr_db: f64) -> f64 {
    10f64.powf(-snr_db / 10.0)
}

/// One fading channel, advanced a step at a time.
#[derive(Debug, Clone)]
pub struct Fading {
    cos_alpha: Vec<f64>,
    phase: Vec<f64>,
    doppler: f64,
}

impl Fading {
    pub fn new(rng: &mut StdRng, doppler: f64) -> Fading {
        let theta = rng.random_range(-PI..PI);
        let cos_alpha = (0..SINUSOIDS).map(|m| ((TAU * m as f64 + theta) / SINUSOIDS as f64).cos()).collect();
        let phase = (0..SINUSOIDS).map(|_| rng.random_range(-PI..PI)).collect();
        Fading { cos_alpha, phase, doppler: clamp_doppler(doppler) }
    }

    pub fn doppler(&self) -> f64 {
        self.doppler
    }

    /// Changes the Doppler from the next step on (the channel stays continuous).
    pub fn set_doppler(&mut self, doppler: f64) {
        self.doppler = clamp_doppler(doppler);
    }

    /// The channel now, then one step forward.
    pub fn next(&mut self) -> [f64; 2] {
        let (mut re, mut im) = (0.0, 0.0);
        let w = TAU * self.doppler;
        for (p, &c) in self.phase.iter_mut().zip(&self.cos_alpha) {
            re += p.cos();
            im += p.sin();
            *p = (*p + w * c).rem_euclid(TAU);
        }
        let s = (SINUSOIDS as f64).sqrt().recip();
        [re * s, im * s]
    }
}

fn clamp_doppler(d: f64) -> f64 {
    if d.is_finite() { d.clamp(DOPPLER_RANGE.0, DOPPLER_RANGE.1) } else { DOPPLER_RANGE.0 }
}

/// A standard normal sample (Box–Muller; the `rand` crate's ChaCha stream is the same on every
/// platform, so batches are identical natively and in wasm).
pub fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
}

/// Where pilots are: every `spacing` steps from step 0.
pub fn observed(spacing: usize, n: usize) -> bool {
    n % spacing.max(1) == 0
}

/// Conditions a batch is drawn from: Doppler log-uniform, SNR uniform (both inclusive ranges).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Ranges {
    pub doppler: (f64, f64),
    pub snr_db: (f64, f64),
    pub spacing: usize,
}

impl Ranges {
    /// One condition: this Doppler and SNR.
    pub fn at(doppler: f64, snr_db: f64, spacing: usize) -> Ranges {
        Ranges { doppler: (doppler, doppler), snr_db: (snr_db, snr_db), spacing }
    }

    /// Every value inside what the simulator accepts ([`DOPPLER_RANGE`], [`SNR_RANGE`],
    /// spacing 1–64), lower ends first.
    pub fn check(&self) -> Result<(), BatchError> {
        let (d, s) = (self.doppler, self.snr_db);
        let ok_d = |x: f64| x.is_finite() && (DOPPLER_RANGE.0..=DOPPLER_RANGE.1).contains(&x);
        let ok_s = |x: f64| x.is_finite() && (SNR_RANGE.0..=SNR_RANGE.1).contains(&x);
        if !(ok_d(d.0) && ok_d(d.1) && d.0 <= d.1) {
            return Err(BatchError::Invalid(format!("Doppler range {}–{} outside {}–{}", d.0, d.1, DOPPLER_RANGE.0, DOPPLER_RANGE.1)));
        }
        if !(ok_s(s.0) && ok_s(s.1) && s.0 <= s.1) {
            return Err(BatchError::Invalid(format!("SNR range {}–{} dB outside {}–{} dB", s.0, s.1, SNR_RANGE.0, SNR_RANGE.1)));
        }
        if !(1..=64).contains(&self.spacing) {
            return Err(BatchError::Invalid(format!("pilot spacing {} outside 1–64", self.spacing)));
        }
        Ok(())
    }
}

/// Sequences of one pilot pattern: true channel, observations, each sequence's conditions.
/// Layout: sequence-major, `h[s * len + n]`.
#[derive(Debug, Clone)]
pub struct Batch {
    pub len: usize,
    pub spacing: usize,
    pub h: Vec<[f64; 2]>,
    /// Observation at each step (zero where no pilot).
    pub y: Vec<[f64; 2]>,
    /// Noise variance of each sequence's pilots.
    pub r: Vec<f64>,
    pub doppler: Vec<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{0}")]
    Invalid(String),
}

impl Batch {
    /// `count` sequences of `len` steps drawn from `ranges`, from the seed alone.
    pub fn sample(seed: u64, ranges: &Ranges, count: usize, len: usize) -> Result<Batch, BatchError> {
        ranges.check()?;
        let (d, s) = (ranges.doppler, ranges.snr_db);
        if len == 0 || len > MAX_LEN || count == 0 || count.saturating_mul(len) > MAX_SAMPLES {
            return Err(BatchError::Invalid(format!("{count} sequences of {len} steps: at most {MAX_SAMPLES} samples, {MAX_LEN} steps")));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let mut b = Batch { len, spacing: ranges.spacing, h: Vec::with_capacity(count * len), y: Vec::with_capacity(count * len), r: Vec::new(), doppler: Vec::new() };
        for _ in 0..count {
            let doppler = (d.0.ln() + (d.1.ln() - d.0.ln()) * rng.random::<f64>()).exp();
            let snr = s.0 + (s.1 - s.0) * rng.random::<f64>();
            let r = noise_variance(snr);
            let sd = (r / 2.0).sqrt();
            let mut ch = Fading::new(&mut rng, doppler);
            for n in 0..len {
                let h = ch.next();
                b.h.push(h);
                b.y.push(if observed(ranges.spacing, n) { [h[0] + sd * normal(&mut rng), h[1] + sd * normal(&mut rng)] } else { [0.0; 2] });
            }
            b.r.push(r);
            b.doppler.push(doppler);
        }
        Ok(b)
    }

    pub fn count(&self) -> usize {
        self.r.len()
    }
}

/// Normalised mean squared error in dB of `est` against the batch's channel over steps
/// `warmup..len` of every sequence: `10 log10(Σ|ĥ − h|² / Σ|h|²)`.
pub fn nmse_db(batch: &Batch, est: &[[f64; 2]], warmup: usize) -> f64 {
    let (mut e, mut p) = (0.0, 0.0);
    for s in 0..batch.count() {
        for n in warmup.min(batch.len)..batch.len {
            let i = s * batch.len + n;
            let h = batch.h[i];
            e += (est[i][0] - h[0]).powi(2) + (est[i][1] - h[1]).powi(2);
            p += h[0] * h[0] + h[1] * h[1];
        }
    }
    10.0 * (e / p.max(f64::MIN_POSITIVE)).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ensemble autocorrelation (over seeds and start times) against J0, and unit power.
    #[test]
    fn autocorrelation_is_bessel_j0() {
        for &fd in &[0.01, 0.05] {
            let (lags, len, seqs) = (40usize, 400usize, 600u64);
            let mut acc = vec![0.0f64; lags];
            let mut count = 0.0;
            for seed in 0..seqs {
                let mut rng = StdRng::seed_from_u64(seed);
                let mut ch = Fading::new(&mut rng, fd);
                let h: Vec<[f64; 2]> = (0..len).map(|_| ch.next()).collect();
                for n in (0..len - lags).step_by(20) {
                    for k in 0..lags {
                        acc[k] += h[n + k][0] * h[n][0] + h[n + k][1] * h[n][1];
                    }
                    count += 1.0;
                }
            }
            for (k, a) in acc.iter().enumerate() {
                let got = a / count;
                let want = autocorrelation(fd, k as f64);
                assert!((got - want).abs() < 0.05, "f_D {fd}, lag {k}: {got:.3} vs J0 {want:.3}");
            }
            assert!((acc[0] / count - 1.0).abs() < 0.03, "power {}", acc[0] / count);
        }
    }

    #[test]
    fn batches_are_seeded_and_noise_has_its_variance() {
        let r = Ranges::at(0.02, 10.0, 2);
        let a = Batch::sample(7, &r, 50, 200).unwrap();
        let b = Batch::sample(7, &r, 50, 200).unwrap();
        assert_eq!(a.y, b.y);
        assert_ne!(a.y, Batch::sample(8, &r, 50, 200).unwrap().y);
        let (mut e, mut n) = (0.0, 0.0);
        for (i, (y, h)) in a.y.iter().zip(&a.h).enumerate() {
            if observed(2, i % 200) {
                e += (y[0] - h[0]).powi(2) + (y[1] - h[1]).powi(2);
                n += 1.0;
            } else {
                assert_eq!(*y, [0.0; 2]);
            }
        }
        assert!((e / n / 0.1 - 1.0).abs() < 0.1, "noise variance {} vs 0.1", e / n);
        // The observations themselves, used as the estimate, score the SNR.
        let one = Batch::sample(1, &Ranges::at(0.02, 10.0, 1), 50, 200).unwrap();
        assert!((nmse_db(&one, &one.y, 0) + 10.0).abs() < 0.3);
    }

    #[test]
    fn bad_conditions_are_errors() {
        assert!(Batch::sample(1, &Ranges::at(f64::NAN, 10.0, 1), 1, 10).is_err());
        assert!(Batch::sample(1, &Ranges::at(0.01, 99.0, 1), 1, 10).is_err());
        assert!(Batch::sample(1, &Ranges::at(0.01, 10.0, 0), 1, 10).is_err());
        assert!(Batch::sample(1, &Ranges::at(0.01, 10.0, 1), 1 << 20, 1 << 20).is_err());
    }
}
