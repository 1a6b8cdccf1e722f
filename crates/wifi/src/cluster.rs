//! k-means, cluster purity and a 2-D PCA projection — the small numerical tools the pipeline
//! and the widget's embedding view use.

pub struct KMeans {
    pub centres: Vec<Vec<f32>>,
    pub assignment: Vec<usize>,
}

fn d2(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Index of the nearest centre.
pub fn nearest(centres: &[Vec<f32>], x: &[f32]) -> usize {
    let mut best = (f32::INFINITY, 0);
    for (i, c) in centres.iter().enumerate() {
        let d = d2(c, x);
        if d < best.0 {
            best = (d, i);
        }
    }
    best.1
}

/// Lloyd's k-means with deterministic farthest-point initialisation from point `first`
/// (mod n). `k` is clamped to the number of points; empty input gives no centres.
pub fn kmeans(points: &[Vec<f32>], k: usize, iters: usize, first: usize) -> KMeans {
    let n = points.len();
    if n == 0 || k == 0 {
        return KMeans { centres: Vec::new(), assignment: vec![0; n] };
    }
    let k = k.min(n);
    let mut centres = vec![points[first % n].clone()];
    let mut dmin: Vec<f32> = points.iter().map(|p| d2(p, &centres[0])).collect();
    while centres.len() < k {
        let (i, _) = dmin.iter().enumerate().fold((0, -1.0f32), |b, (i, &d)| if d > b.1 { (i, d) } else { b });
        centres.push(points[i].clone());
        for (j, p) in points.iter().enumerate() {
            dmin[j] = dmin[j].min(d2(p, &centres[centres.len() - 1]));
        }
    }
    let mut assignment = vec![0; n];
    for _ in 0..iters.max(1) {
        let mut changed = false;
        for (j, p) in points.iter().enumerate() {
            let a = nearest(&centres, p);
            changed |= a != assignment[j];
            assignment[j] = a;
        }
        let dim = points[0].len();
        let mut sum = vec![vec![0f32; dim]; k];
        let mut count = vec![0usize; k];
        for (p, &a) in points.iter().zip(&assignment) {
            count[a] += 1;
            for (s, v) in sum[a].iter_mut().zip(p) {
                *s += v;
            }
        }
        for c in 0..k {
            if count[c] > 0 {
                centres[c] = sum[c].iter().map(|s| s / count[c] as f32).collect();
            }
        }
        if !changed {
            break;
        }
    }
    KMeans { centres, assignment }
}

/// Purity: the share of points whose cluster's majority label is their own label.
pub fn purity(clusters: &[usize], labels: &[usize]) -> f32 {
    if clusters.is_empty() {
        return 0.0;
    }
    let mut pairs: Vec<(usize, usize)> = clusters.iter().copied().zip(labels.iter().copied()).collect();
    pairs.sort_unstable();
    let mut total = 0;
    let mut i = 0;
    while i < pairs.len() {
        let c = pairs[i].0;
        let mut best = 0;
        while i < pairs.len() && pairs[i].0 == c {
            let l = pairs[i].1;
            let mut run = 0;
            while i < pairs.len() && pairs[i] == (c, l) {
                run += 1;
                i += 1;
            }
            best = best.max(run);
        }
        total += best;
    }
    total as f32 / clusters.len() as f32
}

/// Projects points onto their first two principal axes (power iteration with deflation).
pub fn pca2(points: &[Vec<f32>]) -> Vec<[f32; 2]> {
    let n = points.len();
    if n == 0 {
        return Vec::new();
    }
    let dim = points[0].len();
    let mean: Vec<f32> = (0..dim).map(|j| points.iter().map(|p| p[j]).sum::<f32>() / n as f32).collect();
    let x: Vec<Vec<f32>> = points.iter().map(|p| p.iter().zip(&mean).map(|(a, m)| a - m).collect()).collect();
    let mut cov = vec![vec![0f64; dim]; dim];
    for p in &x {
        for a in 0..dim {
            for b in 0..dim {
                cov[a][b] += (p[a] * p[b]) as f64;
            }
        }
    }
    let mut axes: Vec<Vec<f64>> = Vec::new();
    for _ in 0..2.min(dim) {
        let mut v: Vec<f64> = (0..dim).map(|i| 1.0 + i as f64 * 0.1).collect();
        for _ in 0..200 {
            let mut w: Vec<f64> = (0..dim).map(|a| (0..dim).map(|b| cov[a][b] * v[b]).sum()).collect();
            for ax in &axes {
                let d: f64 = w.iter().zip(ax).map(|(a, b)| a * b).sum();
                for (wi, ai) in w.iter_mut().zip(ax) {
                    *wi -= d * ai;
                }
            }
            let norm = w.iter().map(|a| a * a).sum::<f64>().sqrt();
            if norm < 1e-12 {
                break;
            }
            v = w.iter().map(|a| a / norm).collect();
        }
        axes.push(v);
    }
    x.iter()
        .map(|p| {
            let proj = |ax: Option<&Vec<f64>>| ax.map_or(0.0, |ax| p.iter().zip(ax).map(|(a, b)| *a as f64 * b).sum::<f64>() as f32);
            [proj(axes.first()), proj(axes.get(1))]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kmeans_finds_two_blobs() {
        let pts: Vec<Vec<f32>> = [[0.0, 0.0], [0.1, 0.0], [0.0, 0.2], [5.0, 5.0], [5.1, 5.0], [5.0, 4.9]].iter().map(|p| p.to_vec()).collect();
        let km = kmeans(&pts, 2, 10, 0);
        assert_eq!(km.assignment[0], km.assignment[1]);
        assert_eq!(km.assignment[3], km.assignment[5]);
        assert_ne!(km.assignment[0], km.assignment[3]);
        assert_eq!(purity(&km.assignment, &[0, 0, 0, 1, 1, 1]), 1.0);
        assert_eq!(purity(&[0, 0, 0, 0], &[1, 1, 2, 3]), 0.5);
    }

    #[test]
    fn pca_picks_the_long_axis() {
        let pts: Vec<Vec<f32>> = (0..20).map(|i| vec![i as f32, 0.1 * (i % 2) as f32, 0.0]).collect();
        let p = pca2(&pts);
        let spread0 = p.iter().map(|q| q[0].abs()).fold(0f32, f32::max);
        let spread1 = p.iter().map(|q| q[1].abs()).fold(0f32, f32::max);
        assert!(spread0 > 9.0 && spread1 < 0.1, "{spread0} {spread1}");
    }
}
