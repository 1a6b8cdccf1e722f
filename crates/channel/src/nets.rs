//! The learned trackers, in candle (f64 on the CPU, natively and in wasm):
//!
//! - **HKF** (hypernetwork Kalman filter, after Pratik et al., Globecom 2021): a Kalman filter
//!   with an AR(2) channel model whose parameters — the two AR coefficients and the process
//!   noise — are produced at every step by a GRU (the hypernetwork) that has seen the pilot
//!   observations and the filter's normalised innovations so far. The coefficients pass
//!   through reflection coefficients (`a2 = tanh u0`, `a1 = tanh u1 · (1 − a2)`), so every
//!   model it can output is stable; `q = exp u2`. A linear *neural augmentation* of the GRU
//!   state adds a correction to the filter's output (zero at the start of training). The
//!   pilot noise variance is known to the filter, as to the classical ones. Trained end to
//!   end through the filter's recursion.
//! - **LSTM**: an LSTM over the pilots (value, a pilot flag, log noise variance) with a
//!   linear read-out of the channel — the purely learned tracker.
//!
//! Parameters are plain named tensors (safetensors files on disk); initialisation is our
//! own, from the seed, so training is reproducible.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor, Var};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::jakes::{observed, Batch};
use crate::kalman::ArModel;

pub const DT: DType = DType::F64;
/// Largest hidden size a weights file may declare.
pub const MAX_HIDDEN: usize = 256;
const HKF_FEATURES: usize = 10;
const LSTM_FEATURES: usize = 4;
/// The Doppler whose AR(2) fit is HKF's starting point (its output bias).
pub const HKF_INIT_DOPPLER: f64 = 0.01;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Hkf,
    Lstm,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Hkf => "hkf",
            Kind::Lstm => "lstm",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("tensor: {0}")]
    Tensor(#[from] candle_core::Error),
    #[error("weights: {0}")]
    Weights(String),
}

enum Init {
    Uniform(f64),
    Zeros,
    Values(Vec<f64>),
}

/// Name, shape and initialisation of every parameter, in a fixed order.
fn spec(kind: Kind, hidden: usize) -> Vec<(&'static str, Vec<usize>, Init)> {
    let h = hidden;
    let u = 1.0 / (h as f64).sqrt();
    match kind {
        Kind::Hkf => {
            let m = ArModel::jakes(HKF_INIT_DOPPLER, 2);
            let a2 = m.a[1];
            let k1 = m.a[0] / (1.0 - a2);
            vec![
                ("gru.wi", vec![HKF_FEATURES, 3 * h], Init::Uniform(u)),
                ("gru.wh", vec![h, 3 * h], Init::Uniform(u)),
                ("gru.bi", vec![3 * h], Init::Uniform(u)),
                ("gru.bh", vec![3 * h], Init::Uniform(u)),
                ("head.w", vec![h, 3], Init::Uniform(0.1)),
                ("head.b", vec![3], Init::Values(vec![a2.clamp(-0.999, 0.999).atanh(), k1.clamp(-0.999, 0.999).atanh(), m.q.ln()])),
                ("na.w", vec![h, 2], Init::Zeros),
                ("na.b", vec![2], Init::Zeros),
            ]
        }
        Kind::Lstm => {
            let mut b = vec![0.0; 4 * h];
            b[h..2 * h].fill(1.0); // forget gate
            vec![
                ("lstm.wi", vec![LSTM_FEATURES, 4 * h], Init::Uniform(u)),
                ("lstm.wh", vec![h, 4 * h], Init::Uniform(u)),
                ("lstm.b", vec![4 * h], Init::Values(b)),
                ("out.w", vec![h, 2], Init::Uniform(u)),
                ("out.b", vec![2], Init::Zeros),
            ]
        }
    }
}

/// A network's parameters: plain tensors (inference) or the tensors of `Var`s (training).
#[derive(Clone)]
pub struct Net {
    pub kind: Kind,
    pub hidden: usize,
    t: HashMap<&'static str, Tensor>,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net").field("kind", &self.kind).field("hidden", &self.hidden).field("parameters", &self.parameter_count()).finish()
    }
}

impl Net {
    /// Fresh parameters from `seed`, as trainable variables (in `spec` order).
    pub fn init(kind: Kind, hidden: usize, seed: u64) -> Result<(Net, Vec<Var>), NetError> {
        let dev = Device::Cpu;
        let mut rng = StdRng::seed_from_u64(seed);
        let mut t = HashMap::new();
        let mut vars = Vec::new();
        for (name, shape, init) in spec(kind, hidden) {
            let n: usize = shape.iter().product();
            let v: Vec<f64> = match init {
                Init::Uniform(b) => (0..n).map(|_| rng.random_range(-b..b)).collect(),
                Init::Zeros => vec![0.0; n],
                Init::Values(v) => v,
            };
            let var = Var::from_tensor(&Tensor::from_vec(v, shape, &dev)?)?;
            t.insert(name, var.as_tensor().clone());
            vars.push(var);
        }
        Ok((Net { kind, hidden, t }, vars))
    }

    /// Parameters from a safetensors file's bytes (untrusted: names, shapes and values are
    /// checked; the kind and hidden size follow from the names and shapes).
    pub fn from_safetensors(bytes: &[u8]) -> Result<Net, NetError> {
        let map = candle_core::safetensors::load_buffer(bytes, &Device::Cpu).map_err(|e| NetError::Weights(format!("not a safetensors file ({e})")))?;
        let kind = if map.contains_key("gru.wi") { Kind::Hkf } else if map.contains_key("lstm.wi") { Kind::Lstm } else { return Err(NetError::Weights("neither an HKF nor an LSTM".into())) };
        let wh = map.get(if kind == Kind::Hkf { "gru.wh" } else { "lstm.wh" }).ok_or_else(|| NetError::Weights("hidden weights missing".into()))?;
        let hidden = wh.dims().first().copied().unwrap_or(0);
        if hidden == 0 || hidden > MAX_HIDDEN {
            return Err(NetError::Weights(format!("hidden size {hidden} outside 1–{MAX_HIDDEN}")));
        }
        let mut t = HashMap::new();
        for (name, shape, _) in spec(kind, hidden) {
            let x = map.get(name).ok_or_else(|| NetError::Weights(format!("`{name}` missing")))?;
            if x.dims() != shape.as_slice() {
                return Err(NetError::Weights(format!("`{name}` has shape {:?}, expected {shape:?}", x.dims())));
            }
            let x = x.to_dtype(DT)?;
            if x.flatten_all()?.to_vec1::<f64>()?.iter().any(|v| !v.is_finite()) {
                return Err(NetError::Weights(format!("`{name}` holds a non-finite value")));
            }
            t.insert(name, x);
        }
        Ok(Net { kind, hidden, t })
    }

    /// The parameters as named tensors (for a safetensors file).
    pub fn tensors(&self) -> HashMap<String, Tensor> {
        self.t.iter().map(|(k, v)| (k.to_string(), v.detach())).collect()
    }

    /// Writes a safetensors file (f64, as trained: loading it gives the very same network).
    pub fn save(&self, path: &std::path::Path) -> Result<(), NetError> {
        Ok(candle_core::safetensors::save(&self.tensors(), path)?)
    }

    /// A copy that records no gradients.
    pub fn detached(&self) -> Net {
        Net { kind: self.kind, hidden: self.hidden, t: self.t.iter().map(|(k, v)| (*k, v.detach())).collect() }
    }

    pub fn parameter_count(&self) -> usize {
        self.t.values().map(|t| t.elem_count()).sum()
    }

    fn p(&self, name: &str) -> &Tensor {
        &self.t[name]
    }

    fn dense(&self, x: &Tensor, w: &str, b: &str) -> candle_core::Result<Tensor> {
        x.matmul(self.p(w))?.broadcast_add(self.p(b))
    }

    /// Starting state for `b` sequences with pilot noise variances `r`.
    pub fn start(&self, r: &[f64]) -> Result<State, NetError> {
        let dev = Device::Cpu;
        let b = r.len();
        let zeros = |w| Tensor::zeros((b, w), DT, &dev);
        let h = self.hidden;
        let rt = Tensor::from_vec(r.to_vec(), (b, 1), &dev)?;
        let yscale = Tensor::from_vec(r.iter().map(|r| (1.0 + r).sqrt().recip()).collect(), (b, 1), &dev)?;
        let logr = Tensor::from_vec(r.iter().map(|r| r.max(1e-12).log10() / 2.0).collect(), (b, 1), &dev)?;
        let ones = Tensor::ones((b, 1), DT, &dev)?;
        Ok(State {
            m0: zeros(2)?,
            m1: zeros(2)?,
            p00: ones.clone(),
            p01: ones.clone(),
            p11: ones.clone(),
            g: zeros(h)?,
            c: zeros(h)?,
            prev_y: zeros(2)?,
            prev_e: zeros(2)?,
            idle: zeros(if self.kind == Kind::Hkf { HKF_FEATURES } else { LSTM_FEATURES - 1 })?,
            r: rt,
            yscale,
            logr,
            ones,
        })
    }

    /// One step for every sequence: `y` (b×2) where there is a pilot. Returns the estimate
    /// (b×2) and, for HKF, the filter's parameters used (b×3: a1, a2, q).
    pub fn step(&self, st: &mut State, y: Option<&Tensor>) -> candle_core::Result<(Tensor, Option<Tensor>)> {
        match self.kind {
            Kind::Hkf => self.hkf_step(st, y).map(|(e, p)| (e, Some(p))),
            Kind::Lstm => self.lstm_step(st, y).map(|e| (e, None)),
        }
    }

    fn hkf_step(&self, st: &mut State, y: Option<&Tensor>) -> candle_core::Result<(Tensor, Tensor)> {
        let h = self.hidden;
        // The hypernetwork's parameters for this step, from what it has seen so far.
        let u = self.dense(&st.g, "head.w", "head.b")?;
        let a2 = u.narrow(1, 0, 1)?.tanh()?;
        let a1 = (u.narrow(1, 1, 1)?.tanh()? * (1.0 - &a2)?)?;
        let q = u.narrow(1, 2, 1)?.exp()?;
        // Predict.
        let m0p = (a1.broadcast_mul(&st.m0)? + a2.broadcast_mul(&st.m1)?)?;
        let a1p00 = (&a1 * &st.p00)?;
        let a2p01 = (&a2 * &st.p01)?;
        let p01p = (&a1p00 + &a2p01)?;
        let p00p = ((&a1 * (&a1p00 + (&a2p01 * 2.0)?)?)? + (a2.sqr()? * &st.p11)? + &q)?;
        let p11p = st.p00.clone();
        let m1p = st.m0.clone();
        let feat = if let Some(y) = y {
            // Update.
            let s = (&p00p + &st.r)?;
            let k0 = (&p00p / &s)?;
            let k1 = (&p01p / &s)?;
            let e = (y - &m0p)?;
            st.m0 = (&m0p + k0.broadcast_mul(&e)?)?;
            st.m1 = (&m1p + k1.broadcast_mul(&e)?)?;
            let rs = (&st.r / &s)?;
            st.p00 = (&p00p * &rs)?;
            st.p01 = (&p01p * &rs)?;
            st.p11 = (&p11p - (&k1 * &p01p)?)?;
            let en = e.broadcast_mul(&s.sqrt()?.recip()?)?;
            let yn = y.broadcast_mul(&st.yscale)?;
            // Lag-one (one pilot back) products: the correlation of the observations (how fast
            // the channel turns) and of the innovations (white when the model fits).
            let (yr, yi) = (yn.narrow(1, 0, 1)?, yn.narrow(1, 1, 1)?);
            let (pr, pi) = (st.prev_y.narrow(1, 0, 1)?, st.prev_y.narrow(1, 1, 1)?);
            let ycorr_re = ((&yr * &pr)? + (&yi * &pi)?)?;
            let ycorr_im = ((&yi * &pr)? - (&yr * &pi)?)?;
            let e2 = (en.sqr()?.sum_keepdim(1)? - 1.0)?;
            let ecorr = (&en * &st.prev_e)?.sum_keepdim(1)?;
            let f = Tensor::cat(&[&st.ones, &en, &yn, &ycorr_re, &ycorr_im, &e2, &ecorr, &st.logr], 1)?;
            st.prev_y = yn;
            st.prev_e = en;
            f
        } else {
            st.m0 = m0p;
            st.m1 = m1p;
            st.p00 = p00p;
            st.p01 = p01p;
            st.p11 = p11p;
            Tensor::cat(&[&st.idle.narrow(1, 0, HKF_FEATURES - 1)?, &st.logr], 1)?
        };
        st.g = gru(&feat, &st.g, self.p("gru.wi"), self.p("gru.wh"), self.p("gru.bi"), self.p("gru.bh"), h)?;
        let est = (&st.m0 + self.dense(&st.g, "na.w", "na.b")?)?;
        Ok((est, Tensor::cat(&[&a1, &a2, &q], 1)?))
    }

    fn lstm_step(&self, st: &mut State, y: Option<&Tensor>) -> candle_core::Result<Tensor> {
        let h = self.hidden;
        let x = match y {
            Some(y) => Tensor::cat(&[&st.ones, y, &st.logr], 1)?,
            None => Tensor::cat(&[&st.idle, &st.logr], 1)?,
        };
        let g = (x.matmul(self.p("lstm.wi"))? + st.g.matmul(self.p("lstm.wh"))?)?.broadcast_add(self.p("lstm.b"))?;
        let i = sigmoid(&g.narrow(1, 0, h)?)?;
        let f = sigmoid(&g.narrow(1, h, h)?)?;
        let c = g.narrow(1, 2 * h, h)?.tanh()?;
        let o = sigmoid(&g.narrow(1, 3 * h, h)?)?;
        st.c = ((f * &st.c)? + (i * c)?)?;
        st.g = (o * st.c.tanh()?)?;
        self.dense(&st.g, "out.w", "out.b")
    }

    /// Runs every sequence of `batch`; the estimates at each step (len tensors of b×2).
    pub fn run(&self, batch: &Batch) -> Result<Vec<Tensor>, NetError> {
        let mut st = self.start(&batch.r)?;
        let ys = step_inputs(batch)?;
        let mut out = Vec::with_capacity(batch.len);
        for y in &ys {
            out.push(self.step(&mut st, y.as_ref())?.0);
        }
        Ok(out)
    }

    /// Estimates in the batch's layout (sequence-major).
    pub fn estimates(&self, batch: &Batch) -> Result<Vec<[f64; 2]>, NetError> {
        let net = self.detached();
        let steps = net.run(batch)?;
        let all = Tensor::stack(&steps, 1)?; // b × len × 2
        let v = all.flatten_all()?.to_vec1::<f64>()?;
        Ok(v.chunks_exact(2).map(|c| [c[0], c[1]]).collect())
    }
}

/// The observations at each step as b×2 tensors (`None` where there is no pilot).
pub fn step_inputs(batch: &Batch) -> Result<Vec<Option<Tensor>>, NetError> {
    let b = batch.count();
    (0..batch.len)
        .map(|n| {
            if !observed(batch.spacing, n) {
                return Ok(None);
            }
            let v: Vec<f64> = (0..b).flat_map(|s| batch.y[s * batch.len + n]).collect();
            Ok(Some(Tensor::from_vec(v, (b, 2), &Device::Cpu)?))
        })
        .collect()
}

/// A batch of sequences' recurrent state.
#[derive(Clone)]
pub struct State {
    m0: Tensor,
    m1: Tensor,
    p00: Tensor,
    p01: Tensor,
    p11: Tensor,
    g: Tensor,
    c: Tensor,
    prev_y: Tensor,
    prev_e: Tensor,
    idle: Tensor,
    r: Tensor,
    yscale: Tensor,
    logr: Tensor,
    ones: Tensor,
}

impl State {
    /// The pilot noise variance changed (the widget's SNR slider): one value per sequence.
    pub fn set_noise(&mut self, r: &[f64]) -> Result<(), NetError> {
        let b = r.len();
        let dev = Device::Cpu;
        self.r = Tensor::from_vec(r.to_vec(), (b, 1), &dev)?;
        self.yscale = Tensor::from_vec(r.iter().map(|r| (1.0 + r).sqrt().recip()).collect(), (b, 1), &dev)?;
        self.logr = Tensor::from_vec(r.iter().map(|r| r.max(1e-12).log10() / 2.0).collect(), (b, 1), &dev)?;
        Ok(())
    }
}

fn sigmoid(x: &Tensor) -> candle_core::Result<Tensor> {
    x.affine(0.5, 0.0)?.tanh()?.affine(0.5, 0.5)
}

/// One GRU step (PyTorch's gate layout: reset, update, new).
fn gru(x: &Tensor, h: &Tensor, wi: &Tensor, wh: &Tensor, bi: &Tensor, bh: &Tensor, n: usize) -> candle_core::Result<Tensor> {
    let gi = x.matmul(wi)?.broadcast_add(bi)?;
    let gh = h.matmul(wh)?.broadcast_add(bh)?;
    let r = sigmoid(&(gi.narrow(1, 0, n)? + gh.narrow(1, 0, n)?)?)?;
    let z = sigmoid(&(gi.narrow(1, n, n)? + gh.narrow(1, n, n)?)?)?;
    let c = (gi.narrow(1, 2 * n, n)? + (r * gh.narrow(1, 2 * n, n)?)?)?.tanh()?;
    &c + (z * (h - &c)?)?
}
