//! `edgeplay nas`: DONNA-style search on the NATS-Bench table — predictor τ per feature set,
//! the searched front's mean accuracy gap, this machine's latency table, and the NASWOT
//! measurement of the whole space.

use std::path::Path;

use anyhow::{bail, Context, Result};
use edgeplay_gpu::{Backend, Runtime, Stopwatch};
use edgeplay_nas::latency::{self, Device, Lut};
use edgeplay_nas::network::{cost, NetConfig};
use edgeplay_nas::predictor::{features, tau_table, Features};
use edgeplay_nas::proxy::{naswot, ProxyConfig};
use edgeplay_nas::search::{pareto_front, random_gap, Search, SearchConfig};
use edgeplay_nas::space::{Cell, SPACE_SIZE};
use edgeplay_nas::{Bench, Dataset};
use rand::seq::index::sample;
use rand::SeedableRng;
use serde::Serialize;

/// Reads the NATS-Bench CSV export or the compact table the page ships.
pub fn load_bench(path: &Path) -> Result<Bench> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {} (--data)", path.display()))?;
    Ok(if bytes.starts_with(b"EPNATS") { Bench::from_bytes(&bytes)? } else { Bench::from_csv(&bytes)? })
}

/// The shipped NASWOT table (one f32 per cell).
pub fn load_naswot(path: &Path) -> Result<Vec<f64>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(edgeplay_nas::proxy::table_from_bytes(&bytes)?)
}

#[derive(Serialize)]
struct TauRow {
    features: &'static str,
    model: &'static str,
    samples: usize,
    kendall_tau: f64,
}

#[derive(Serialize)]
struct Report {
    dataset: &'static str,
    cost: String,
    seed: u64,
    taus: Vec<TauRow>,
    oracle: bool,
    true_accuracies_used: usize,
    mean_gap: f64,
    random_gap_same_budget: f64,
    true_front_size: usize,
    front: Vec<FrontPoint>,
    /// Per true-front point: its cost, accuracy and the gap of the judged set.
    true_front_gaps: Vec<(f64, f64, f64)>,
}

#[derive(Serialize)]
struct FrontPoint {
    arch: String,
    accuracy: f64,
    cost: f64,
}

#[allow(clippy::too_many_arguments)]
pub fn run(data: &Path, naswot_path: &Path, ds: &str, samples: usize, budget: usize, seed: u64, cost_kind: &str, oracle: bool, explore: f64, tune: (usize, usize, usize), json: bool) -> Result<()> {
    let bench = load_bench(data)?;
    let nw = load_naswot(naswot_path)?;
    let ds: Dataset = ds.parse()?;
    let (input, classes) = ds.input_and_classes();
    let net = NetConfig::nb201(input, classes);
    let acc = bench.accuracies(ds);
    let costs: Vec<f64> = match cost_kind {
        "macs" | "flops" => (0..SPACE_SIZE).map(|i| cost(&Cell::from_index(i), net, false).macs as f64).collect(),
        "params" => (0..SPACE_SIZE).map(|i| cost(&Cell::from_index(i), net, false).params as f64).collect(),
        other => bail!("--cost {other}: macs or params (latency is measured by `edgeplay nas measure`)"),
    };
    if samples > budget {
        bail!("--samples {samples} is more than --budget {budget}");
    }
    // τ of each feature set, fitted on `samples` random architectures (seeded).
    let taus: Vec<TauRow> = tau_table(&acc, net, &nw, samples, seed)
        .into_iter()
        .map(|r| TauRow { features: r.features.name(), model: r.model.name(), samples, kendall_tau: r.tau })
        .collect();
    // The search fits its predictor on all feature sets together.
    let table = std::sync::Arc::new(features(Features::All, net, Some(&nw)));
    let (population, generations, per_round) = tune;
    let cfg = SearchConfig { samples, budget, seed, explore, population, generations, per_round, ..SearchConfig::default() };
    let t = Stopwatch::start();
    let mut search = Search::new(cfg, table, acc.clone(), costs.clone(), oracle);
    search.run();
    let secs = t.ms() / 1e3;
    let all: Vec<usize> = (0..SPACE_SIZE).collect();
    let report = Report {
        dataset: ds.label(),
        cost: cost_kind.to_string(),
        seed,
        taus,
        oracle,
        true_accuracies_used: search.queried.len(),
        mean_gap: search.gap(),
        random_gap_same_budget: random_gap(search.queried.len(), &acc, &costs, seed),
        true_front_size: pareto_front(&all, &acc, &costs).len(),
        true_front_gaps: edgeplay_nas::search::front_gaps(&search.queried, &acc, &costs).into_iter().map(|(t, g)| (costs[t], acc[t], g)).collect(),
        front: search.front().iter().map(|&i| FrontPoint { arch: Cell::from_index(i).to_arch_string(), accuracy: acc[i], cost: costs[i] }).collect(),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("## {} · cost {} · seed {seed}\n", report.dataset, report.cost);
    println!("Kendall τ over all {SPACE_SIZE} architectures, predictor fitted to {samples} true accuracies:\n");
    println!("| features | ridge | forest |\n|---|---:|---:|");
    for pair in report.taus.chunks(2) {
        println!("| {} | {:.3} | {:.3} |", pair[0].features, pair[0].kendall_tau, pair[1].kendall_tau);
    }
    println!(
        "\nSearch ({}forest on all features, NSGA-II, {} rounds of {} after {samples} samples, {:.1} s): {} true accuracies used",
        if oracle { "ORACLE instead of the " } else { "" },
        (budget - samples).div_ceil(cfg.per_round),
        cfg.per_round,
        secs,
        report.true_accuracies_used
    );
    println!("mean accuracy gap {:.3} points (random sampling, same budget: {:.3}); true front has {} points", report.mean_gap, report.random_gap_same_budget, report.true_front_size);
    println!("\nfound front:\n| accuracy % | {} | architecture |\n|---:|---:|---|", report.cost);
    for p in &report.front {
        println!("| {:.2} | {} | {} |", p.accuracy, p.cost, p.arch);
    }
    Ok(())
}

/// `nas measure`: this machine's latency table and the LUT-sum check.
pub async fn measure(rt: &Runtime, ds: &str, reps: usize, check: usize, seed: u64, json: bool) -> Result<()> {
    let ds: Dataset = ds.parse()?;
    let (input, classes) = ds.input_and_classes();
    let net = NetConfig::nb201(input, classes);
    let dev = match rt.backend() {
        Backend::Cpu => Device::Cpu,
        _ => match rt.device().await {
            Ok(g) => Device::Gpu(g),
            Err(e) if rt.backend() == Backend::Auto => {
                eprintln!("no GPU ({e}); measuring the CPU");
                Device::Cpu
            }
            Err(e) => return Err(e.into()),
        },
    };
    let lut: Lut = latency::measure(&dev, net, reps, &mut |_, _| {}).await?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let cells = sample(&mut rng, SPACE_SIZE, check).into_vec();
    let v = latency::validate(&dev, &lut, &cells, reps, &mut |_, _| {}).await?;
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            device: String,
            dataset: &'a str,
            table_ms: Vec<(String, f64)>,
            check_cells: Vec<String>,
            lut_ms: &'a [f64],
            measured_ms: &'a [f64],
            kendall_tau: f64,
            spearman: f64,
        }
        let out = Out {
            device: dev.label(),
            dataset: ds.label(),
            table_ms: lut.entries.iter().map(|(p, ms)| (p.label(), *ms)).collect(),
            check_cells: v.cells.iter().map(|&c| Cell::from_index(c).to_arch_string()).collect(),
            lut_ms: &v.predicted,
            measured_ms: &v.measured,
            kendall_tau: v.kendall,
            spearman: v.spearman,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("## latency table · {} · {} network ({}×{} input), median of {reps}\n", dev.label(), ds.label(), input, input);
    println!("| piece | ms |\n|---|---:|");
    for (p, ms) in &lut.entries {
        println!("| {} | {:.4} |", p.label(), ms);
    }
    println!("\nLUT sum vs measured whole network on {check} random architectures: Kendall τ {:.3}, Spearman ρ {:.3}", v.kendall, v.spearman);
    println!("| architecture | LUT sum ms | measured ms |\n|---|---:|---:|");
    for ((c, p), m) in v.cells.iter().zip(&v.predicted).zip(&v.measured) {
        println!("| {} | {:.2} | {:.2} |", Cell::from_index(*c), p, m);
    }
    Ok(())
}

/// `--proxies OUT`: measures NASWOT for the whole space (once per isomorphism class).
pub fn proxies(data: &Path, out: &Path) -> Result<()> {
    let bench = load_bench(data)?;
    let cfg = ProxyConfig::default();
    let classes = bench.classes();
    let mut by_class: std::collections::HashMap<u16, f64> = std::collections::HashMap::new();
    let mut table = vec![0f64; SPACE_SIZE];
    let t = Stopwatch::start();
    for i in 0..SPACE_SIZE {
        let v = match by_class.get(&classes[i]) {
            Some(&v) => v,
            None => {
                let v = naswot(&Cell::from_index(i), &cfg)?;
                by_class.insert(classes[i], v);
                if by_class.len() % 500 == 0 {
                    eprintln!("{} classes measured, {:.0} s", by_class.len(), t.ms() / 1e3);
                }
                v
            }
        };
        table[i] = v;
    }
    std::fs::write(out, edgeplay_nas::proxy::table_to_bytes(&table))?;
    println!("NASWOT of {SPACE_SIZE} cells ({} isomorphism classes measured) in {:.0} s → {}", by_class.len(), t.ms() / 1e3, out.display());
    Ok(())
}
