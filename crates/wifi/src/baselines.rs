//! The baselines WiCluster is compared with, on the same features and test points:
//!
//! - **kNN fingerprinting** with the reference points' precise coordinates (supervised — the
//!   upper bound the weakly supervised pipeline does not get to use);
//! - **zone classifier + zone centre**: kNN on zone labels, the position is the zone box's
//!   centre;
//! - **RSSI only**: kNN on the points' RSSI with precise coordinates;
//! - **floor centre**: no measurement at all, the centre of the sketch.

use crate::data::Dataset;
use crate::eval::{aggregate, Prediction};
use crate::features::Features;

fn d2(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Indices of the k nearest rows of `train` to `x` (ascending distance).
pub fn knn(train: &[Vec<f32>], x: &[f32], k: usize) -> Vec<usize> {
    let mut d: Vec<(f32, usize)> = train.iter().enumerate().map(|(i, t)| (d2(t, x), i)).collect();
    let k = k.min(d.len());
    if k == 0 {
        return Vec::new();
    }
    d.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    d.truncate(k);
    d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    d.into_iter().map(|x| x.1).collect()
}

fn mean_pos(ds: &Dataset, idx: &[usize]) -> [f32; 3] {
    let mut p = [0f32; 3];
    for &i in idx {
        let g = &ds.train.groups[ds.train.samples[i].group];
        for d in 0..3 {
            p[d] += g.pos[d] / idx.len().max(1) as f32;
        }
    }
    p
}

/// Supervised kNN fingerprinting: mean precise position of the k nearest reference samples.
pub fn knn_fingerprint(ds: &Dataset, f: &Features, k: usize) -> Prediction {
    let pos: Vec<[f32; 3]> = f.test.iter().map(|x| mean_pos(ds, &knn(&f.train, x, k))).collect();
    let zone: Vec<usize> = pos.iter().map(|&p| ds.sketch.zone_at(p)).collect();
    aggregate(&ds.test.samples, ds.test.groups.len(), &pos, &zone, ds.sketch.zones.len())
}

/// kNN zone classifier; each test point is placed at its (majority) zone's box centre.
pub fn zone_classifier(ds: &Dataset, f: &Features, k: usize) -> Prediction {
    let nz = ds.sketch.zones.len();
    let zone: Vec<usize> = f
        .test
        .iter()
        .map(|x| {
            let mut votes = vec![0usize; nz];
            for i in knn(&f.train, x, k) {
                votes[ds.train.groups[ds.train.samples[i].group].zone] += 1;
            }
            votes.iter().enumerate().fold((0, 0), |b, (i, &c)| if c > b.1 { (i, c) } else { b }).0
        })
        .collect();
    let mut p = aggregate(&ds.test.samples, ds.test.groups.len(), &vec![[0.0; 3]; zone.len()], &zone, nz);
    p.pos = p.zone.iter().map(|&z| ds.sketch.zones[z].centre()).collect();
    p
}

/// kNN on RSSI alone, with precise coordinates; `None` when the data has no RSSI.
pub fn rssi_only(ds: &Dataset, k: usize) -> Option<Prediction> {
    if !ds.has_rssi() {
        return None;
    }
    let train: Vec<Vec<f32>> = ds.train.samples.iter().map(|s| vec![s.rssi.unwrap_or(0.0)]).collect();
    let pos: Vec<[f32; 3]> = ds.test.samples.iter().map(|s| mean_pos(ds, &knn(&train, &[s.rssi.unwrap_or(0.0)], k))).collect();
    let zone: Vec<usize> = pos.iter().map(|&p| ds.sketch.zone_at(p)).collect();
    Some(aggregate(&ds.test.samples, ds.test.groups.len(), &pos, &zone, ds.sketch.zones.len()))
}

/// No measurement: every test point at the centre of the sketch.
pub fn floor_centre(ds: &Dataset) -> Prediction {
    let (lo, hi) = ds.sketch.extent();
    let c = [0, 1, 2].map(|i| 0.5 * (lo[i] + hi[i]));
    let n = ds.test.groups.len();
    Prediction { pos: vec![c; n], zone: vec![ds.sketch.zone_at(c); n] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knn_orders_by_distance() {
        let t = vec![vec![0.0], vec![5.0], vec![1.0], vec![-2.0]];
        assert_eq!(knn(&t, &[0.9], 3), vec![2, 0, 3]);
        assert_eq!(knn(&t, &[0.9], 10).len(), 4);
        assert!(knn(&[], &[0.0], 3).is_empty());
    }
}
