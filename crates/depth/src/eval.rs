//! `edgeplay depth --eval`: a model over a folder of RGB-D pairs, per group and overall.

use std::path::Path;

use edgeplay_gpu::Runtime;
use serde::Serialize;

use crate::metrics::{evaluate, gt_from_mm, mean, ImageScores, Scores};
use crate::pairs::{find, read_depth_mm};
use crate::{DepthModel, Error};

#[derive(Clone, Debug, Serialize)]
pub struct GroupReport {
    pub group: String,
    pub images: usize,
    pub metric: Scores,
    pub median_scaled: Scores,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub model: String,
    pub groups: Vec<GroupReport>,
    pub overall: GroupReport,
    /// Where the network ran ("gpu" / "cpu"), from the first image.
    pub path: String,
}

/// Evaluates `model` on every pair under `dir`; `progress` sees (done, total).
pub async fn eval_dir(model: &DepthModel, rt: &Runtime, dir: &Path, progress: &mut dyn FnMut(usize, usize)) -> Result<Report, Error> {
    let pairs = find(dir)?;
    if pairs.is_empty() {
        return Err(Error::Io(format!("no NAME.color.png|jpg + NAME.depth.png pairs under {}", dir.display())));
    }
    let mut scored: Vec<(String, ImageScores)> = Vec::new();
    let mut path = String::new();
    for (i, p) in pairs.iter().enumerate() {
        let img = image::open(&p.color).map_err(|e| Error::Io(format!("{}: {e}", p.color.display())))?.into_rgb8();
        let (mm, gw, gh) = read_depth_mm(&p.depth)?;
        if (gw, gh) != img.dimensions() {
            return Err(Error::Io(format!("{}: depth {gw}x{gh} vs colour {}x{}", p.name, img.width(), img.height())));
        }
        let ran = model.predict(rt, img.as_raw(), 3, gw as usize, gh as usize).await?;
        if path.is_empty() {
            path = ran.path.as_str().into();
        }
        let mut pred = ran.value.values;
        if model.spec.output == crate::Output::Relative {
            // Inverse depth → depth up to scale; median scaling then fixes the scale.
            pred.iter_mut().for_each(|v| *v = if *v > 0.0 { 1.0 / *v } else { f32::NAN });
        }
        if let Some(s) = evaluate(&pred, &gt_from_mm(&mm)) {
            scored.push((p.group.clone(), s));
        }
        progress(i + 1, pairs.len());
    }
    let report = |group: &str, items: Vec<&ImageScores>| {
        let n = items.len();
        let (metric, median_scaled) = mean(items).unwrap_or_default();
        GroupReport { group: group.into(), images: n, metric, median_scaled }
    };
    let mut names: Vec<&str> = scored.iter().map(|(g, _)| g.as_str()).collect();
    names.dedup();
    let groups = names.iter().map(|g| report(g, scored.iter().filter(|(x, _)| x == g).map(|(_, s)| s).collect())).collect();
    let overall = report("all", scored.iter().map(|(_, s)| s).collect());
    Ok(Report { model: model.name.clone(), groups, overall, path })
}
