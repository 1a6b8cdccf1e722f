//! `edgeplay wifi`: the real-data (or simulated) positioning table.

use std::path::Path;

use anyhow::{bail, Result};
use edgeplay_wifi::compare::{compare, Report};
use edgeplay_wifi::wicluster::Config;
use edgeplay_wifi::{csu, Dataset};

/// Packets averaged per sample for the real captures.
pub const WINDOW: usize = 10;

pub fn run(data: &Path, path: Option<u32>, sim: Option<&str>, seed: u64, labelled: Option<usize>, steps: usize, csi_noise: f32, json: bool) -> Result<()> {
    let cfg = Config { seed, steps, csi_noise, labelled_per_zone: labelled.unwrap_or(usize::MAX), ..Config::default() };
    let mut sets: Vec<Dataset> = Vec::new();
    if let Some(scene) = sim {
        sets.push(edgeplay_wifi::sim::scene(scene, seed)?);
    } else {
        let paths: Vec<u32> = match path {
            Some(p) if (1..=5).contains(&p) => vec![p],
            Some(p) => bail!("--path {p}: the dataset has paths 1–5"),
            None => (1..=5).collect(),
        };
        for p in paths {
            let points = csu::load(data, p)?;
            sets.push(Dataset::from_points(&format!("CSUIndoorLoc path {p}"), &points, WINDOW, usize::MAX)?);
        }
    }
    let mut reports = Vec::new();
    for ds in &sets {
        let t = std::time::Instant::now();
        let r = compare(ds, &cfg, &mut |_| true)?;
        if !json {
            print_report(&r, ds, t.elapsed().as_secs_f32());
        }
        reports.push(r);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else if reports.len() > 1 {
        print_mean(&reports);
    }
    Ok(())
}

fn print_report(r: &Report, ds: &Dataset, secs: f32) {
    let tag = if r.simulated { " — SIMULATED" } else { "" };
    println!("\n## {}{tag}: {} reference / {} test points, {} zones ({:.1} s)", r.dataset, r.reference_points, r.test_points, r.zones, secs);
    println!("sketch: zone boxes ≥ 2 m; access point at {}", ds.sketch.ap_note);
    for n in &ds.notes {
        println!("note: {n}");
    }
    println!("| method | trained with | zone acc. | median m | mean m |\n|---|---|---:|---:|---:|");
    for row in &r.rows {
        println!("| {} | {} | {:.1} % | {:.2} | {:.2} |", row.method, row.supervision, 100.0 * row.metrics.zone_accuracy, row.metrics.median_m, row.metrics.mean_m);
    }
    println!("WiCluster chart: k-means purity on test samples {:.1} %, {} labelled samples", 100.0 * r.wicluster.cluster_purity, r.wicluster.labelled_samples);
}

/// Point-weighted means over paths.
fn print_mean(reports: &[Report]) {
    println!("\n## all paths (test-point-weighted mean of per-path zone accuracy, median and mean error)");
    println!("| method | zone acc. | median m | mean m |\n|---|---:|---:|---:|");
    for (i, row) in reports[0].rows.iter().enumerate() {
        let (mut n, mut z, mut med, mut mean) = (0.0, 0.0, 0.0, 0.0);
        for r in reports {
            if let Some(x) = r.rows.get(i).filter(|x| x.method == row.method) {
                let w = x.metrics.points as f32;
                n += w;
                z += w * x.metrics.zone_accuracy;
                med += w * x.metrics.median_m;
                mean += w * x.metrics.mean_m;
            }
        }
        if n > 0.0 {
            println!("| {} | {:.1} % | {:.2} | {:.2} |", row.method, 100.0 * z / n, med / n, mean / n);
        }
    }
}
