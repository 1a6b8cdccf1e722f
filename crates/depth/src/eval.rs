//! `edgeplay depth --eval`: a model over a folder of RGB-D pairs, per group and overall.

use std::ops::RangeInclusive;
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

/// The number in a pair's name (its last run of digits: `frame-000240` → 240).
pub fn frame_number(name: &str) -> Option<u64> {
    let end = name.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = name[..end].rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
    name[start..end].parse().ok()
}

/// Evaluates `model` on every pair under `dir` (only those whose [`frame_number`] lies in
/// `frames`, when given); `progress` sees (done, total).
pub async fn eval_dir(
    model: &DepthModel,
    rt: &Runtime,
    dir: &Path,
    frames: Option<RangeInclusive<u64>>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Report, Error> {
    let mut pairs = find(dir)?;
    if let Some(r) = &frames {
        pairs.retain(|p| frame_number(&p.name).is_some_and(|n| r.contains(&n)));
    }
    if pairs.is_empty() {
        let which = frames.map_or(String::new(), |r| format!(" numbered {}..{}", r.start(), r.end()));
        return Err(Error::Io(format!("no NAME.color.png|jpg + NAME.depth.png pairs{which} under {}", dir.display())));
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

#[cfg(test)]
mod tests {
    use super::frame_number;

    #[test]
    fn frame_numbers() {
        assert_eq!(frame_number("frame-000240"), Some(240));
        assert_eq!(frame_number("nyu-fastdepth"), None);
        assert_eq!(frame_number("a12b7"), Some(7));
        assert_eq!(frame_number("7"), Some(7));
        assert_eq!(frame_number("x-99999999999999999999999"), None);
    }
}
