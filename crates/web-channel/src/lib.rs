//! Channel tracking for `<ep-channel>`: a session holds one setting's trackers, the live run
//! the widget draws, and (while the visitor retrains) a trainer stepped in chunks so the
//! worker can report progress and hear "cancel" between them.

use edgeplay_channel::eval::{sweep, Trackers};
use edgeplay_channel::live::Live;
use edgeplay_channel::setting::Setting;
use edgeplay_channel::train::Trainer;
use edgeplay_channel::{Kind, Ranges};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use edgeplay_web::{err, to_js};

// The core calls every module exports (status, backend choice, test hooks).
pub use edgeplay_web::{runtime_status, set_backend};

/// Most sequences one curve point may average (bounded work per call).
const MAX_SEQS: u32 = 1024;

#[wasm_bindgen]
pub struct ChannelSession {
    setting: Setting,
    trackers: Trackers,
    live: Option<Live>,
    training: Option<Training>,
}

/// Retraining both networks of a setting: HKF, then the LSTM.
struct Training {
    setting: Setting,
    trainer: Trainer,
    hkf: Option<edgeplay_channel::Net>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Info<'a> {
    setting: &'a Setting,
    hkf_parameters: usize,
    lstm_parameters: usize,
    trackers: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TrainProgress {
    net: &'static str,
    step: usize,
    steps: usize,
    nmse_db: f64,
    done: bool,
}

#[wasm_bindgen]
impl ChannelSession {
    /// A shipped setting: its `setting.json` and the two networks' safetensors bytes.
    #[wasm_bindgen(constructor)]
    pub fn new(setting_json: &str, hkf: &[u8], lstm: &[u8]) -> Result<ChannelSession, JsError> {
        let setting = Setting::from_json(setting_json).map_err(err)?;
        let trackers = setting.trackers(hkf, lstm).map_err(err)?;
        Ok(ChannelSession { setting, trackers, live: None, training: None })
    }

    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&Info {
            setting: &self.setting,
            hkf_parameters: self.trackers.hkf.parameter_count(),
            lstm_parameters: self.trackers.lstm.parameter_count(),
            trackers: edgeplay_channel::eval::Tracker::ALL.iter().map(|t| t.label()).collect(),
        })
    }

    /// Starts the live run (a fresh channel from `seed`).
    pub fn live_start(&mut self, seed: u32, doppler: f64, snr_db: f64, spacing: u32) -> Result<(), JsError> {
        self.live = Some(Live::new(self.trackers.clone(), seed as u64, doppler, snr_db, spacing as usize).map_err(err)?);
        Ok(())
    }

    /// New conditions for the live run from its next step on.
    pub fn live_set(&mut self, doppler: f64, snr_db: f64, spacing: u32) -> Result<(), JsError> {
        let live = self.live.as_mut().ok_or_else(|| JsError::new("the live run has not started"))?;
        live.set(doppler, snr_db, spacing as usize).map_err(err)
    }

    /// The next `steps` steps of the live run: channel, pilots, every tracker's estimate,
    /// HKF's parameters, running NMSE.
    pub fn live_advance(&mut self, steps: u32) -> Result<JsValue, JsError> {
        let live = self.live.as_mut().ok_or_else(|| JsError::new("the live run has not started"))?;
        to_js(&live.advance(steps as usize).map_err(err)?)
    }

    /// NMSE (dB) of every tracker at one condition: `seqs` sequences from `seed` (the CLI's
    /// tables use seeds 11, 22, 33 per table).
    pub fn nmse(&self, doppler: f64, snr_db: f64, spacing: u32, seqs: u32, seed: u32) -> Result<JsValue, JsError> {
        let pts = sweep(&self.trackers, &self.setting.ranges, &[(doppler, snr_db, spacing as usize)], seqs.clamp(1, MAX_SEQS) as usize, seed as u64).map_err(err)?;
        to_js(&pts[0])
    }

    /// Starts retraining both networks on these conditions from `seed` (`steps` per network;
    /// the shipped weights used 1500).
    pub fn train_start(&mut self, name: &str, doppler_lo: f64, doppler_hi: f64, snr_lo: f64, snr_hi: f64, spacing: u32, seed: u32, steps: u32) -> Result<(), JsError> {
        let ranges = Ranges { doppler: (doppler_lo, doppler_hi), snr_db: (snr_lo, snr_hi), spacing: spacing as usize };
        ranges.check().map_err(err)?;
        let setting = Setting::new(name, ranges, seed as u64, Some((steps as usize).clamp(1, 20_000)));
        let trainer = Trainer::new(setting.hkf.clone()).map_err(err)?;
        self.training = Some(Training { setting, trainer, hkf: None });
        Ok(())
    }

    /// Up to `n` training steps (at most 100: one call must not hold the worker for long);
    /// when both networks are done, they replace the session's (and the live run's) networks.
    pub fn train(&mut self, n: u32) -> Result<JsValue, JsError> {
        let t = self.training.as_mut().ok_or_else(|| JsError::new("training has not started"))?;
        let p = t.trainer.train((n as usize).clamp(1, 100)).map_err(err)?;
        let kind = t.trainer.config().kind;
        let mut done = false;
        if t.trainer.done() {
            if kind == Kind::Hkf {
                t.hkf = Some(t.trainer.net());
                t.trainer = Trainer::new(t.setting.lstm.clone()).map_err(err)?;
            } else {
                let t = self.training.take().expect("training");
                let hkf = t.hkf.expect("HKF trained first");
                self.trackers = Trackers { fixed: t.setting.fixed, hkf, lstm: t.trainer.net() };
                self.setting = t.setting;
                if let Some(live) = self.live.as_mut() {
                    live.set_trackers(self.trackers.clone()).map_err(err)?;
                }
                done = true;
            }
        }
        to_js(&TrainProgress { net: kind.name(), step: p.step, steps: p.steps, nmse_db: p.nmse_db, done })
    }

    /// Drops an unfinished training (the networks stay as they were).
    pub fn train_cancel(&mut self) {
        self.training = None;
    }
}
