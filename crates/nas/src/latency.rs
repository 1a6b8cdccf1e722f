//! Latency lookup tables measured on this device, DONNA-style: each building block of the
//! network is timed on its own (on the CPU interpreter or the WGSL kernels) and an
//! architecture's latency is predicted as the sum of its blocks. [`validate`] times whole
//! networks to check the sum's ranking.

use edgeplay_gpu::{Gpu, Stopwatch};
use edgeplay_nn::{gpu::GpuGraph, Act, Binary, Graph, Op as NnOp, Tensor, Unary};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::network::{build, Builder, NetConfig};
use crate::predictor::kendall_tau;
use crate::space::{Cell, Op, EDGES};
use crate::Error;

/// One timed building block. `stage` is 0, 1, 2 (C, 2C, 4C channels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Piece {
    Stem,
    /// Reduction block into `stage` (1 or 2).
    Reduction(usize),
    Head,
    /// Conv1x1 / Conv3x3 (with its batch norm) or AvgPool on one edge.
    Edge(usize, Op),
    /// The ReLU a node applies before its outgoing convolutions.
    Relu(usize),
    /// Summing two edges into a node.
    Add(usize),
    /// A node with no inputs (zeros).
    Zero(usize),
}

impl Piece {
    /// Every piece a network of this space is made of.
    pub fn all() -> Vec<Piece> {
        let mut v = vec![Piece::Stem, Piece::Reduction(1), Piece::Reduction(2), Piece::Head];
        for s in 0..3 {
            v.extend([Piece::Edge(s, Op::Conv1x1), Piece::Edge(s, Op::Conv3x3), Piece::Edge(s, Op::AvgPool), Piece::Relu(s), Piece::Add(s), Piece::Zero(s)]);
        }
        v
    }

    pub fn label(&self) -> String {
        match self {
            Piece::Stem => "stem".into(),
            Piece::Reduction(s) => format!("reduction → stage {}", s + 1),
            Piece::Head => "head".into(),
            Piece::Edge(s, op) => format!("{} · stage {}", op.short(), s + 1),
            Piece::Relu(s) => format!("relu · stage {}", s + 1),
            Piece::Add(s) => format!("add · stage {}", s + 1),
            Piece::Zero(s) => format!("zero node · stage {}", s + 1),
        }
    }

    /// The piece as a graph, and its input shape.
    pub fn graph(&self, cfg: NetConfig) -> (Graph, [usize; 3]) {
        let mut b = Builder::new(7);
        let stage_shape = |s: usize| [cfg.c << s, cfg.input >> s, cfg.input >> s];
        let shape = match *self {
            Piece::Stem => {
                b.conv(0, 3, cfg.c, 3, 1, true, Act::None);
                [3, cfg.input, cfg.input]
            }
            Piece::Reduction(s) => {
                let [c, h, w] = stage_shape(s - 1);
                b.reduction(0, c);
                [c, h, w]
            }
            Piece::Head => {
                let sh = stage_shape(2);
                b.head(0, sh[0], cfg);
                sh
            }
            Piece::Edge(s, op) => {
                let sh = stage_shape(s);
                match op {
                    Op::Conv1x1 => b.conv(0, sh[0], sh[0], 1, 1, true, Act::None),
                    Op::Conv3x3 => b.conv(0, sh[0], sh[0], 3, 1, true, Act::None),
                    _ => b.push(NnOp::AvgPool { k: 3, stride: 1, pad: 1 }, vec![0]),
                };
                sh
            }
            Piece::Relu(s) => {
                b.unary(0, Unary::Relu);
                stage_shape(s)
            }
            Piece::Add(s) => {
                b.push(NnOp::Binary(Binary::Add), vec![0, 0]);
                stage_shape(s)
            }
            Piece::Zero(s) => {
                b.unary(0, Unary::MulScalar(0.0));
                stage_shape(s)
            }
        };
        let mut g = b.finish();
        g.in_channels = shape[0];
        (g, shape)
    }
}

/// Where timings are taken.
#[derive(Clone)]
pub enum Device {
    Cpu,
    Gpu(Gpu),
}

impl Device {
    pub fn label(&self) -> String {
        match self {
            Device::Cpu => "CPU".into(),
            Device::Gpu(g) => format!("GPU · {}", g.info().name),
        }
    }
}

fn random_input(shape: [usize; 3], seed: u64) -> Tensor {
    let mut rng = StdRng::seed_from_u64(seed);
    let [c, h, w] = shape;
    Tensor::new(c, h, w, (0..c * h * w).map(|_| rng.random_range(-1.0..1.0)).collect()).expect("shape")
}

/// Median time (ms) of `reps` runs of `g` after one warm-up run. On the GPU this is the
/// compute pass's time (timestamp queries where the adapter has them, wall clock otherwise).
pub async fn time_graph(dev: &Device, g: &Graph, shape: [usize; 3], reps: usize) -> Result<f64, Error> {
    let x = random_input(shape, 1);
    let mut t = Vec::with_capacity(reps);
    match dev {
        Device::Cpu => {
            // Browsers coarsen the clock (0.1 ms or worse): small pieces are timed in batches
            // of at least ~5 ms and divided.
            let sw = Stopwatch::start();
            edgeplay_nn::cpu::run(g, &x)?;
            let once = sw.ms();
            let batch = if once >= 5.0 { 1 } else { (5.0 / once.max(0.02)).ceil().min(250.0) as usize };
            for _ in 0..reps.max(1) {
                let sw = Stopwatch::start();
                for _ in 0..batch {
                    std::hint::black_box(edgeplay_nn::cpu::run(g, &x)?);
                }
                t.push(sw.ms() / batch as f64);
            }
        }
        Device::Gpu(gpu) => {
            let gg = GpuGraph::new(gpu, g);
            gg.run(&x).await?;
            for _ in 0..reps.max(1) {
                t.push(gg.run(&x).await?.1.ms);
            }
        }
    }
    t.sort_by(f64::total_cmp);
    Ok(t[t.len() / 2])
}

/// A measured latency table.
#[derive(Clone, Debug)]
pub struct Lut {
    pub cfg: NetConfig,
    pub entries: Vec<(Piece, f64)>,
}

impl Lut {
    fn get(&self, p: Piece) -> f64 {
        self.entries.iter().find(|(q, _)| *q == p).map_or(0.0, |e| e.1)
    }

    /// Predicted latency (ms) of the network for `cell`: the sum of its pieces, counted as
    /// the network is built (dead edges are computed too).
    pub fn predict(&self, cell: &Cell) -> f64 {
        let mut ms = self.get(Piece::Stem) + self.get(Piece::Reduction(1)) + self.get(Piece::Reduction(2)) + self.get(Piece::Head);
        for s in 0..3 {
            let mut per_cell = 0.0;
            let mut relu = [false; 4];
            for j in 1..4 {
                let mut terms = 0;
                for (e, &(i, t)) in EDGES.iter().enumerate() {
                    if t != j || cell.0[e] == Op::None {
                        continue;
                    }
                    terms += 1;
                    let op = cell.0[e];
                    if op.is_conv() && !relu[i] {
                        relu[i] = true;
                        per_cell += self.get(Piece::Relu(s));
                    }
                    if op != Op::Skip {
                        per_cell += self.get(Piece::Edge(s, op));
                    }
                }
                per_cell += if terms == 0 { self.get(Piece::Zero(s)) } else { (terms - 1) as f64 * self.get(Piece::Add(s)) };
            }
            ms += per_cell * self.cfg.n as f64;
        }
        ms
    }
}

/// Times every piece (`progress(done, total)` after each).
pub async fn measure(dev: &Device, cfg: NetConfig, reps: usize, progress: &mut dyn FnMut(usize, usize)) -> Result<Lut, Error> {
    let pieces = Piece::all();
    let mut entries = Vec::with_capacity(pieces.len());
    for (k, p) in pieces.iter().enumerate() {
        let (g, shape) = p.graph(cfg);
        entries.push((*p, time_graph(dev, &g, shape, reps).await?));
        progress(k + 1, pieces.len());
    }
    Ok(Lut { cfg, entries })
}

/// Spearman's rank correlation.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let rank = |v: &[f64]| {
        let mut o: Vec<usize> = (0..v.len()).collect();
        o.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        let mut r = vec![0.0; v.len()];
        let mut i = 0;
        while i < o.len() {
            let mut j = i;
            while j + 1 < o.len() && v[o[j + 1]] == v[o[i]] {
                j += 1;
            }
            for k in i..=j {
                r[o[k]] = (i + j) as f64 / 2.0;
            }
            i = j + 1;
        }
        r
    };
    let (rx, ry) = (rank(x), rank(y));
    let n = x.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx) * (a - mx)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my) * (b - my)).sum();
    if vx == 0.0 || vy == 0.0 {
        0.0
    } else {
        cov / (vx * vy).sqrt()
    }
}

/// LUT sum against measured whole-network latency on `cells`.
#[derive(Clone, Debug)]
pub struct Validation {
    pub cells: Vec<usize>,
    pub predicted: Vec<f64>,
    pub measured: Vec<f64>,
    pub kendall: f64,
    pub spearman: f64,
}

/// Times the whole network of each cell and compares with the table's sums.
pub async fn validate(dev: &Device, lut: &Lut, cells: &[usize], reps: usize, progress: &mut dyn FnMut(usize, usize)) -> Result<Validation, Error> {
    let mut measured = Vec::with_capacity(cells.len());
    for (k, &c) in cells.iter().enumerate() {
        let g = build(&Cell::from_index(c), lut.cfg, 1);
        measured.push(time_graph(dev, &g, [3, lut.cfg.input, lut.cfg.input], reps).await?);
        progress(k + 1, cells.len());
    }
    let predicted: Vec<f64> = cells.iter().map(|&c| lut.predict(&Cell::from_index(c))).collect();
    Ok(Validation { kendall: kendall_tau(&predicted, &measured), spearman: spearman(&predicted, &measured), cells: cells.to_vec(), predicted, measured })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lut(cfg: NetConfig) -> Lut {
        // Distinct powers of two make every count visible in the sum.
        Lut { cfg, entries: Piece::all().into_iter().enumerate().map(|(k, p)| (p, (1u64 << k) as f64)).collect() }
    }

    #[test]
    fn table_sum_counts_the_pieces_the_network_is_built_from() {
        let cfg = NetConfig { c: 4, n: 2, input: 8, classes: 3 };
        let t = lut(cfg);
        let g = |p: Piece| t.get(p);
        let fixed = g(Piece::Stem) + g(Piece::Reduction(1)) + g(Piece::Reduction(2)) + g(Piece::Head);
        // conv3x3 0→1, pool 0→2, skip 1→2, none 0→3, conv1x1 1→3, none 2→3:
        // node 0 ReLU (one, shared), node 1 ReLU, node 2 = pool + skip (one add), node 3 = conv1x1.
        let c = Cell([Op::Conv3x3, Op::AvgPool, Op::Skip, Op::None, Op::Conv1x1, Op::None]);
        let per = |s| g(Piece::Relu(s)) * 2.0 + g(Piece::Edge(s, Op::Conv3x3)) + g(Piece::Edge(s, Op::AvgPool)) + g(Piece::Add(s)) + g(Piece::Edge(s, Op::Conv1x1));
        assert_eq!(t.predict(&c), fixed + 2.0 * (per(0) + per(1) + per(2)));
        // All none: three zero nodes per cell.
        let z = Cell([Op::None; 6]);
        assert_eq!(t.predict(&z), fixed + 2.0 * (0..3).map(|s| 3.0 * g(Piece::Zero(s))).sum::<f64>());
    }

    #[test]
    fn measures_and_checks_on_the_cpu() {
        let cfg = NetConfig { c: 4, n: 1, input: 8, classes: 3 };
        let mut seen = 0;
        let t = pollster::block_on(measure(&Device::Cpu, cfg, 1, &mut |k, n| {
            assert_eq!(n, Piece::all().len());
            seen = k;
        }))
        .unwrap();
        assert_eq!(seen, Piece::all().len());
        assert!(t.entries.iter().all(|(_, ms)| ms.is_finite() && *ms >= 0.0));
        let v = pollster::block_on(validate(&Device::Cpu, &t, &[0, 100, 15_624], 1, &mut |_, _| {})).unwrap();
        assert_eq!(v.measured.len(), 3);
        assert!((-1.0..=1.0).contains(&v.kendall));
    }

    #[test]
    fn spearman_of_known_lists() {
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]), 1.0);
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), -1.0);
    }
}
