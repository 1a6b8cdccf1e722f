//! Architecture search for `<ep-nas>`: a session holds the NATS-Bench table and the NASWOT
//! scores; the search advances one round per call so the page can animate it; latency
//! pieces and whole networks are timed one call at a time (progress, cancel) on this device's
//! GPU (WebGPU) or CPU (wasm).

use std::collections::HashMap;
use std::sync::Arc;

use edgeplay_gpu::Exec;
use edgeplay_nas::latency::{self, Device, Lut, Piece};
use edgeplay_nas::network::{build, cost, NetConfig};
use edgeplay_nas::predictor::{features, kendall_tau, tau_table, FeatureTable, Features};
use edgeplay_nas::proxy::{naswot, table_from_bytes, ProxyConfig};
use edgeplay_nas::search::{front_gaps, pareto_front, random_gap, Search, SearchConfig};
use edgeplay_nas::space::{Cell, SPACE_SIZE};
use edgeplay_nas::{Bench, Dataset};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use edgeplay_web::{err, rt, to_js};

// The core calls every module exports (status, backend choice, test hooks).
pub use edgeplay_web::{runtime_status, set_backend};

#[wasm_bindgen]
pub struct NasSession {
    bench: Bench,
    naswot: Vec<f64>,
    tables: HashMap<Dataset, Arc<FeatureTable>>,
    search: Option<Search>,
}

fn dataset(s: &str) -> Result<Dataset, JsError> {
    s.parse().map_err(err)
}

fn net(ds: Dataset) -> NetConfig {
    let (input, classes) = ds.input_and_classes();
    NetConfig::nb201(input, classes)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Space {
    accuracy: Vec<f32>,
    macs: Vec<f64>,
    params: Vec<f64>,
    naswot: Vec<f32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CellInfo {
    index: usize,
    arch: String,
    ops: Vec<&'static str>,
    live: [bool; 6],
    accuracy: [f64; 3],
    macs: u64,
    params: u64,
    naswot: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TauRow {
    features: &'static str,
    model: &'static str,
    tau: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoundOut {
    generations: Vec<Vec<usize>>,
    added: Vec<usize>,
    queried: Vec<usize>,
    front: Vec<usize>,
    gap: f64,
    random_gap: f64,
    front_gaps: Vec<(usize, f64)>,
    done: bool,
}

#[wasm_bindgen]
impl NasSession {
    /// `table`: the compact NATS-Bench table (`www/nas/data/nats.bin`); `scores`: NASWOT of
    /// every cell (`naswot.f32`).
    #[wasm_bindgen(constructor)]
    pub fn new(table: &[u8], scores: &[u8]) -> Result<NasSession, JsError> {
        Ok(NasSession { bench: Bench::from_bytes(table).map_err(err)?, naswot: table_from_bytes(scores).map_err(err)?, tables: HashMap::new(), search: None })
    }

    fn table(&mut self, ds: Dataset) -> Arc<FeatureTable> {
        let nw = &self.naswot;
        self.tables.entry(ds).or_insert_with(|| Arc::new(features(Features::All, net(ds), Some(nw)))).clone()
    }

    /// Every cell's accuracy on `ds`, MACs, parameters and NASWOT score.
    pub fn space(&self, ds: &str) -> Result<JsValue, JsError> {
        let ds = dataset(ds)?;
        let costs: Vec<_> = (0..SPACE_SIZE).map(|i| cost(&Cell::from_index(i), net(ds), false)).collect();
        to_js(&Space {
            accuracy: self.bench.accuracies(ds).iter().map(|&v| v as f32).collect(),
            macs: costs.iter().map(|c| c.macs as f64).collect(),
            params: costs.iter().map(|c| c.params as f64).collect(),
            naswot: self.naswot.iter().map(|&v| v as f32).collect(),
        })
    }

    /// One cell's diagram data and numbers.
    pub fn cell(&self, index: usize, ds: &str) -> Result<JsValue, JsError> {
        if index >= SPACE_SIZE {
            return Err(JsError::new("no such architecture"));
        }
        let c = Cell::from_index(index);
        let k = cost(&c, net(dataset(ds)?), false);
        to_js(&CellInfo {
            index,
            arch: c.to_arch_string(),
            ops: c.0.iter().map(|o| o.short()).collect(),
            live: c.live_edges(),
            accuracy: Dataset::ALL.map(|d| self.bench.accuracy(index, d)),
            macs: k.macs,
            params: k.params,
            naswot: self.naswot[index],
        })
    }

    /// Kendall τ of every feature set × regressor fitted to `samples` random architectures
    /// ([`tau_table`], as `edgeplay nas` prints it).
    pub fn taus(&mut self, ds: &str, samples: usize, seed: u64) -> Result<JsValue, JsError> {
        let ds = dataset(ds)?;
        let rows: Vec<TauRow> = tau_table(&self.bench.accuracies(ds), net(ds), &self.naswot, samples, seed)
            .into_iter()
            .map(|r| TauRow { features: r.features.name(), model: r.model.name(), tau: r.tau })
            .collect();
        to_js(&rows)
    }

    /// Starts a search on `ds` with the given cost of every cell (MACs, parameters or a
    /// latency table's sums, from the page).
    #[allow(clippy::too_many_arguments)]
    pub fn search_start(&mut self, ds: &str, costs: Vec<f64>, samples: usize, budget: usize, seed: u64, oracle: bool) -> Result<JsValue, JsError> {
        let ds = dataset(ds)?;
        if costs.len() != SPACE_SIZE || costs.iter().any(|c| !c.is_finite()) {
            return Err(JsError::new("the cost table must hold one finite number per architecture"));
        }
        let budget = budget.clamp(2, 1000);
        let cfg = SearchConfig { samples: samples.clamp(2, budget), budget, seed, ..SearchConfig::default() };
        let table = self.table(ds);
        let s = Search::new(cfg, table, self.bench.accuracies(ds), costs, oracle);
        let out = Self::round_out(&s, Vec::new(), Vec::new());
        self.search = Some(s);
        to_js(&out)
    }

    fn round_out(s: &Search, generations: Vec<Vec<usize>>, added: Vec<usize>) -> RoundOut {
        let acc = s.accuracies();
        RoundOut {
            generations,
            added,
            queried: s.queried.clone(),
            front: s.front(),
            gap: s.gap(),
            random_gap: random_gap(s.queried.len(), acc, s.costs(), s.cfg.seed),
            front_gaps: front_gaps(&s.queried, acc, s.costs()),
            done: s.done(),
        }
    }

    /// One round: fit, NSGA-II generations, look-ups.
    pub fn search_round(&mut self) -> Result<JsValue, JsError> {
        let mut s = self.search.take().ok_or_else(|| JsError::new("no search started"))?;
        let r = if s.done() { None } else { Some(s.round()) };
        let (generations, added) = r.map(|r| (r.generations, r.added)).unwrap_or_default();
        let mut out = Self::round_out(&s, generations, added);
        out.done |= out.added.is_empty();
        self.search = Some(s);
        to_js(&out)
    }

    /// The true Pareto front of the whole table for a cost.
    pub fn true_front(&self, ds: &str, costs: Vec<f64>) -> Result<Vec<usize>, JsError> {
        let acc = self.bench.accuracies(dataset(ds)?);
        if costs.len() != SPACE_SIZE {
            return Err(JsError::new("one cost per architecture"));
        }
        Ok(pareto_front(&(0..SPACE_SIZE).collect::<Vec<_>>(), &acc, &costs))
    }

    /// Latency of every cell predicted from measured piece times (in `nas_pieces()` order).
    pub fn latency_costs(&self, ds: &str, piece_ms: Vec<f64>) -> Result<Vec<f64>, JsError> {
        let pieces = Piece::all();
        if piece_ms.len() != pieces.len() || piece_ms.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(JsError::new("one non-negative time per piece"));
        }
        let lut = Lut { cfg: net(dataset(ds)?), entries: pieces.into_iter().zip(piece_ms).collect() };
        Ok((0..SPACE_SIZE).map(|i| lut.predict(&Cell::from_index(i))).collect())
    }
}

/// Names of the latency table's pieces, in measuring order.
#[wasm_bindgen]
pub fn nas_pieces() -> Vec<String> {
    Piece::all().iter().map(|p| p.label()).collect()
}

async fn device(which: &str) -> Result<Device, JsError> {
    match which {
        "cpu" => Ok(Device::Cpu),
        "gpu" => match rt().exec().await.map_err(err)? {
            Exec::Gpu(g) => Ok(Device::Gpu(g)),
            Exec::Cpu => Err(JsError::new("no WebGPU device here (or CPU only is ticked)")),
        },
        other => Err(JsError::new(&format!("unknown device '{other}'"))),
    }
}

/// Times piece `k` of the latency table on `which` ("gpu" or "cpu"): median ms of `reps`.
#[wasm_bindgen]
pub async fn nas_measure_piece(k: usize, which: String, ds: String, reps: usize) -> Result<f64, JsError> {
    let p = *Piece::all().get(k).ok_or_else(|| JsError::new("no such piece"))?;
    let dev = device(&which).await?;
    let (g, shape) = p.graph(net(dataset(&ds)?));
    latency::time_graph(&dev, &g, shape, reps.clamp(1, 50)).await.map_err(err)
}

/// Times the whole network of cell `index` (to check the table's sums).
#[wasm_bindgen]
pub async fn nas_time_network(index: usize, which: String, ds: String, reps: usize) -> Result<f64, JsError> {
    if index >= SPACE_SIZE {
        return Err(JsError::new("no such architecture"));
    }
    let dev = device(&which).await?;
    let cfg = net(dataset(&ds)?);
    let g = build(&Cell::from_index(index), cfg, 1);
    latency::time_graph(&dev, &g, [3, cfg.input, cfg.input], reps.clamp(1, 50)).await.map_err(err)
}

/// Measures NASWOT of cell `index` here (wasm CPU interpreter), to compare with the shipped
/// score.
#[wasm_bindgen]
pub fn nas_naswot(index: usize) -> Result<f64, JsError> {
    if index >= SPACE_SIZE {
        return Err(JsError::new("no such architecture"));
    }
    let v = naswot(&Cell::from_index(index), &ProxyConfig::default()).map_err(err)?;
    Ok(v as f32 as f64)
}

/// Rank correlations (Kendall τ, Spearman ρ) between two lists.
#[wasm_bindgen]
pub fn nas_rank_correlation(a: Vec<f64>, b: Vec<f64>) -> Result<Vec<f64>, JsError> {
    if a.len() != b.len() || a.len() < 2 {
        return Err(JsError::new("two lists of the same length (≥ 2)"));
    }
    Ok(vec![kendall_tau(&a, &b), latency::spearman(&a, &b)])
}
