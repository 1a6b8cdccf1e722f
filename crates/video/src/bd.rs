//! Bjøntegaard delta rate (G. Bjøntegaard, VCEG-M33, 2001): fit log(rate) as a cubic in
//! PSNR for each curve (lower degree with fewer than four points), integrate both over the
//! PSNR range they share, and turn the mean log difference into a percentage. Negative means
//! the test curve needs fewer bits than the anchor for the same quality.

/// `(rate, psnr)` points of two curves; `None` when they share no PSNR range or a curve has
/// fewer than two points or a non-positive rate.
pub fn bd_rate(anchor: &[(f64, f64)], test: &[(f64, f64)]) -> Option<f64> {
    let fit_a = fit(anchor)?;
    let fit_t = fit(test)?;
    let range = |c: &[(f64, f64)]| c.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let (la, ha) = range(anchor);
    let (lt, ht) = range(test);
    let (lo, hi) = (la.max(lt), ha.min(ht));
    if !(hi > lo) {
        return None;
    }
    let avg = (integral(&fit_t, lo, hi) - integral(&fit_a, lo, hi)) / (hi - lo);
    Some((avg.exp() - 1.0) * 100.0)
}

/// Polynomial coefficients (ascending powers) of ln(rate) against PSNR, least squares.
fn fit(c: &[(f64, f64)]) -> Option<Vec<f64>> {
    if c.len() < 2 || c.iter().any(|p| !(p.0 > 0.0) || !p.1.is_finite()) {
        return None;
    }
    let deg = (c.len() - 1).min(3);
    let n = deg + 1;
    // Normal equations.
    let mut m = vec![vec![0.0f64; n + 1]; n];
    for &(r, q) in c {
        let y = r.ln();
        for i in 0..n {
            for j in 0..n {
                m[i][j] += q.powi((i + j) as i32);
            }
            m[i][n] += y * q.powi(i as i32);
        }
    }
    for col in 0..n {
        let piv = (col..n).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        m.swap(col, piv);
        if m[col][col].abs() < 1e-300 {
            return None;
        }
        for row in 0..n {
            if row != col {
                let f = m[row][col] / m[col][col];
                for k in col..=n {
                    m[row][k] -= f * m[col][k];
                }
            }
        }
    }
    Some((0..n).map(|i| m[i][n] / m[i][i]).collect())
}

fn integral(p: &[f64], lo: f64, hi: f64) -> f64 {
    let prim = |x: f64| p.iter().enumerate().map(|(i, c)| c * x.powi(i as i32 + 1) / (i as f64 + 1.0)).sum::<f64>();
    prim(hi) - prim(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_curve_at_half_the_rate_is_minus_50_percent() {
        let anchor: Vec<(f64, f64)> = [0.1, 0.2, 0.4, 0.8, 1.6].iter().map(|&r: &f64| (r, 30.0 + 6.0 * (r / 0.1).log2())).collect();
        let test: Vec<(f64, f64)> = anchor.iter().map(|&(r, q)| (r / 2.0, q)).collect();
        let d = bd_rate(&anchor, &test).unwrap();
        assert!((d + 50.0).abs() < 1e-6, "{d}");
        assert!((bd_rate(&test, &anchor).unwrap() - 100.0).abs() < 1e-6);
        assert!(bd_rate(&anchor, &anchor).unwrap().abs() < 1e-9);
        // No overlap, too few points.
        let far: Vec<(f64, f64)> = anchor.iter().map(|&(r, q)| (r, q + 100.0)).collect();
        assert_eq!(bd_rate(&anchor, &far), None);
        assert_eq!(bd_rate(&anchor[..1], &test), None);
    }
}
