//! `edgeplay channel`: channel tracking — every tracker's NMSE over Doppler, SNR and pilot
//! spacing, with the shipped networks of a training setting or networks trained here from
//! the seed (`--train`, `--save DIR` writes them in the shipped layout).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use edgeplay_channel::eval::{sweep, Point, Tracker, Trackers, DOPPLERS, SNRS, SPACINGS};
use edgeplay_channel::setting::{Setting, DEFAULT_SEED, PRESETS};
use edgeplay_channel::train::{Progress, Trainer};
use edgeplay_channel::{Net, Ranges};

pub struct Opts {
    pub train_doppler: Option<String>,
    pub train_snr: String,
    pub spacing: usize,
    pub snr: f64,
    pub doppler: f64,
    pub seed: u64,
    pub train: bool,
    pub steps: Option<usize>,
    pub save: Option<PathBuf>,
    pub weights: PathBuf,
    pub preset: Option<String>,
    pub seqs: usize,
    pub json: bool,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    setting: &'a Setting,
    trackers: Vec<&'static str>,
    /// "shipped" (weights loaded from disk) or "trained" (trained in this run).
    weights: &'static str,
    train_history: Vec<(&'static str, Vec<Progress>)>,
    sequences: usize,
    steps_per_sequence: usize,
    warmup: usize,
    doppler: Vec<Point>,
    snr: Vec<Point>,
    spacing: Vec<Point>,
}

fn range(s: &str, what: &str) -> Result<(f64, f64)> {
    let (a, b) = s.split_once("..").ok_or_else(|| anyhow!("{what} `{s}`: write it as A..B"))?;
    let (a, b): (f64, f64) = (a.trim().parse().with_context(|| format!("{what} `{s}`"))?, b.trim().parse().with_context(|| format!("{what} `{s}`"))?);
    if !(a <= b) {
        bail!("{what} `{s}`: the lower end comes first");
    }
    Ok((a, b))
}

pub fn run(o: Opts) -> Result<()> {
    let mut setting = match (&o.preset, &o.train_doppler) {
        (Some(p), _) => Setting::preset(p).ok_or_else(|| anyhow!("--preset {p}: the presets are {}", PRESETS.map(|p| p.0).join(", ")))?,
        (None, d) => {
            let ranges = Ranges { doppler: range(d.as_deref().unwrap_or("0.002..0.05"), "--train-doppler")?, snr_db: range(&o.train_snr, "--train-snr")?, spacing: o.spacing };
            let name = PRESETS.iter().find(|p| p.1 == ranges).map_or("custom", |p| p.0);
            Setting::new(name, ranges, o.seed, o.steps)
        }
    };
    if o.seed != DEFAULT_SEED || o.steps.is_some() {
        setting = Setting::new(&setting.name, setting.ranges, o.seed, o.steps);
    }
    setting.ranges.check().map_err(|e| anyhow!("training conditions: {e}"))?;
    let mut history = Vec::new();
    let (trackers, weights) = if o.train {
        let mut nets = Vec::new();
        for cfg in [&setting.hkf, &setting.lstm] {
            let t0 = Instant::now();
            let mut t = Trainer::new(cfg.clone())?;
            while !t.done() {
                let p = t.train(50)?;
                eprint!("\rtraining {} {}/{}: NMSE {:.2} dB, {:.0} s   ", cfg.kind.name(), p.step, p.steps, p.nmse_db, t0.elapsed().as_secs_f64());
            }
            eprintln!();
            history.push((cfg.kind.name(), t.history().to_vec()));
            nets.push(t.net());
        }
        let lstm = nets.pop().expect("two networks");
        let hkf = nets.pop().expect("two networks");
        if let Some(dir) = &o.save {
            save(dir, &setting, &hkf, &lstm)?;
        }
        (Trackers { fixed: setting.fixed, hkf, lstm }, "trained")
    } else {
        (load(&o.weights, &setting)?, "shipped")
    };

    let r = &setting.ranges;
    let sp = r.spacing;
    let t0 = Instant::now();
    let doppler = sweep(&trackers, r, &DOPPLERS.map(|d| (d, o.snr, sp)), o.seqs, 11)?;
    let snr = sweep(&trackers, r, &SNRS.map(|s| (o.doppler, s, sp)), o.seqs, 22)?;
    let spacing = sweep(&trackers, r, &SPACINGS.map(|s| (o.doppler, o.snr, s)), o.seqs, 33)?;
    let report = Report {
        setting: &setting,
        trackers: Tracker::ALL.iter().map(|t| t.label()).collect(),
        weights,
        train_history: history,
        sequences: o.seqs,
        steps_per_sequence: edgeplay_channel::eval::LEN,
        warmup: edgeplay_channel::eval::WARMUP,
        doppler,
        snr,
        spacing,
    };
    if o.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "# Channel tracking — {} networks of setting `{}`: trained on Doppler {}–{}, SNR {}–{} dB, a pilot every {} steps (seed {})",
        weights, setting.name, r.doppler.0, r.doppler.1, r.snr_db.0, r.snr_db.1, sp, setting.seed
    );
    println!(
        "fixed KF: AR(2) of Doppler {:.4} (loading {:e}); genie KF: AR(2) of the true Doppler; HKF and LSTM: {} / {} parameters",
        setting.fixed.doppler,
        setting.fixed.loading,
        trackers.hkf.parameter_count(),
        trackers.lstm.parameter_count()
    );
    println!("NMSE in dB, {} sequences × {} steps per row (first {} not scored); * = outside the training conditions", o.seqs, report.steps_per_sequence, report.warmup);
    table(&format!("vs Doppler (SNR {} dB, pilot every {sp})", o.snr), "Doppler", &report.doppler, |p| format!("{}", p.doppler));
    table(&format!("vs SNR (Doppler {}, pilot every {sp})", o.doppler), "SNR dB", &report.snr, |p| format!("{}", p.snr_db));
    table(&format!("vs pilot spacing (Doppler {}, SNR {} dB)", o.doppler, o.snr), "spacing", &report.spacing, |p| format!("{}", p.spacing));
    eprintln!("({:.1} s)", t0.elapsed().as_secs_f64());
    Ok(())
}

fn table(title: &str, col: &str, rows: &[Point], key: impl Fn(&Point) -> String) {
    println!("\n## {title}\n| {col} | {} |\n|---:|{}", Tracker::ALL.map(|t| t.label()).join(" | "), "---:|".repeat(Tracker::ALL.len()));
    for p in rows {
        let best = Tracker::ALL.iter().zip(&p.nmse_db).filter(|(t, _)| **t != Tracker::Genie).map(|(_, v)| *v).fold(f64::INFINITY, f64::min);
        let cells: Vec<String> = Tracker::ALL
            .iter()
            .zip(&p.nmse_db)
            .map(|(t, v)| if *t != Tracker::Genie && *v == best { format!("**{v:.2}**") } else { format!("{v:.2}") })
            .collect();
        println!("| {}{} | {} |", key(p), if p.seen { "" } else { " *" }, cells.join(" | "));
    }
}

/// The shipped networks of the setting with these ranges and seed, from `dir/` or `dir/<name>/`.
fn load(dir: &Path, setting: &Setting) -> Result<Trackers> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir).with_context(|| format!("{}: no shipped weights here (--weights DIR, or --train)", dir.display()))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    names.sort();
    // DIR is a setting's own folder (what --save writes) or holds one folder per setting.
    names.insert(0, dir.to_path_buf());
    for d in names {
        let Ok(text) = std::fs::read_to_string(d.join("setting.json")) else { continue };
        let s = match Setting::from_json(&text) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("skipping {}: {e}", d.display());
                continue;
            }
        };
        let same = |a: &edgeplay_channel::train::TrainConfig, b: &edgeplay_channel::train::TrainConfig| serde_json::to_value(a).ok() == serde_json::to_value(b).ok();
        if s.ranges == setting.ranges && s.seed == setting.seed && same(&s.hkf, &setting.hkf) && same(&s.lstm, &setting.lstm) {
            let read = |f: &str| std::fs::read(d.join(f)).with_context(|| format!("{}", d.join(f).display()));
            return Ok(s.trackers(&read("hkf.safetensors")?, &read("lstm.safetensors")?)?);
        }
    }
    bail!(
        "no shipped weights in {} were trained on Doppler {}..{}, SNR {}..{} dB, spacing {}, seed {}, {} steps: add --train to train them here",
        dir.display(),
        setting.ranges.doppler.0,
        setting.ranges.doppler.1,
        setting.ranges.snr_db.0,
        setting.ranges.snr_db.1,
        setting.ranges.spacing,
        setting.seed,
        setting.hkf.steps
    )
}

fn save(dir: &Path, setting: &Setting, hkf: &Net, lstm: &Net) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    hkf.save(&dir.join("hkf.safetensors"))?;
    lstm.save(&dir.join("lstm.safetensors"))?;
    std::fs::write(dir.join("setting.json"), serde_json::to_string_pretty(setting)? + "\n")?;
    eprintln!("saved {}", dir.display());
    Ok(())
}
