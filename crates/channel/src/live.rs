//! The widget's endless run: one channel advanced chunk by chunk, every tracker following it
//! step by step, the conditions changeable at any step (the sliders). The genie filter is
//! refitted to every new condition at once (it is told); the fixed filter never changes; the
//! networks carry on with their state — HKF's hypernetwork has to notice the change itself.

use std::collections::VecDeque;

use candle_core::{Device, Tensor};
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::eval::{genie_model, Tracker, Trackers};
use crate::jakes::{noise_variance, normal, observed, Fading, Ranges};
use crate::kalman::Kalman;
use crate::nets::{NetError, State};

/// Steps the running NMSE is computed over.
pub const WINDOW: usize = 500;
/// Most steps one `advance` call may produce.
pub const MAX_CHUNK: usize = 10_000;

/// What one `advance` produced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Chunk {
    /// Index of the first step.
    pub start: u64,
    pub h: Vec<[f64; 2]>,
    /// The pilot observation, where there was one.
    pub y: Vec<Option<[f64; 2]>>,
    /// Each tracker's estimates, [`Tracker::ALL`] order.
    pub est: Vec<Vec<[f64; 2]>>,
    /// HKF's filter parameters at each step: a1, a2, q.
    pub hkf: Vec<[f64; 3]>,
    /// The genie filter's parameters now (the reference for `hkf`).
    pub genie: [f64; 3],
    /// NMSE (dB) of each tracker over the last [`WINDOW`] steps (since the last change of
    /// conditions at most).
    pub nmse_db: Vec<f64>,
    pub window: usize,
}

pub struct Live {
    rng: StdRng,
    fading: Fading,
    snr_db: f64,
    spacing: usize,
    n: u64,
    trackers: Trackers,
    genie: Kalman,
    fixed: Kalman,
    hkf: State,
    lstm: State,
    /// Squared error per tracker and channel power of recent steps.
    recent: VecDeque<([f64; 5], f64)>,
    /// The latest pilot (the held-pilot tracker).
    held: [f64; 2],
}

fn check(doppler: f64, snr_db: f64, spacing: usize) -> Result<(), NetError> {
    Ranges::at(doppler, snr_db, spacing).check().map_err(|e| NetError::Weights(e.to_string()))
}

impl Live {
    pub fn new(trackers: Trackers, seed: u64, doppler: f64, snr_db: f64, spacing: usize) -> Result<Live, NetError> {
        check(doppler, snr_db, spacing)?;
        let mut rng = StdRng::seed_from_u64(seed);
        let fading = Fading::new(&mut rng, doppler);
        let r = noise_variance(snr_db);
        Ok(Live {
            genie: Kalman::new(genie_model(doppler, snr_db, spacing), r),
            fixed: Kalman::new(trackers.fixed.model(), r),
            hkf: trackers.hkf.start(&[r])?,
            lstm: trackers.lstm.start(&[r])?,
            rng,
            fading,
            snr_db,
            spacing,
            n: 0,
            trackers,
            recent: VecDeque::new(),
            held: [0.0; 2],
        })
    }

    /// New conditions from the next step on; the channel itself continues.
    pub fn set(&mut self, doppler: f64, snr_db: f64, spacing: usize) -> Result<(), NetError> {
        check(doppler, snr_db, spacing)?;
        if doppler == self.fading.doppler() && snr_db == self.snr_db && spacing == self.spacing {
            return Ok(());
        }
        let r = noise_variance(snr_db);
        self.fading.set_doppler(doppler);
        self.snr_db = snr_db;
        self.spacing = spacing;
        self.genie.set_model(genie_model(doppler, snr_db, spacing));
        for kf in [&mut self.genie, &mut self.fixed] {
            kf.set_noise(r);
        }
        self.hkf.set_noise(&[r])?;
        self.lstm.set_noise(&[r])?;
        self.recent.clear();
        Ok(())
    }

    /// Replaces the networks (after training); their state starts afresh.
    pub fn set_trackers(&mut self, trackers: Trackers) -> Result<(), NetError> {
        let r = noise_variance(self.snr_db);
        self.hkf = trackers.hkf.start(&[r])?;
        self.lstm = trackers.lstm.start(&[r])?;
        self.fixed = Kalman::new(trackers.fixed.model(), r);
        self.trackers = trackers;
        self.recent.clear();
        Ok(())
    }

    pub fn advance(&mut self, steps: usize) -> Result<Chunk, NetError> {
        let steps = steps.clamp(1, MAX_CHUNK);
        let sd = (noise_variance(self.snr_db) / 2.0).sqrt();
        let g = self.genie.model();
        let mut c = Chunk {
            start: self.n,
            h: Vec::with_capacity(steps),
            y: Vec::with_capacity(steps),
            est: vec![Vec::with_capacity(steps); Tracker::ALL.len()],
            hkf: Vec::with_capacity(steps),
            genie: [g.a[0], g.a.get(1).copied().unwrap_or(0.0), g.q],
            nmse_db: Vec::new(),
            window: 0,
        };
        let mut held = self.held;
        for _ in 0..steps {
            let h = self.fading.next();
            let y = observed(self.spacing, self.n as usize).then(|| [h[0] + sd * normal(&mut self.rng), h[1] + sd * normal(&mut self.rng)]);
            if let Some(y) = y {
                held = y;
            }
            let yt = y.map(|y| Tensor::from_vec(y.to_vec(), (1, 2), &Device::Cpu)).transpose()?;
            let (hkf, params) = self.trackers.hkf.step(&mut self.hkf, yt.as_ref())?;
            let (lstm, _) = self.trackers.lstm.step(&mut self.lstm, yt.as_ref())?;
            let two = |t: &Tensor| -> Result<[f64; 2], NetError> {
                let v = t.flatten_all()?.to_vec1::<f64>()?;
                Ok([v[0], v[1]])
            };
            let p = params.map(|p| p.flatten_all().and_then(|p| p.to_vec1::<f64>())).transpose()?.unwrap_or_default();
            c.hkf.push([p.first().copied().unwrap_or(0.0), p.get(1).copied().unwrap_or(0.0), p.get(2).copied().unwrap_or(0.0)]);
            let est = [held, self.fixed.step(y), two(&lstm)?, two(&hkf)?, self.genie.step(y)];
            let mut err = [0.0; 5];
            for (i, e) in est.iter().enumerate() {
                err[i] = (e[0] - h[0]).powi(2) + (e[1] - h[1]).powi(2);
                c.est[i].push(*e);
            }
            self.recent.push_back((err, h[0] * h[0] + h[1] * h[1]));
            if self.recent.len() > WINDOW {
                self.recent.pop_front();
            }
            c.h.push(h);
            c.y.push(y);
            self.n += 1;
        }
        let power: f64 = self.recent.iter().map(|r| r.1).sum();
        c.nmse_db = (0..Tracker::ALL.len()).map(|i| 10.0 * (self.recent.iter().map(|r| r.0[i]).sum::<f64>() / power.max(1e-300)).log10()).collect();
        c.window = self.recent.len();
        self.held = held;
        Ok(c)
    }
}
