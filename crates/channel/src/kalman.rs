//! Kalman filters with an autoregressive channel model (the classical trackers).
//!
//! State `x[n] = (h[n], h[n−1], …, h[n−p+1])`, transition the AR(p) companion matrix,
//! process noise `q` on the first component, observation `y[n] = h[n] + w[n]` where there is a
//! pilot (a step without one only predicts). Real and imaginary parts are independent with
//! the same statistics, so the covariance and the gain are real and shared by both.
//!
//! The AR model of a Doppler comes from the Jakes autocorrelation by Yule–Walker (Levinson–
//! Durbin): the *genie* filter fits it to each sequence's true Doppler, the *fixed* one to
//! one Doppler chosen for the whole training range.

use crate::jakes::{autocorrelation, Batch};

/// An AR(p) model `h[n] = Σ a_i h[n−i] + v[n]`, `v ~ CN(0, q)`, with its autocorrelation at
/// lags `0..p` (the filter's prior covariance).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ArModel {
    pub a: Vec<f64>,
    pub q: f64,
    pub acf: Vec<f64>,
}

/// Relative diagonal loading of the Yule–Walker equations: the Jakes autocorrelation at low
/// Doppler is nearly singular (Baddour & Beaulieu load it the same way).
pub const LOADING: f64 = 1e-6;

impl ArModel {
    /// Yule–Walker fit of order `p` to `J0(2π f_D k)`.
    pub fn jakes(doppler: f64, p: usize) -> ArModel {
        Self::jakes_loaded(doppler, p, LOADING)
    }

    /// [`ArModel::jakes`] with another diagonal loading.
    pub fn jakes_loaded(doppler: f64, p: usize, loading: f64) -> ArModel {
        let p = p.max(1);
        let mut r: Vec<f64> = (0..=p).map(|k| autocorrelation(doppler, k as f64)).collect();
        let acf = r[..p].to_vec();
        r[0] *= 1.0 + loading;
        let (a, q) = levinson(&r);
        ArModel { a, q: q.max(1e-12), acf }
    }

    /// AR(1) with coefficient `a`: for hand-checked cases.
    pub fn ar1(a: f64, q: f64) -> ArModel {
        ArModel { a: vec![a], q, acf: vec![q / (1.0 - a * a).max(1e-12)] }
    }

    pub fn order(&self) -> usize {
        self.a.len()
    }
}

/// Levinson–Durbin: AR coefficients and prediction-error variance from autocorrelation
/// `r[0..=p]`.
fn levinson(r: &[f64]) -> (Vec<f64>, f64) {
    let p = r.len() - 1;
    let mut a = vec![0.0; p];
    let mut e = r[0];
    for k in 0..p {
        let acc = r[k + 1] - (0..k).map(|i| a[i] * r[k - i]).sum::<f64>();
        let kappa = if e > 0.0 { acc / e } else { 0.0 };
        let prev = a.clone();
        a[k] = kappa;
        for i in 0..k {
            a[i] = prev[i] - kappa * prev[k - 1 - i];
        }
        e *= 1.0 - kappa * kappa;
    }
    (a, e)
}

/// A Kalman filter over one sequence.
#[derive(Debug, Clone)]
pub struct Kalman {
    model: ArModel,
    r: f64,
    m: Vec<[f64; 2]>,
    /// Covariance, row-major p×p.
    p: Vec<f64>,
}

impl Kalman {
    /// Starts from the model's stationary prior (mean 0, Toeplitz covariance of its
    /// autocorrelation) with pilot noise variance `r`.
    pub fn new(model: ArModel, r: f64) -> Kalman {
        let n = model.order();
        let p = (0..n * n).map(|i| model.acf[(i / n).abs_diff(i % n)]).collect();
        Kalman { m: vec![[0.0; 2]; n], p, model, r }
    }

    pub fn model(&self) -> &ArModel {
        &self.model
    }

    /// Replaces the model (the covariance and mean carry over).
    pub fn set_model(&mut self, model: ArModel) {
        if model.order() == self.model.order() {
            self.model = model;
        } else {
            *self = Kalman::new(model, self.r);
        }
    }

    pub fn set_noise(&mut self, r: f64) {
        self.r = r;
    }

    /// One step: predict, then update with the pilot observation `y` if there is one.
    /// Returns the filtered estimate of `h[n]`.
    pub fn step(&mut self, y: Option<[f64; 2]>) -> [f64; 2] {
        let n = self.model.order();
        let a = &self.model.a;
        // Mean: m' = F m.
        let mut m0 = [0.0; 2];
        for (ai, mi) in a.iter().zip(&self.m) {
            m0[0] += ai * mi[0];
            m0[1] += ai * mi[1];
        }
        self.m.rotate_right(1);
        self.m[0] = m0;
        // Covariance: P' = F P Fᵀ + Q. Row 0 of F is a, row i > 0 selects component i−1.
        let p = &self.p;
        let fp = |i: usize, j: usize| -> f64 { if i == 0 { (0..n).map(|k| a[k] * p[k * n + j]).sum() } else { p[(i - 1) * n + j] } };
        let mut fpr = vec![0.0; n * n]; // F P
        for i in 0..n {
            for j in 0..n {
                fpr[i * n + j] = fp(i, j);
            }
        }
        let mut pn = vec![0.0; n * n]; // (F P) Fᵀ
        for i in 0..n {
            for j in 0..n {
                pn[i * n + j] = if j == 0 { (0..n).map(|k| fpr[i * n + k] * a[k]).sum() } else { fpr[i * n + j - 1] };
            }
        }
        pn[0] += self.model.q;
        if let Some(y) = y {
            let s = pn[0] + self.r;
            let k: Vec<f64> = (0..n).map(|i| pn[i * n] / s).collect();
            let e = [y[0] - self.m[0][0], y[1] - self.m[0][1]];
            for (mi, ki) in self.m.iter_mut().zip(&k) {
                mi[0] += ki * e[0];
                mi[1] += ki * e[1];
            }
            let row0: Vec<f64> = pn[..n].to_vec();
            for i in 0..n {
                for j in 0..n {
                    pn[i * n + j] -= k[i] * row0[j];
                }
            }
        }
        self.p = pn;
        self.m[0]
    }

    /// Prior variance of the current estimate of `h[n]` (real part; the complex error has twice it).
    pub fn variance(&self) -> f64 {
        self.p[0]
    }
}

/// Runs one filter per sequence; `model(s)` gives sequence `s`'s model.
pub fn run(batch: &Batch, model: impl Fn(usize) -> ArModel) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(batch.h.len());
    for s in 0..batch.count() {
        let mut kf = Kalman::new(model(s), batch.r[s]);
        for n in 0..batch.len {
            let obs = crate::jakes::observed(batch.spacing, n).then(|| batch.y[s * batch.len + n]);
            out.push(kf.step(obs));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AR(1), a = 0.9, q = 0.19 (unit power), r = 0.5, observations 1 then −1, worked by hand:
    /// step 1: P⁻ = 0.81·1 + 0.19 = 1, K = 1/1.5, m = 2/3, P = 1/3;
    /// step 2: m⁻ = 0.6, P⁻ = 0.81/3 + 0.19 = 0.46, K = 0.46/0.96, m = 0.6 + K(−1.6) = −0.166̅…
    #[test]
    fn ar1_by_hand() {
        let mut kf = Kalman::new(ArModel::ar1(0.9, 0.19), 0.5);
        let m1 = kf.step(Some([1.0, 0.0]));
        assert!((m1[0] - 2.0 / 3.0).abs() < 1e-12 && m1[1] == 0.0);
        assert!((kf.variance() - 1.0 / 3.0).abs() < 1e-12);
        let m2 = kf.step(Some([-1.0, 2.0]));
        let k = 0.46 / 0.96;
        assert!((m2[0] - (0.6 + k * (-1.6))).abs() < 1e-12, "{m2:?}");
        assert!((m2[1] - k * 2.0).abs() < 1e-12);
        assert!((kf.variance() - 0.46 * 0.5 / 0.96).abs() < 1e-12);
        // No pilot: prediction only.
        let m3 = kf.step(None);
        assert!((m3[0] - 0.9 * m2[0]).abs() < 1e-12);
    }

    #[test]
    fn yule_walker_matches_the_autocorrelation() {
        for &fd in &[0.003, 0.03, 0.1] {
            let m = ArModel::jakes(fd, 2);
            let r: Vec<f64> = (0..3).map(|k| autocorrelation(fd, k as f64)).collect();
            // Yule–Walker: r1 = a1 r0 + a2 r1, r2 = a1 r1 + a2 r0 (up to the loading).
            assert!((r[1] - m.a[0] * r[0] - m.a[1] * r[1]).abs() < 1e-5, "{fd}: {m:?}");
            assert!((r[2] - m.a[0] * r[1] - m.a[1] * r[0]).abs() < 1e-5, "{fd}: {m:?}");
            assert!(m.q > 0.0 && m.q < 1.0);
        }
    }
}
