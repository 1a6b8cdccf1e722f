//! The WiCluster-style pipeline (after Karmanov et al., Globecom 2021), trained with candle's
//! autodiff on the CPU (natively and in wasm):
//!
//! 1. **Embedding** `f`: an MLP from a sample's features to a `embed_dim`-D chart of the CSI.
//!    *Triplet loss*: an anchor and a positive from one session at most `positive_dt` apart
//!    (one capture, or adjacent moments of a walk) must be closer, by a margin, than the
//!    anchor and a negative from another session or ≥ `negative_dt` away. No labels.
//! 2. **Clustering loss**, multi-scale: every zone has a learnable centre in the chart; a
//!    labelled sample's soft assignment (softmax of minus squared distances) is scored by
//!    cross-entropy against its zone, and likewise at a coarse scale (neighbourhoods of
//!    zones from the sketch). Only `labelled_per_zone` packets per zone carry labels.
//! 3. **Metric map** `g`: a small MLP from the chart to metres. *Geometry loss*: a labelled
//!    sample's position must lie in its zone's sketch box (squared distance outside it), with
//!    a weak pull to the box centre. *Access-point loss* (when RSSI is known): of two samples
//!    whose RSSI differs by ≥ 2 dB, the stronger must be nearer the sketch's access point.
//!
//! Precise coordinates are never read: only `Dataset::sketch`, zone labels, sessions, times
//! and RSSI. Test points get the zone of the nearest zone centre in the chart and the mapped
//! position (both aggregated per point: majority and median).

use candle_core::{DType, Device, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::cluster::{kmeans, nearest, pca2, purity};
use crate::data::Dataset;
use crate::eval::{aggregate, score, Metrics, Prediction};
use crate::features::{Features, Inputs};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Config {
    pub inputs: Inputs,
    pub embed_dim: usize,
    pub hidden: usize,
    pub steps: usize,
    pub batch: usize,
    pub lr: f64,
    pub margin: f32,
    /// Packets per zone that carry a zone label (the rest train the triplet loss only).
    pub labelled_per_zone: usize,
    pub seed: u64,
    pub w_triplet: f32,
    pub w_cluster: f32,
    pub w_geometry: f32,
    pub w_ap: f32,
    /// Standard deviation of Gaussian noise added to the (standardised) CSI inputs while
    /// training: CSI at one spot drifts between sessions, the noise keeps the chart from
    /// leaning on details that do not last.
    pub csi_noise: f32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            inputs: Inputs::CsiRssi,
            embed_dim: 8,
            hidden: 64,
            steps: 1500,
            batch: 128,
            lr: 3e-3,
            margin: 1.0,
            labelled_per_zone: usize::MAX,
            seed: 1,
            w_triplet: 1.0,
            w_cluster: 1.0,
            w_geometry: 1.0,
            w_ap: 0.3,
            csi_noise: 0.5,
        }
    }
}

/// Reported every few steps; the callback returns `false` to stop training.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Progress {
    pub step: usize,
    pub steps: usize,
    pub triplet: f32,
    pub cluster: f32,
    pub geometry: f32,
    pub ap: f32,
}

/// One point of the 2-D view of the chart.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct ChartPoint {
    pub x: f32,
    pub y: f32,
    pub zone: usize,
    pub cluster: usize,
    pub test: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub prediction: Prediction,
    pub metrics: Metrics,
    /// k-means (k = zones) of the test samples' chart, purity against their zones.
    pub cluster_purity: f32,
    pub chart: Vec<ChartPoint>,
    pub history: Vec<Progress>,
    pub labelled_samples: usize,
    /// False when the callback stopped training early.
    pub finished: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("tensor: {0}")]
    Tensor(#[from] candle_core::Error),
    #[error("{0}")]
    Data(String),
}

struct Net {
    embed: Vec<(Var, Var)>,
    map: Vec<(Var, Var)>,
    centres: Var,
    coarse: Var,
    /// Map output → metres: centre + half extent × output.
    offset: Tensor,
    scale: Tensor,
}

fn layer(rng: &mut StdRng, n_in: usize, n_out: usize, dev: &Device) -> candle_core::Result<(Var, Var)> {
    let bound = (6.0 / (n_in + n_out) as f32).sqrt();
    let w: Vec<f32> = (0..n_in * n_out).map(|_| rng.random_range(-bound..bound)).collect();
    Ok((Var::from_tensor(&Tensor::from_vec(w, (n_in, n_out), dev)?)?, Var::zeros(n_out, DType::F32, dev)?))
}

fn dense(x: &Tensor, (w, b): &(Var, Var)) -> candle_core::Result<Tensor> {
    x.matmul(w.as_tensor())?.broadcast_add(b.as_tensor())
}

impl Net {
    fn embed(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mut h = x.clone();
        for (i, l) in self.embed.iter().enumerate() {
            h = dense(&h, l)?;
            if i + 1 < self.embed.len() {
                h = h.relu()?;
            }
        }
        Ok(h)
    }

    fn map(&self, e: &Tensor) -> candle_core::Result<Tensor> {
        let h = dense(e, &self.map[0])?.tanh()?;
        dense(&h, &self.map[1])?.broadcast_mul(&self.scale)?.broadcast_add(&self.offset)
    }

    fn vars(&self) -> Vec<Var> {
        let mut v: Vec<Var> = self.embed.iter().chain(&self.map).flat_map(|(w, b)| [w.clone(), b.clone()]).collect();
        v.push(self.centres.clone());
        v.push(self.coarse.clone());
        v
    }
}

/// Squared distances between rows of `e` (n×d) and `c` (k×d): n×k.
fn sq_dist(e: &Tensor, c: &Tensor) -> candle_core::Result<Tensor> {
    let e2 = e.sqr()?.sum_keepdim(1)?;
    let c2 = c.sqr()?.sum_keepdim(1)?.t()?;
    e2.broadcast_add(&c2)?.broadcast_sub(&(e.matmul(&c.t()?)? * 2.0)?)
}

fn cross_entropy(logits: &Tensor, onehot: &Tensor) -> candle_core::Result<Tensor> {
    (candle_nn::ops::log_softmax(logits, D::Minus1)? * onehot)?.sum(1)?.neg()?.mean_all()
}

fn rows(x: &[Vec<f32>], idx: &[usize], dev: &Device) -> candle_core::Result<Tensor> {
    let dim = x.first().map_or(0, Vec::len);
    let v: Vec<f32> = idx.iter().flat_map(|&i| x[i].iter().copied()).collect();
    Tensor::from_vec(v, (idx.len(), dim), dev)
}

/// [`rows`] with N(0, σ²) noise (Box–Muller) on the first `n_noisy` columns.
fn noisy_rows(x: &[Vec<f32>], idx: &[usize], n_noisy: usize, sigma: f32, rng: &mut StdRng, dev: &Device) -> candle_core::Result<Tensor> {
    if sigma <= 0.0 {
        return rows(x, idx, dev);
    }
    let dim = x.first().map_or(0, Vec::len);
    let mut v = Vec::with_capacity(idx.len() * dim);
    for &i in idx {
        for (j, &a) in x[i].iter().enumerate() {
            let n = if j < n_noisy {
                let (u1, u2): (f32, f32) = (rng.random_range(f32::EPSILON..1.0), rng.random());
                (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos() * sigma
            } else {
                0.0
            };
            v.push(a + n);
        }
    }
    Tensor::from_vec(v, (idx.len(), dim), dev)
}

fn onehot(labels: &[usize], k: usize, dev: &Device) -> candle_core::Result<Tensor> {
    let mut v = vec![0f32; labels.len() * k];
    for (i, &l) in labels.iter().enumerate() {
        v[i * k + l] = 1.0;
    }
    Tensor::from_vec(v, (labels.len(), k), dev)
}

/// Training state: built once, stepped in chunks (the widget's worker yields between chunks
/// to report progress and hear "cancel"), then evaluated.
pub struct Trainer {
    ds: Dataset,
    cfg: Config,
    train: Vec<Vec<f32>>,
    test: Vec<Vec<f32>>,
    net: Net,
    opt: AdamW,
    rng: StdRng,
    labelled: Vec<usize>,
    by_session: Vec<usize>,
    rank: Vec<usize>,
    ap: Tensor,
    with_rssi: bool,
    csi_len: usize,
    nz: usize,
    ncoarse: usize,
    step: usize,
    history: Vec<Progress>,
    dev: Device,
}

impl Trainer {
    pub fn new(ds: Dataset, cfg: Config) -> Result<Trainer, Error> {
        let ds_ref = &ds;
        let dev = Device::Cpu;
        let feats = Features::new(ds_ref, cfg.inputs);
        let (train, test) = (&feats.train, &feats.test);
        if train.is_empty() || test.is_empty() {
            return Err(Error::Data("no training or test samples".into()));
        }
        let nz = ds_ref.sketch.zones.len();
        let ncoarse = ds_ref.sketch.n_coarse().max(1);
        let dims = ds_ref.dims;
        let mut rng = StdRng::seed_from_u64(cfg.seed);
        let zone_of = |i: usize| ds_ref.train.groups[ds.train.samples[i].group].zone;

        // Labelled subset: the first `labelled_per_zone` packets' worth of a shuffled order per zone.
        let per_zone_samples = cfg.labelled_per_zone.div_ceil(ds_ref.window.max(1)).max(1);
        let mut labelled = Vec::new();
        for z in 0..nz {
            let mut idx: Vec<usize> = (0..train.len()).filter(|&i| zone_of(i) == z).collect();
            for i in (1..idx.len()).rev() {
                idx.swap(i, rng.random_range(0..=i));
            }
            idx.truncate(per_zone_samples);
            labelled.extend(idx);
        }
        labelled.sort_unstable();

        // Sessions: sample indices sorted by (session, t) for positive sampling.
        let samples = &ds_ref.train.samples;
        let mut by_session: Vec<usize> = (0..samples.len()).collect();
        by_session.sort_by(|&a, &b| samples[a].session.cmp(&samples[b].session).then(samples[a].t.total_cmp(&samples[b].t)));
        let mut rank = vec![0usize; samples.len()];
        for (r, &i) in by_session.iter().enumerate() {
            rank[i] = r;
        }

        let (lo, hi) = ds_ref.sketch.extent();
        let offset: Vec<f32> = (0..dims).map(|d| 0.5 * (lo[d] + hi[d])).collect();
        let scale: Vec<f32> = (0..dims).map(|d| (0.5 * (hi[d] - lo[d])).max(1.0)).collect();
        let net = Net {
            embed: vec![
                layer(&mut rng, feats.dim, cfg.hidden, &dev)?,
                layer(&mut rng, cfg.hidden, cfg.hidden, &dev)?,
                layer(&mut rng, cfg.hidden, cfg.embed_dim, &dev)?,
            ],
            map: vec![layer(&mut rng, cfg.embed_dim, 32, &dev)?, layer(&mut rng, 32, dims, &dev)?],
            centres: {
                let v: Vec<f32> = (0..nz * cfg.embed_dim).map(|_| rng.random_range(-1.0f32..1.0)).collect();
                Var::from_tensor(&Tensor::from_vec(v, (nz, cfg.embed_dim), &dev)?)?
            },
            coarse: {
                let v: Vec<f32> = (0..ncoarse * cfg.embed_dim).map(|_| rng.random_range(-1.0f32..1.0)).collect();
                Var::from_tensor(&Tensor::from_vec(v, (ncoarse, cfg.embed_dim), &dev)?)?
            },
            offset: Tensor::from_vec(offset, dims, &dev)?,
            scale: Tensor::from_vec(scale, dims, &dev)?,
        };
        let opt = AdamW::new(net.vars(), ParamsAdamW { lr: cfg.lr, weight_decay: 0.0, ..Default::default() })?;
        let ap = Tensor::from_vec(ds_ref.sketch.ap[..dims].to_vec(), dims, &dev)?;
        let with_rssi = ds_ref.has_rssi();
        let csi_len = ds_ref.csi_len();
        Ok(Trainer {
            train: feats.train,
            test: feats.test,
            net,
            opt,
            rng,
            labelled,
            by_session,
            rank,
            ap,
            with_rssi,
            csi_len,
            nz,
            ncoarse,
            step: 0,
            history: Vec::new(),
            dev,
            ds,
            cfg,
        })
    }

    pub fn step(&self) -> usize {
        self.step
    }

    pub fn steps(&self) -> usize {
        self.cfg.steps
    }

    pub fn done(&self) -> bool {
        self.step >= self.cfg.steps
    }

    /// Runs up to `n` more steps (never past `Config::steps`); returns the last step's losses.
    pub fn train(&mut self, n: usize) -> Result<Progress, Error> {
        let (ds, cfg, train, net, dev, samples) = (&self.ds, &self.cfg, &self.train, &self.net, &self.dev, &self.ds.train.samples);
        let (rng, opt) = (&mut self.rng, &mut self.opt);
        let (labelled, by_session, rank, ap) = (&self.labelled, &self.by_session, &self.rank, &self.ap);
        let (nz, ncoarse, dims, csi_len, with_rssi) = (self.nz, self.ncoarse, ds.dims, self.csi_len, self.with_rssi);
        let zone_of = |i: usize| ds.train.groups[ds.train.samples[i].group].zone;
        let b = cfg.batch.max(2);
        let mut last = None;
        let end = (self.step + n).min(cfg.steps);
        while self.step < end {
            self.step += 1;
            let step = self.step;
                // Triplets.
                let mut ia = Vec::with_capacity(b);
                let mut ip = Vec::with_capacity(b);
                let mut ineg = Vec::with_capacity(b);
                for _ in 0..b {
                    let a = rng.random_range(0..samples.len());
                    let sa = &samples[a];
                    let mut p = a;
                    for _ in 0..8 {
                        let r = rank[a] as i64 + rng.random_range(-20i64..=20);
                        if r < 0 || r as usize >= samples.len() {
                            continue;
                        }
                        let c = by_session[r as usize];
                        if c != a && samples[c].session == sa.session && (samples[c].t - sa.t).abs() <= ds.positive_dt {
                            p = c;
                            break;
                        }
                    }
                    let mut n = rng.random_range(0..samples.len());
                    for _ in 0..8 {
                        if samples[n].session != sa.session || (samples[n].t - sa.t).abs() >= ds.negative_dt {
                            break;
                        }
                        n = rng.random_range(0..samples.len());
                    }
                    ia.push(a);
                    ip.push(p);
                    ineg.push(n);
                }
                let all: Vec<usize> = ia.iter().chain(&ip).chain(&ineg).copied().collect();
                let e = net.embed(&noisy_rows(train, &all, csi_len, cfg.csi_noise, rng, dev)?)?;
                let (ea, ep, en) = (e.narrow(0, 0, b)?, e.narrow(0, b, b)?, e.narrow(0, 2 * b, b)?);
                let dap = (&ea - &ep)?.sqr()?.sum(1)?;
                let dan = (&ea - &en)?.sqr()?.sum(1)?;
                let triplet = ((dap - dan)? + cfg.margin as f64)?.relu()?.mean_all()?;

                // Labelled batch: clustering and geometry.
                let il: Vec<usize> = (0..b).map(|_| labelled[rng.random_range(0..labelled.len())]).collect();
                let zl: Vec<usize> = il.iter().map(|&i| zone_of(i)).collect();
                let el = net.embed(&noisy_rows(train, &il, csi_len, cfg.csi_noise, rng, dev)?)?;
                let cl = cross_entropy(&sq_dist(&el, net.centres.as_tensor())?.neg()?, &onehot(&zl, nz, dev)?)?;
                let zc: Vec<usize> = zl.iter().map(|&z| ds.sketch.coarse[z]).collect();
                let cc = cross_entropy(&sq_dist(&el, net.coarse.as_tensor())?.neg()?, &onehot(&zc, ncoarse, dev)?)?;
                let cluster = (cl + (cc * 0.5)?)?;
                let pos = net.map(&el)?;
                let bx = |f: &dyn Fn(usize) -> f32| -> candle_core::Result<Tensor> {
                    let v: Vec<f32> = zl.iter().flat_map(|&z| (0..dims).map(move |d| (z, d))).map(|(z, d)| f(z * 3 + d)).collect();
                    Tensor::from_vec(v, (b, dims), dev)
                };
                let zlo = bx(&|i| ds.sketch.zones[i / 3].lo[i % 3])?;
                let zhi = bx(&|i| ds.sketch.zones[i / 3].hi[i % 3])?;
                let zmid = ((&zlo + &zhi)? * 0.5)?;
                let outside = ((&zlo - &pos)?.relu()? + (&pos - &zhi)?.relu()?)?;
                let geometry = (outside.sqr()?.sum(1)?.mean_all()? + ((&pos - &zmid)?.sqr()?.sum(1)?.mean_all()? * 0.02)?)?;

                // Access point: stronger RSSI ⇒ nearer the access point (anchors, paired in order).
                let ap_loss = if with_rssi && cfg.w_ap > 0.0 {
                    let pa = net.map(&ea)?;
                    let dist = (pa.broadcast_sub(&ap)?.sqr()?.sum(1)? + 1e-4)?.sqrt()?;
                    let half = b / 2;
                    let (d1, d2) = (dist.narrow(0, 0, half)?, dist.narrow(0, half, half)?);
                    let mut sign = vec![0f32; half];
                    for (k, s) in sign.iter_mut().enumerate() {
                        let (r1, r2) = (samples[ia[k]].rssi.unwrap_or(0.0), samples[ia[half + k]].rssi.unwrap_or(0.0));
                        *s = if r1 > r2 + 2.0 { 1.0 } else if r2 > r1 + 2.0 { -1.0 } else { 0.0 };
                    }
                    let sign = Tensor::from_vec(sign, half, dev)?;
                    // sign·(d1 − d2) + 0.5 > 0 is a violation when sign ≠ 0.
                    let v = ((&d1 - &d2)? * &sign)?;
                    ((v + 0.5)?.relu()? * sign.abs()?)?.mean_all()?
                } else {
                    Tensor::zeros((), DType::F32, dev)?
                };

                let loss = ((((&triplet * cfg.w_triplet as f64)? + (&cluster * cfg.w_cluster as f64)?)? + (&geometry * cfg.w_geometry as f64)?)?
                    + (&ap_loss * cfg.w_ap as f64)?)?;
                opt.backward_step(&loss)?;
                if step == end {
                    last = Some(Progress {
                        step,
                        steps: cfg.steps,
                        triplet: triplet.to_scalar::<f32>()?,
                        cluster: cluster.to_scalar::<f32>()?,
                        geometry: geometry.to_scalar::<f32>()?,
                        ap: ap_loss.to_scalar::<f32>()?,
                    });
                }
        }
        let p = last.ok_or_else(|| Error::Data("no step left".into()))?;
        self.history.push(p);
        Ok(p)
    }

    /// Scores the current network on the test split.
    pub fn finish(&self) -> Result<Outcome, Error> {
        let (ds, net, dev, train, test, nz, dims) = (&self.ds, &self.net, &self.dev, &self.train, &self.test, self.nz, self.ds.dims);
        let zone_of = |i: usize| ds.train.groups[ds.train.samples[i].group].zone;
        let finished = self.done();
        let history = self.history.clone();
        let labelled = &self.labelled;
        let embed_all = |x: &[Vec<f32>]| -> candle_core::Result<(Vec<Vec<f32>>, Vec<[f32; 3]>)> {
            let mut e_out = Vec::with_capacity(x.len());
            let mut p_out = Vec::with_capacity(x.len());
            for chunk in (0..x.len()).collect::<Vec<_>>().chunks(1024) {
                let e = net.embed(&rows(x, chunk, dev)?)?;
                let p = net.map(&e)?;
                e_out.extend(e.to_vec2::<f32>()?);
                p_out.extend(p.to_vec2::<f32>()?.into_iter().map(|v| {
                    let mut q = [0f32; 3];
                    q[..v.len().min(3)].copy_from_slice(&v[..v.len().min(3)]);
                    q
                }));
            }
            Ok((e_out, p_out))
        };
        let (etest, ptest) = embed_all(test)?;
        let centres = net.centres.as_tensor().to_vec2::<f32>()?;
        let ztest: Vec<usize> = etest.iter().map(|e| nearest(&centres, e)).collect();
        let prediction = aggregate(&ds.test.samples, ds.test.groups.len(), &ptest, &ztest, nz);
        let metrics = score(&ds.test.groups, &prediction, dims);

        // Chart view: a subsample of the reference samples plus every test sample.
        let stride = (train.len() / 1500).max(1);
        let ref_idx: Vec<usize> = (0..train.len()).step_by(stride).collect();
        let (eref, _) = embed_all(&ref_idx.iter().map(|&i| train[i].clone()).collect::<Vec<_>>())?;
        let km = kmeans(&eref, nz, 30, 0);
        let ctest: Vec<usize> = etest.iter().map(|e| nearest(&km.centres, e)).collect();
        let test_zone: Vec<usize> = ds.test.samples.iter().map(|s| ds.test.groups[s.group].zone).collect();
        let cluster_purity = purity(&ctest, &test_zone);
        let all_e: Vec<Vec<f32>> = eref.iter().chain(&etest).cloned().collect();
        let xy = pca2(&all_e);
        let chart = xy
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (zone, cluster, test) = if i < ref_idx.len() { (zone_of(ref_idx[i]), km.assignment[i], false) } else { (test_zone[i - ref_idx.len()], ctest[i - ref_idx.len()], true) };
                ChartPoint { x: p[0], y: p[1], zone, cluster, test }
            })
            .collect();
        Ok(Outcome { prediction, metrics, cluster_purity, chart, history, labelled_samples: labelled.len(), finished })
    }
}

/// Trains the pipeline on `ds.train` and evaluates it on `ds.test`; `progress` sees every
/// 25th step and stops training by returning `false`.
pub fn run(ds: &Dataset, cfg: &Config, progress: &mut dyn FnMut(Progress) -> bool) -> Result<Outcome, Error> {
    let mut t = Trainer::new(ds.clone(), cfg.clone())?;
    while !t.done() {
        if !progress(t.train(25)?) {
            break;
        }
    }
    t.finish()
}
