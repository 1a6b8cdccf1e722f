//! Every tracker on the same sequences: NMSE (dB) per condition, over Doppler, SNR and pilot
//! spacing (the tables of `edgeplay channel` and the widget's curves).

use crate::jakes::{nmse_db, observed, Batch, Ranges};
use crate::kalman::{self, ArModel};
use crate::nets::{Net, NetError};

/// AR order of the classical filters (HKF's is 2 as well).
pub const ORDER: usize = 2;
/// Steps per evaluation sequence, and the first ones not scored (every tracker starts cold).
pub const LEN: usize = 128;
pub const WARMUP: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tracker {
    /// The last pilot observation, held between pilots (no tracking at all).
    Pilots,
    /// Kalman filter, AR(2) of the fixed Doppler.
    Fixed,
    Lstm,
    Hkf,
    /// Kalman filter, AR(2) of each sequence's true Doppler.
    Genie,
}

impl Tracker {
    pub const ALL: [Tracker; 5] = [Tracker::Pilots, Tracker::Fixed, Tracker::Lstm, Tracker::Hkf, Tracker::Genie];

    pub fn label(self) -> &'static str {
        match self {
            Tracker::Pilots => "pilots (held)",
            Tracker::Fixed => "KF, fixed Doppler",
            Tracker::Lstm => "LSTM",
            Tracker::Hkf => "HKF",
            Tracker::Genie => "KF, genie Doppler",
        }
    }
}

/// Diagonal loadings the classical filters' AR fits are tuned over (see [`genie_model`]).
pub const LOADINGS: [f64; 6] = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1];
/// Sequences of the tuning batches (drawn from their own seeds, never the evaluation's).
const TUNE_SEQS: usize = 64;
const TUNE_SEED: u64 = 0x6E1E;

/// The AR(2) model of a Doppler whose Kalman filter tracks best: Yule–Walker on the Jakes
/// autocorrelation with the diagonal loading (of [`LOADINGS`]) that gives the lowest NMSE on
/// a tuning batch of this Doppler, SNR and pilot spacing. The fit alone is fragile — its
/// spectrum has two sharp peaks at ±f_D and the filter's error swings by several dB with the
/// loading — so the genie filter gets the best one for its condition.
pub fn genie_model(doppler: f64, snr_db: f64, spacing: usize) -> ArModel {
    let Ok(b) = Batch::sample(TUNE_SEED, &Ranges::at(doppler, snr_db, spacing), TUNE_SEQS, LEN) else {
        return ArModel::jakes(doppler, ORDER);
    };
    LOADINGS
        .iter()
        .map(|&eps| ArModel::jakes_loaded(doppler, ORDER, eps))
        .map(|m| (nmse_db(&b, &kalman::run(&b, |_| m.clone()), WARMUP), m))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, m)| m)
        .unwrap_or_else(|| ArModel::jakes(doppler, ORDER))
}

/// The fixed filter: one Doppler and loading for a whole training range.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Fixed {
    pub doppler: f64,
    pub loading: f64,
}

impl Fixed {
    pub fn model(&self) -> ArModel {
        ArModel::jakes_loaded(self.doppler, ORDER, self.loading)
    }
}

/// The trackers of one training setting.
#[derive(Clone)]
pub struct Trackers {
    pub fixed: Fixed,
    pub hkf: Net,
    pub lstm: Net,
}

impl Trackers {
    pub fn estimates(&self, t: Tracker, batch: &Batch) -> Result<Vec<[f64; 2]>, NetError> {
        Ok(match t {
            Tracker::Pilots => held(batch),
            Tracker::Fixed => {
                let m = self.fixed.model();
                kalman::run(batch, |_| m.clone())
            }
            Tracker::Genie => {
                // One tuned model per distinct condition of the batch.
                let mut models: Vec<((f64, f64), ArModel)> = Vec::new();
                let per_seq: Vec<ArModel> = (0..batch.count())
                    .map(|s| {
                        let key = (batch.doppler[s], batch.r[s]);
                        if let Some((_, m)) = models.iter().find(|(k, _)| *k == key) {
                            return m.clone();
                        }
                        let m = genie_model(key.0, -10.0 * key.1.log10(), batch.spacing);
                        models.push((key, m.clone()));
                        m
                    })
                    .collect();
                kalman::run(batch, |s| per_seq[s].clone())
            }
            Tracker::Lstm => self.lstm.estimates(batch)?,
            Tracker::Hkf => self.hkf.estimates(batch)?,
        })
    }

    /// NMSE (dB) of every tracker in [`Tracker::ALL`] order.
    pub fn nmse(&self, batch: &Batch, warmup: usize) -> Result<Vec<f64>, NetError> {
        Tracker::ALL.iter().map(|&t| Ok(nmse_db(batch, &self.estimates(t, batch)?, warmup))).collect()
    }
}

/// The last pilot, held.
fn held(batch: &Batch) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(batch.h.len());
    for s in 0..batch.count() {
        let mut last = [0.0; 2];
        for n in 0..batch.len {
            if observed(batch.spacing, n) {
                last = batch.y[s * batch.len + n];
            }
            out.push(last);
        }
    }
    out
}

/// The fixed filter for a training range: of 12 log-spaced Dopplers in the range × the
/// [`LOADINGS`], the model with the lowest mean NMSE (dB) over five Dopplers spanning the
/// range at three SNRs spanning it — the best single filter for the range, found on
/// training-range data.
pub fn choose_fixed(ranges: &Ranges) -> Fixed {
    let (lo, hi) = (ranges.doppler.0.ln(), ranges.doppler.1.ln());
    let (s0, s1) = ranges.snr_db;
    let batches: Vec<Batch> = (0..5)
        .flat_map(|i| (0..3).map(move |j| (i, j)))
        .filter_map(|(i, j)| {
            let d = (lo + (hi - lo) * i as f64 / 4.0).exp();
            Batch::sample(TUNE_SEED + 1 + 3 * i + j, &Ranges::at(d, s0 + (s1 - s0) * j as f64 / 2.0, ranges.spacing), TUNE_SEQS / 2, LEN).ok()
        })
        .collect();
    let mut best = (f64::INFINITY, Fixed { doppler: ranges.doppler.0, loading: LOADINGS[0] });
    for c in 0..12 {
        for &loading in &LOADINGS {
            let f = Fixed { doppler: (lo + (hi - lo) * c as f64 / 11.0).exp(), loading };
            let m = f.model();
            let score: f64 = batches.iter().map(|b| nmse_db(b, &kalman::run(b, |_| m.clone()), WARMUP)).sum();
            if score < best.0 {
                best = (score, f);
            }
        }
    }
    best.1
}

/// One evaluated condition.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Point {
    pub doppler: f64,
    pub snr_db: f64,
    pub spacing: usize,
    /// Inside the training conditions (Doppler, SNR and spacing all seen in training).
    pub seen: bool,
    /// NMSE (dB) per tracker, [`Tracker::ALL`] order.
    pub nmse_db: Vec<f64>,
}

/// NMSE of every tracker at each condition, `seqs` sequences of [`LEN`] steps each, from
/// `seed` (the same sequences for every tracker).
pub fn sweep(tr: &Trackers, train: &Ranges, conditions: &[(f64, f64, usize)], seqs: usize, seed: u64) -> Result<Vec<Point>, NetError> {
    conditions
        .iter()
        .enumerate()
        .map(|(i, &(doppler, snr_db, spacing))| {
            let b = Batch::sample(seed.wrapping_add(1000 * i as u64), &Ranges::at(doppler, snr_db, spacing), seqs, LEN).map_err(|e| NetError::Weights(e.to_string()))?;
            let eps = 1e-9;
            let seen = doppler >= train.doppler.0 * (1.0 - eps)
                && doppler <= train.doppler.1 * (1.0 + eps)
                && snr_db >= train.snr_db.0 - eps
                && snr_db <= train.snr_db.1 + eps
                && spacing == train.spacing;
            Ok(Point { doppler, snr_db, spacing, seen, nmse_db: tr.nmse(&b, WARMUP)? })
        })
        .collect()
}

/// The report's grids: Doppler at a given SNR, SNR at a given Doppler, spacing.
pub const DOPPLERS: [f64; 8] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.1];
pub const SNRS: [f64; 8] = [-5.0, 0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0];
pub const SPACINGS: [usize; 4] = [1, 2, 4, 8];

#[cfg(test)]
mod tests {
    use super::*;

    /// At a Doppler far from the fixed filter's, the genie filter is better; at the fixed
    /// filter's own Doppler they are the same filter.
    #[test]
    fn genie_beats_fixed_at_mismatched_doppler() {
        let tr = Trackers { fixed: Fixed { doppler: 0.005, loading: 1e-4 }, hkf: Net::init(crate::Kind::Hkf, 4, 1).unwrap().0, lstm: Net::init(crate::Kind::Lstm, 4, 1).unwrap().0 };
        let b = Batch::sample(3, &Ranges::at(0.05, 10.0, 1), 64, LEN).unwrap();
        let g = nmse_db(&b, &tr.estimates(Tracker::Genie, &b).unwrap(), WARMUP);
        let f = nmse_db(&b, &tr.estimates(Tracker::Fixed, &b).unwrap(), WARMUP);
        let p = nmse_db(&b, &tr.estimates(Tracker::Pilots, &b).unwrap(), WARMUP);
        assert!(g < f - 1.0, "genie {g:.2} dB, fixed {f:.2} dB");
        assert!(g < p - 1.0, "genie {g:.2} dB, raw pilots {p:.2} dB");
        assert!((p + 10.0).abs() < 0.5, "raw pilots at 10 dB SNR: {p:.2} dB");
        // At the fixed filter's own condition the genie is at least as good (it may pick the
        // same loading).
        let b = Batch::sample(4, &Ranges::at(0.005, 10.0, 1), 64, LEN).unwrap();
        let g = nmse_db(&b, &tr.estimates(Tracker::Genie, &b).unwrap(), WARMUP);
        let f = nmse_db(&b, &tr.estimates(Tracker::Fixed, &b).unwrap(), WARMUP);
        assert!(g < f + 0.5, "genie {g:.2} dB, fixed {f:.2} dB");
    }
}
