//! Training the learned trackers: fresh sequences every step drawn from the training
//! conditions, loss = mean over sequences of `ln` of their mean squared error after the
//! warm-up (every condition weighs the same in dB), Adam with a cosine-decayed learning rate
//! and global gradient-norm clipping. Stepped in chunks so the page can report progress and
//! cancel. Everything follows from the seed.

use candle_core::{Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

use crate::jakes::{Batch, Ranges};
use crate::nets::{Kind, Net, NetError};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TrainConfig {
    pub kind: Kind,
    pub hidden: usize,
    pub ranges: Ranges,
    /// Steps per training sequence, and how many of the first are not scored.
    pub len: usize,
    pub warmup: usize,
    pub batch: usize,
    pub steps: usize,
    pub lr: f64,
    pub clip: f64,
    pub seed: u64,
}

impl TrainConfig {
    /// The settings the shipped weights were trained with (only `kind` and `ranges` vary).
    pub fn new(kind: Kind, ranges: Ranges, seed: u64) -> TrainConfig {
        TrainConfig { kind, hidden: 32, ranges, len: 128, warmup: 32, batch: 64, steps: 1500, lr: 3e-3, clip: 1.0, seed }
    }
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Progress {
    pub step: usize,
    pub steps: usize,
    /// Mean NMSE of the step's sequences, dB (from the loss).
    pub nmse_db: f64,
}

pub struct Trainer {
    cfg: TrainConfig,
    net: Net,
    vars: Vec<Var>,
    opt: AdamW,
    step: usize,
    history: Vec<Progress>,
}

impl Trainer {
    pub fn new(cfg: TrainConfig) -> Result<Trainer, NetError> {
        if cfg.hidden == 0 || cfg.hidden > crate::nets::MAX_HIDDEN || cfg.batch == 0 || cfg.len <= cfg.warmup {
            return Err(NetError::Weights("bad training configuration".into()));
        }
        let (net, vars) = Net::init(cfg.kind, cfg.hidden, cfg.seed)?;
        let opt = AdamW::new(vars.clone(), ParamsAdamW { lr: cfg.lr, weight_decay: 0.0, ..Default::default() })?;
        Ok(Trainer { cfg, net, vars, opt, step: 0, history: Vec::new() })
    }

    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    pub fn done(&self) -> bool {
        self.step >= self.cfg.steps
    }

    pub fn history(&self) -> &[Progress] {
        &self.history
    }

    /// The network as trained so far (no gradients recorded).
    pub fn net(&self) -> Net {
        self.net.detached()
    }

    /// Up to `n` more steps (never past `steps`); the last step's progress.
    pub fn train(&mut self, n: usize) -> Result<Progress, NetError> {
        let mut last = self.history.last().copied().unwrap_or(Progress { step: 0, steps: self.cfg.steps, nmse_db: f64::NAN });
        for _ in 0..n {
            if self.done() {
                break;
            }
            let cfg = &self.cfg;
            let seed = cfg.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(self.step as u64 + 1);
            let batch = Batch::sample(seed, &cfg.ranges, cfg.batch, cfg.len).map_err(|e| NetError::Weights(e.to_string()))?;
            let loss = self.loss(&batch)?;
            let mut grads = loss.backward()?;
            let mut norm = 0.0;
            for v in &self.vars {
                if let Some(g) = grads.get(v.as_tensor()) {
                    norm += g.sqr()?.sum_all()?.to_scalar::<f64>()?;
                }
            }
            let norm = norm.sqrt();
            if !norm.is_finite() {
                return Err(NetError::Weights(format!("training diverged at step {}", self.step)));
            }
            if norm > cfg.clip {
                for v in &self.vars {
                    if let Some(g) = grads.remove(v.as_tensor()) {
                        grads.insert(v.as_tensor(), (g * (cfg.clip / norm))?);
                    }
                }
            }
            let t = self.step as f64 / cfg.steps as f64;
            self.opt.set_learning_rate(cfg.lr * (0.1 + 0.45 * (1.0 + (std::f64::consts::PI * t).cos())));
            self.opt.step(&grads)?;
            self.step += 1;
            let l = loss.to_scalar::<f64>()?;
            last = Progress { step: self.step, steps: cfg.steps, nmse_db: 10.0 * l / std::f64::consts::LN_10 };
            self.history.push(last);
        }
        Ok(last)
    }

    /// Mean over sequences of ln(MSE after the warm-up), with the channel's unit power as
    /// reference (so it reads as NMSE).
    fn loss(&self, batch: &Batch) -> Result<Tensor, NetError> {
        let est = self.net.run(batch)?;
        let w = self.cfg.warmup;
        let est = Tensor::stack(&est[w..], 1)?; // b × (len − w) × 2
        let truth: Vec<f64> = (0..batch.count()).flat_map(|s| batch.h[s * batch.len + w..(s + 1) * batch.len].iter().flatten().copied()).collect();
        let truth = Tensor::from_vec(truth, est.shape(), est.device())?;
        let mse = (est - truth)?.sqr()?.sum(2)?.mean(1)?; // |ĥ − h|² per sequence
        Ok((mse + 1e-9)?.log()?.mean_all()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny(kind: Kind, seed: u64) -> TrainConfig {
        TrainConfig { hidden: 8, len: 40, warmup: 8, batch: 4, steps: 3, ..TrainConfig::new(kind, Ranges { doppler: (0.005, 0.05), snr_db: (0.0, 20.0), spacing: 2 }, seed) }
    }

    #[test]
    fn training_is_reproducible_from_the_seed() {
        for kind in [Kind::Hkf, Kind::Lstm] {
            let run = |seed| {
                let mut t = Trainer::new(tiny(kind, seed)).unwrap();
                t.train(10).unwrap();
                assert!(t.done());
                let b = Batch::sample(5, &Ranges::at(0.02, 10.0, 2), 3, 30).unwrap();
                t.net().estimates(&b).unwrap()
            };
            let (a, b, c) = (run(1), run(1), run(2));
            assert_eq!(a, b, "{kind:?}");
            assert_ne!(a, c, "{kind:?}");
        }
    }
}
