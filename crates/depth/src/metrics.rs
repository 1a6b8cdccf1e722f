//! Depth accuracy on the valid pixels of a ground-truth map: AbsRel, RMSE and δ1 (the share of
//! pixels whose ratio max(pred/gt, gt/pred) is below 1.25), metric and after per-image
//! median scaling (the usual protocol for networks without metric scale). A set's numbers
//! are the means of the per-image numbers.

use serde::Serialize;

/// One image's (or the mean over a set's) accuracy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Scores {
    pub abs_rel: f64,
    pub rmse: f64,
    pub delta1: f64,
}

/// Metric and median-scaled scores of one image, with its valid-pixel count.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ImageScores {
    pub metric: Scores,
    pub median_scaled: Scores,
    /// pred ← pred · median(gt) / median(pred).
    pub scale: f64,
    pub valid: usize,
}

fn scores(pred: &[f32], gt: &[f32], valid: &[usize], scale: f64) -> Scores {
    let (mut rel, mut sq, mut d1) = (0f64, 0f64, 0usize);
    for &i in valid {
        let (p, g) = (pred[i] as f64 * scale, gt[i] as f64);
        rel += (p - g).abs() / g;
        sq += (p - g) * (p - g);
        let ratio = if p > 0.0 { (p / g).max(g / p) } else { f64::INFINITY };
        d1 += usize::from(ratio < 1.25);
    }
    let n = valid.len() as f64;
    Scores { abs_rel: rel / n, rmse: (sq / n).sqrt(), delta1: d1 as f64 / n }
}

fn median(mut v: Vec<f32>) -> f64 {
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
    let m = *m as f64;
    if v.len() % 2 == 0 {
        let lo = v[..mid].iter().copied().fold(f32::MIN, f32::max) as f64;
        (lo + m) / 2.0
    } else {
        m
    }
}

/// Scores of `pred` against `gt` (both metres, same size); a ground-truth value is valid when
/// it is finite and positive. `None` when no pixel is valid.
pub fn evaluate(pred: &[f32], gt: &[f32]) -> Option<ImageScores> {
    assert_eq!(pred.len(), gt.len(), "prediction and ground truth differ in size");
    let valid: Vec<usize> = (0..gt.len()).filter(|&i| gt[i].is_finite() && gt[i] > 0.0 && pred[i].is_finite()).collect();
    if valid.is_empty() {
        return None;
    }
    let pm = median(valid.iter().map(|&i| pred[i]).collect());
    let gm = median(valid.iter().map(|&i| gt[i]).collect());
    let scale = if pm > 0.0 { gm / pm } else { 1.0 };
    Some(ImageScores { metric: scores(pred, gt, &valid, 1.0), median_scaled: scores(pred, gt, &valid, scale), scale, valid: valid.len() })
}

/// Millimetre ground truth (uint16; 0 and 65535 mean no measurement) → metres, NaN where
/// invalid.
pub fn gt_from_mm(mm: &[u16]) -> Vec<f32> {
    mm.iter().map(|&v| if v == 0 || v == u16::MAX { f32::NAN } else { v as f32 / 1000.0 }).collect()
}

/// Means of per-image scores.
pub fn mean<'a>(items: impl IntoIterator<Item = &'a ImageScores>) -> Option<(Scores, Scores)> {
    let (mut m, mut s, mut n) = (Scores::default(), Scores::default(), 0usize);
    for it in items {
        for (acc, v) in [(&mut m, it.metric), (&mut s, it.median_scaled)] {
            acc.abs_rel += v.abs_rel;
            acc.rmse += v.rmse;
            acc.delta1 += v.delta1;
        }
        n += 1;
    }
    if n == 0 {
        return None;
    }
    for acc in [&mut m, &mut s] {
        acc.abs_rel /= n as f64;
        acc.rmse /= n as f64;
        acc.delta1 /= n as f64;
    }
    Some((m, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_made_case() {
        // gt 1, 2, 4 m and one invalid pixel; pred 1.1, 2.0, 2.0 (and anything on the invalid).
        let gt = gt_from_mm(&[1000, 2000, 4000, 0]);
        let pred = [1.1, 2.0, 2.0, 9.0];
        let s = evaluate(&pred, &gt).unwrap();
        assert_eq!(s.valid, 3);
        let abs_rel = (0.1 / 1.0 + 0.0 + 2.0 / 4.0) / 3.0;
        let rmse = ((0.01 + 0.0 + 4.0) / 3.0f64).sqrt();
        assert!((s.metric.abs_rel - abs_rel).abs() < 1e-6, "{s:?}");
        assert!((s.metric.rmse - rmse).abs() < 1e-6);
        // ratios 1.1, 1, 2 → two of three below 1.25.
        assert!((s.metric.delta1 - 2.0 / 3.0).abs() < 1e-12);
        // medians: gt 2, pred 2 → scale 1, same scores.
        assert!((s.scale - 1.0).abs() < 1e-6);
        assert_eq!(s.metric, s.median_scaled);
    }

    #[test]
    fn median_scaling_removes_a_global_scale() {
        let gt: Vec<f32> = (1..=100).map(|v| v as f32 / 10.0).collect();
        let pred: Vec<f32> = gt.iter().map(|v| v * 0.5).collect();
        let s = evaluate(&pred, &gt).unwrap();
        assert!((s.metric.abs_rel - 0.5).abs() < 1e-6);
        assert_eq!(s.metric.delta1, 0.0);
        assert!(s.median_scaled.abs_rel < 1e-6 && s.median_scaled.delta1 == 1.0);
        assert!((s.scale - 2.0).abs() < 1e-6);
    }

    #[test]
    fn no_valid_pixel() {
        assert!(evaluate(&[1.0, 2.0], &gt_from_mm(&[0, 65535])).is_none());
    }

    #[test]
    fn mean_of_two_images() {
        let a = evaluate(&[1.0], &[1.0]).unwrap();
        let b = evaluate(&[2.0], &[1.0]).unwrap();
        let (m, _) = mean([&a, &b]).unwrap();
        assert!((m.abs_rel - 0.5).abs() < 1e-12 && (m.delta1 - 0.5).abs() < 1e-12);
    }
}
