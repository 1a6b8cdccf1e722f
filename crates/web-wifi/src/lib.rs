//! Wi-Fi positioning for `<ep-wifi>`: a session holds one dataset (the shipped sample's path,
//! or the user's captures and tables); training runs in chunks so the worker can report
//! progress and hear "cancel" between them.

use edgeplay_wifi::compare;
use edgeplay_wifi::data::points_from_files;
use edgeplay_wifi::eval::{Metrics, Prediction};
use edgeplay_wifi::features::Inputs;
use edgeplay_wifi::wicluster::{Config, Trainer};
use edgeplay_wifi::{sim, Dataset};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use edgeplay_web::{err, to_js};

// The core calls every module exports (status, backend choice, test hooks).
pub use edgeplay_web::{runtime_status, set_backend};

/// Packets averaged per sample of a real capture (as `edgeplay wifi`).
const WINDOW: usize = 10;
/// At most this many packets are read per capture (bounded work for any upload).
const MAX_PACKETS: usize = 2000;

#[wasm_bindgen]
pub struct WifiSession {
    ds: Dataset,
    trainer: Option<Trainer>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Point<'a> {
    name: &'a str,
    zone: usize,
    test: bool,
    pos: [f32; 3],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Zone<'a> {
    name: &'a str,
    lo: [f32; 3],
    hi: [f32; 3],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary<'a> {
    name: &'a str,
    simulated: bool,
    dims: usize,
    points: Vec<Point<'a>>,
    zones: Vec<Zone<'a>>,
    ap: [f32; 3],
    ap_note: &'a str,
    notes: &'a [String],
    has_rssi: bool,
    reference_samples: usize,
    test_samples: usize,
    window: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    method: String,
    supervision: String,
    metrics: Metrics,
    prediction: Prediction,
}

#[wasm_bindgen]
impl WifiSession {
    /// Captures (`names[i]` ↔ `files[i]`, named `ref_<point>…pcap` / `test_<point>…pcap`)
    /// with location tables (`table_names[i]` ↔ `tables[i]`, CSV).
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, names: Vec<String>, files: Vec<js_sys::Uint8Array>, table_names: Vec<String>, tables: Vec<String>) -> Result<WifiSession, JsError> {
        if names.len() != files.len() || table_names.len() != tables.len() {
            return Err(JsError::new("names and files differ in number"));
        }
        let bytes: Vec<Vec<u8>> = files.iter().map(|f| f.to_vec()).collect();
        let files: Vec<(&str, &[u8])> = names.iter().map(String::as_str).zip(bytes.iter().map(Vec::as_slice)).collect();
        let tables: Vec<(&str, &str)> = table_names.iter().map(String::as_str).zip(tables.iter().map(String::as_str)).collect();
        let (points, notes) = points_from_files(&files, &tables).map_err(err)?;
        let mut ds = Dataset::from_points(name, &points, WINDOW, MAX_PACKETS).map_err(err)?;
        ds.notes.splice(0..0, notes);
        Ok(WifiSession { ds, trainer: None })
    }

    /// A simulated scene (`office` or `home`).
    pub fn simulated(scene: &str, seed: u32) -> Result<WifiSession, JsError> {
        Ok(WifiSession { ds: sim::scene(scene, seed as u64).map_err(err)?, trainer: None })
    }

    /// Points (with their ground truth, for drawing), zone boxes, access point, notes.
    pub fn summary(&self) -> Result<JsValue, JsError> {
        let ds = &self.ds;
        let points = [(&ds.train, false), (&ds.test, true)]
            .into_iter()
            .flat_map(|(s, test)| s.groups.iter().map(move |g| Point { name: &g.name, zone: g.zone, test, pos: g.pos }))
            .collect();
        to_js(&Summary {
            name: &ds.name,
            simulated: ds.simulated,
            dims: ds.dims,
            points,
            zones: ds.sketch.zones.iter().map(|z| Zone { name: &z.name, lo: z.lo, hi: z.hi }).collect(),
            ap: ds.sketch.ap,
            ap_note: &ds.sketch.ap_note,
            notes: &ds.notes,
            has_rssi: ds.has_rssi(),
            reference_samples: ds.train.samples.len(),
            test_samples: ds.test.samples.len(),
            window: ds.window,
        })
    }

    /// Starts (or restarts) training. `inputs`: "csi+rssi" or "csi"; `labelled`: packets per
    /// zone with a zone label (0 = all).
    pub fn start(&mut self, inputs: &str, seed: u32, steps: u32, labelled: u32, csi_noise: f32) -> Result<(), JsError> {
        let inputs = match inputs {
            "csi+rssi" if self.ds.has_rssi() => Inputs::CsiRssi,
            "csi+rssi" | "csi" => Inputs::Csi,
            other => return Err(JsError::new(&format!("unknown inputs `{other}`"))),
        };
        let cfg = Config {
            inputs,
            seed: seed as u64,
            steps: (steps as usize).clamp(1, 20_000),
            labelled_per_zone: if labelled == 0 { usize::MAX } else { labelled as usize },
            csi_noise: csi_noise.clamp(0.0, 5.0),
            ..Config::default()
        };
        self.trainer = Some(Trainer::new(self.ds.clone(), cfg).map_err(err)?);
        Ok(())
    }

    /// Runs up to `n` steps; returns their last losses (and `done`).
    pub fn train(&mut self, n: u32) -> Result<JsValue, JsError> {
        let t = self.trainer.as_mut().ok_or_else(|| JsError::new("training has not started"))?;
        let p = t.train((n as usize).max(1)).map_err(err)?;
        #[derive(Serialize)]
        struct P {
            #[serde(flatten)]
            p: edgeplay_wifi::wicluster::Progress,
            done: bool,
        }
        to_js(&P { p, done: t.done() })
    }

    /// Scores the network as trained so far: per test point prediction, metrics, chart.
    pub fn finish(&self) -> Result<JsValue, JsError> {
        let t = self.trainer.as_ref().ok_or_else(|| JsError::new("training has not started"))?;
        to_js(&t.finish().map_err(err)?)
    }

    /// The baselines on the given inputs ("csi+rssi" or "csi").
    pub fn baselines(&self, inputs: &str) -> Result<JsValue, JsError> {
        let ds = &self.ds;
        let inp = if inputs == "csi+rssi" && ds.has_rssi() { Inputs::CsiRssi } else { Inputs::Csi };
        let rows: Vec<Row> = compare::baselines(ds, inp)
            .into_iter()
            .chain(compare::reference_rows(ds))
            .map(|r| Row { method: r.method, supervision: r.supervision, metrics: r.metrics, prediction: r.prediction })
            .collect();
        to_js(&rows)
    }
}
