//! The table the CLI prints and the widget shows: the WiCluster-style pipeline (CSI + RSSI,
//! and CSI only) and the baselines on one dataset.

use crate::baselines::{floor_centre, knn_fingerprint, rssi_only, zone_classifier};
use crate::data::Dataset;
use crate::eval::{score, Metrics, Prediction};
use crate::features::{Features, Inputs};
use crate::wicluster::{self, Config, Outcome, Progress};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub method: String,
    /// What the method was trained with.
    pub supervision: String,
    pub metrics: Metrics,
    #[serde(skip)]
    pub prediction: Prediction,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub dataset: String,
    pub simulated: bool,
    pub reference_points: usize,
    pub test_points: usize,
    pub zones: usize,
    pub rows: Vec<Row>,
    /// The main pipeline's outcome (CSI + RSSI when RSSI is known, else CSI).
    pub wicluster: Outcome,
}

pub const K: usize = 5;

/// Runs everything. `progress` sees the main pipeline's training (then the CSI-only run's).
pub fn compare(ds: &Dataset, cfg: &Config, progress: &mut dyn FnMut(Progress) -> bool) -> Result<Report, wicluster::Error> {
    let mut rows = Vec::new();
    let weak = "zone labels + sketch (boxes ≥ 2 m, access point)";
    let inputs: Vec<Inputs> = if ds.has_rssi() { vec![Inputs::CsiRssi, Inputs::Csi] } else { vec![Inputs::Csi] };
    let mut main = None;
    for &inp in &inputs {
        let out = wicluster::run(ds, &Config { inputs: inp, ..cfg.clone() }, progress)?;
        rows.push(Row { method: format!("WiCluster-style ({})", label(inp)), supervision: weak.into(), metrics: out.metrics, prediction: out.prediction.clone() });
        if main.is_none() {
            main = Some(out);
        }
        if !main.as_ref().is_some_and(|o| o.finished) {
            break;
        }
    }
    for &inp in &inputs {
        rows.extend(baselines(ds, inp));
    }
    rows.extend(reference_rows(ds));
    Ok(Report {
        dataset: ds.name.clone(),
        simulated: ds.simulated,
        reference_points: ds.train.groups.len(),
        test_points: ds.test.groups.len(),
        zones: ds.sketch.zones.len(),
        rows,
        wicluster: main.expect("at least one input set"),
    })
}

/// The baselines on one input set: kNN fingerprinting and zone classifier on those features,
/// the precise-coordinate and zone-label baselines of [`reference_rows`] do not use them.
pub fn baselines(ds: &Dataset, inp: Inputs) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut push = |method: String, supervision: &str, p: Prediction| rows.push(Row { method, supervision: supervision.into(), metrics: score(&ds.test.groups, &p, ds.dims), prediction: p });
    let f = Features::new(ds, inp);
    push(format!("kNN fingerprint, k={K} ({})", label(inp)), "precise coordinates (upper bound)", knn_fingerprint(ds, &f, K));
    push(format!("zone classifier k={K} + zone centre ({})", label(inp)), "zone labels + sketch", zone_classifier(ds, &f, K));
    rows
}

/// The baselines that do not depend on the input set.
pub fn reference_rows(ds: &Dataset) -> Vec<Row> {
    let mut rows = Vec::new();
    if let Some(p) = rssi_only(ds, 3) {
        rows.push(Row { method: "RSSI only, k=3".into(), supervision: "precise coordinates".into(), metrics: score(&ds.test.groups, &p, ds.dims), prediction: p });
    }
    let p = floor_centre(ds);
    rows.push(Row { method: "floor centre (no measurement)".into(), supervision: "sketch".into(), metrics: score(&ds.test.groups, &p, ds.dims), prediction: p });
    rows
}

fn label(i: Inputs) -> &'static str {
    match i {
        Inputs::Csi => "CSI",
        Inputs::CsiRssi => "CSI + RSSI",
    }
}
