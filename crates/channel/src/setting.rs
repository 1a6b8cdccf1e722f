//! A training setting: the conditions the networks learn from, their training configuration
//! and the fixed filter chosen for the same conditions. Shipped weights live in
//! `models/channel/<name>/` as `setting.json`, `hkf.safetensors` and `lstm.safetensors`.

use crate::eval::{choose_fixed, Fixed, Trackers};
use crate::jakes::{Ranges, DOPPLER_RANGE};
use crate::nets::{Kind, Net, NetError, MAX_HIDDEN};
use crate::train::TrainConfig;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Setting {
    pub name: String,
    pub ranges: Ranges,
    pub seed: u64,
    pub hkf: TrainConfig,
    pub lstm: TrainConfig,
    pub fixed: Fixed,
}

/// The two settings whose weights ship: the full range, and a narrow one that shows how the
/// trackers generalise beyond what they saw.
pub const PRESETS: [(&str, Ranges); 2] = [
    ("wide", Ranges { doppler: (0.002, 0.05), snr_db: (0.0, 20.0), spacing: 2 }),
    ("narrow", Ranges { doppler: (0.005, 0.01), snr_db: (0.0, 20.0), spacing: 2 }),
];

pub const DEFAULT_SEED: u64 = 1;

/// Bounds on a setting file's training configuration (the shipped one: 128 steps, batch 64,
/// 1,500 steps).
pub const MAX_TRAIN_LEN: usize = 4096;
pub const MAX_TRAIN_BATCH: usize = 1024;
pub const MAX_TRAIN_STEPS: usize = 1_000_000;

impl Setting {
    /// The configuration the shipped weights use, for any ranges and seed (`steps` overrides
    /// the training length).
    pub fn new(name: &str, ranges: Ranges, seed: u64, steps: Option<usize>) -> Setting {
        let cfg = |kind| {
            let mut c = TrainConfig::new(kind, ranges, seed);
            if let Some(s) = steps {
                c.steps = s.max(1);
            }
            c
        };
        Setting { name: name.into(), ranges, seed, hkf: cfg(Kind::Hkf), lstm: cfg(Kind::Lstm), fixed: choose_fixed(&ranges) }
    }

    pub fn preset(name: &str) -> Option<Setting> {
        PRESETS.iter().find(|p| p.0 == name).map(|p| Setting::new(p.0, p.1, DEFAULT_SEED, None))
    }

    /// A setting from its `setting.json` (untrusted: every range and training size is checked,
    /// so nothing read here can ask for unbounded work or memory later).
    pub fn from_json(text: &str) -> Result<Setting, NetError> {
        let s: Setting = serde_json::from_str(text).map_err(|e| NetError::Weights(format!("setting.json: {e}")))?;
        s.check().map_err(|e| NetError::Weights(format!("setting.json: {e}")))?;
        Ok(s)
    }

    fn check(&self) -> Result<(), String> {
        self.ranges.check().map_err(|e| e.to_string())?;
        // The page passes seeds as 32-bit integers.
        if self.seed > u32::MAX as u64 || self.hkf.seed != self.seed || self.lstm.seed != self.seed {
            return Err(format!("seed {} (the networks' {} and {}): one seed below 2^32", self.seed, self.hkf.seed, self.lstm.seed));
        }
        for (c, kind) in [(&self.hkf, Kind::Hkf), (&self.lstm, Kind::Lstm)] {
            c.ranges.check().map_err(|e| format!("{}: {e}", kind.name()))?;
            let ok = c.kind == kind
                && (1..=MAX_HIDDEN).contains(&c.hidden)
                && (1..=MAX_TRAIN_LEN).contains(&c.len)
                && c.warmup < c.len
                && (1..=MAX_TRAIN_BATCH).contains(&c.batch)
                && c.steps <= MAX_TRAIN_STEPS
                && c.lr.is_finite()
                && c.lr > 0.0
                && c.clip.is_finite()
                && c.clip > 0.0;
            if !ok {
                return Err(format!("{} training configuration out of bounds", kind.name()));
            }
        }
        let (lo, hi) = DOPPLER_RANGE;
        if !(self.fixed.doppler >= lo && self.fixed.doppler <= hi && self.fixed.loading.is_finite() && (0.0..=1.0).contains(&self.fixed.loading)) {
            return Err("fixed filter out of bounds".into());
        }
        Ok(())
    }

    /// The trackers from this setting and the two networks' safetensors bytes.
    pub fn trackers(&self, hkf: &[u8], lstm: &[u8]) -> Result<Trackers, NetError> {
        let (hkf, lstm) = (Net::from_safetensors(hkf)?, Net::from_safetensors(lstm)?);
        if hkf.kind != Kind::Hkf || lstm.kind != Kind::Lstm {
            return Err(NetError::Weights("the HKF and LSTM files are swapped".into()));
        }
        Ok(Trackers { fixed: self.fixed, hkf, lstm })
    }
}
