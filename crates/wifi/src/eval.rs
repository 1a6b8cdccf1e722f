//! Scoring positions and zones on the test points, and turning per-sample predictions into
//! one prediction per test point.

use crate::data::{Group, Sample};

/// One method's result on the test points.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// Share of test points whose predicted zone is their zone.
    pub zone_accuracy: f32,
    /// Median and mean Euclidean position error, metres.
    pub median_m: f32,
    pub mean_m: f32,
    pub points: usize,
}

/// Per test point (group): predicted position and zone.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Prediction {
    pub pos: Vec<[f32; 3]>,
    pub zone: Vec<usize>,
}

/// Median of a non-empty slice (mean of the two middle values for even lengths); 0 for none.
pub fn median(v: &mut [f32]) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f32::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// One prediction per group from per-sample ones: the coordinate-wise median position and the
/// most frequent zone (ties: the smaller index). Groups without samples get the origin and
/// zone 0.
pub fn aggregate(samples: &[Sample], n_groups: usize, pos: &[[f32; 3]], zone: &[usize], n_zones: usize) -> Prediction {
    let mut per: Vec<Vec<usize>> = vec![Vec::new(); n_groups];
    for (i, s) in samples.iter().enumerate() {
        if s.group < n_groups {
            per[s.group].push(i);
        }
    }
    let mut out = Prediction::default();
    for idx in per {
        let mut p = [0f32; 3];
        for (d, pd) in p.iter_mut().enumerate() {
            let mut v: Vec<f32> = idx.iter().map(|&i| pos[i][d]).collect();
            *pd = median(&mut v);
        }
        let mut votes = vec![0usize; n_zones.max(1)];
        for &i in &idx {
            if let Some(v) = votes.get_mut(zone[i]) {
                *v += 1;
            }
        }
        let z = votes.iter().enumerate().fold((0, 0), |b, (i, &c)| if c > b.1 { (i, c) } else { b }).0;
        out.pos.push(p);
        out.zone.push(z);
    }
    out
}

/// Scores predictions against the groups' true zones and positions (first `dims` coordinates).
pub fn score(groups: &[Group], pred: &Prediction, dims: usize) -> Metrics {
    let n = groups.len().min(pred.pos.len()).min(pred.zone.len());
    if n == 0 {
        return Metrics { zone_accuracy: 0.0, median_m: 0.0, mean_m: 0.0, points: 0 };
    }
    let mut err: Vec<f32> = (0..n).map(|i| (0..dims).map(|d| (groups[i].pos[d] - pred.pos[i][d]).powi(2)).sum::<f32>().sqrt()).collect();
    let hits = (0..n).filter(|&i| groups[i].zone == pred.zone[i]).count();
    let mean = err.iter().sum::<f32>() / n as f32;
    Metrics { zone_accuracy: hits as f32 / n as f32, median_m: median(&mut err), mean_m: mean, points: n }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(zone: usize, x: f32, y: f32) -> Group {
        Group { name: String::new(), zone, pos: [x, y, 0.0] }
    }

    #[test]
    fn hand_made_case() {
        // errors 0, 5 (3-4-5), 1, 10 → median 3, mean 4; zones 3 of 4 right.
        let g = [group(0, 0.0, 0.0), group(1, 3.0, 4.0), group(1, 1.0, 1.0), group(2, 0.0, 0.0)];
        let p = Prediction { pos: vec![[0.0, 0.0, 9.0], [0.0, 0.0, 0.0], [1.0, 2.0, 0.0], [10.0, 0.0, 0.0]], zone: vec![0, 1, 0, 2] };
        let m = score(&g, &p, 2);
        assert_eq!(m, Metrics { zone_accuracy: 0.75, median_m: 3.0, mean_m: 4.0, points: 4 });
        // in 3-D the first point's z error counts
        assert_eq!(score(&g[..1], &p, 3).median_m, 9.0);
    }

    #[test]
    fn aggregation_takes_medians_and_votes() {
        let s = |group| Sample { csi: vec![], rssi: None, group, session: 0, t: 0.0 };
        let samples = [s(0), s(0), s(0), s(1)];
        let pos = [[0.0, 5.0, 0.0], [1.0, 6.0, 0.0], [100.0, 7.0, 0.0], [2.0, 2.0, 2.0]];
        let p = aggregate(&samples, 3, &pos, &[2, 1, 2, 0], 3);
        assert_eq!(p.pos[0], [1.0, 6.0, 0.0]);
        assert_eq!(p.zone, vec![2, 0, 0]);
        assert_eq!(p.pos[1], [2.0, 2.0, 2.0]);
    }
}
