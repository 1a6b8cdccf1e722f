//! The NAS-Bench-201 network as a real, runnable graph for the `edgeplay-nn` executors (CPU
//! interpreter and WGSL kernels), and its analytic cost.
//!
//! Skeleton (Dong & Yang, ICLR 2020): stem conv3×3 + BN → N cells at C channels → residual
//! reduction block → N cells at 2C → reduction → N cells at 4C → BN + ReLU → global average
//! pool → linear classifier. Edge operations: `none` (contributes nothing), `skip`,
//! ReLU-Conv1×1-BN, ReLU-Conv3×3-BN, avg-pool 3×3 (padding not counted); a node sums its
//! incoming edges. Reduction block: ReLU-Conv3×3(stride 2)-BN → ReLU-Conv3×3-BN, plus a
//! shortcut avg-pool 2×2 → Conv1×1.
//!
//! Weights are random (PyTorch's default uniform ±1/√fan_in, seeded): the table supplies the
//! trained accuracy; these networks are for timing and for forward-only measurements. Batch
//! norm is in inference form with fresh statistics (mean 0, variance 1, γ = 1, β = 0) and is
//! folded into the preceding convolution.

use edgeplay_nn::{Act, Binary, Conv, Graph, Layer, Op as NnOp, Unary};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::space::{Cell, Op, EDGES};

/// Network size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetConfig {
    /// Channels of the first stage (NAS-Bench-201: 16).
    pub c: usize,
    /// Cells per stage (NAS-Bench-201: 5).
    pub n: usize,
    /// Input side length (32; 16 for ImageNet16-120).
    pub input: usize,
    pub classes: usize,
}

impl NetConfig {
    /// NAS-Bench-201's network for a dataset's input size and classes.
    pub fn nb201(input: usize, classes: usize) -> NetConfig {
        NetConfig { c: 16, n: 5, input, classes }
    }
}

const BN_SCALE: f32 = 0.999_995; // 1/√(1 + 1e-5): BatchNorm with fresh statistics.

/// Builds a graph layer by layer; values are numbered as in [`Graph`].
pub(crate) struct Builder {
    pub(crate) layers: Vec<Layer>,
    pub(crate) rng: StdRng,
}

impl Builder {
    pub(crate) fn new(seed: u64) -> Builder {
        Builder { layers: Vec::new(), rng: StdRng::seed_from_u64(seed) }
    }

    pub(crate) fn finish(self) -> Graph {
        let output = self.layers.len();
        Graph { layers: self.layers, in_channels: 3, output, input_hw: None }
    }

    pub(crate) fn push(&mut self, op: NnOp, inputs: Vec<usize>) -> usize {
        self.layers.push(Layer { op, inputs });
        self.layers.len()
    }

    /// Conv (bias-free, BN folded) over value `x`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn conv(&mut self, x: usize, cin: usize, cout: usize, k: usize, stride: usize, bn: bool, act: Act) -> usize {
        let fan_in = (cin * k * k) as f32;
        let bound = 1.0 / fan_in.sqrt();
        let scale = if bn { BN_SCALE } else { 1.0 };
        let weight = (0..cout * cin * k * k).map(|_| self.rng.random_range(-bound..bound) * scale).collect();
        let conv = Conv { transpose: false, cin, cout, groups: 1, k, stride, pad: k / 2, out_pad: 0, weight, bias: vec![0.0; cout], act };
        self.push(NnOp::Conv(conv), vec![x])
    }

    pub(crate) fn unary(&mut self, x: usize, u: Unary) -> usize {
        self.push(NnOp::Unary(u), vec![x])
    }

    pub(crate) fn add(&mut self, a: usize, b: usize) -> usize {
        self.push(NnOp::Binary(Binary::Add), vec![a, b])
    }

    pub(crate) fn cell(&mut self, cell: &Cell, x: usize, ch: usize) -> usize {
        let mut nodes = vec![x];
        let mut relu: [Option<usize>; 4] = [None; 4];
        for j in 1..4 {
            let mut sum: Option<usize> = None;
            for (e, &(i, t)) in EDGES.iter().enumerate() {
                if t != j {
                    continue;
                }
                let src = nodes[i];
                let v = match cell.0[e] {
                    Op::None => continue,
                    Op::Skip => src,
                    Op::Conv1x1 | Op::Conv3x3 => {
                        // One ReLU per node, shared by its outgoing convolutions.
                        let r = match relu[i] {
                            Some(r) => r,
                            None => *relu[i].insert(self.unary(src, Unary::Relu)),
                        };
                        let k = if cell.0[e] == Op::Conv3x3 { 3 } else { 1 };
                        self.conv(r, ch, ch, k, 1, true, Act::None)
                    }
                    Op::AvgPool => self.push(NnOp::AvgPool { k: 3, stride: 1, pad: 1 }, vec![src]),
                };
                sum = Some(match sum {
                    None => v,
                    Some(s) => self.add(s, v),
                });
            }
            // A node without inputs is zero (same shape as the cell input).
            let v = match sum {
                Some(v) => v,
                None => self.unary(x, Unary::MulScalar(0.0)),
            };
            nodes.push(v);
        }
        nodes[3]
    }
}

/// The runnable network for `cell`, weights drawn from `seed`.
pub fn build(cell: &Cell, cfg: NetConfig, seed: u64) -> Graph {
    let mut b = Builder::new(seed);
    let mut x = b.conv(0, 3, cfg.c, 3, 1, true, Act::None);
    let mut ch = cfg.c;
    for stage in 0..3 {
        if stage > 0 {
            x = b.reduction(x, ch);
            ch *= 2;
        }
        for _ in 0..cfg.n {
            x = b.cell(cell, x, ch);
        }
    }
    b.head(x, ch, cfg);
    b.finish()
}

impl Builder {
    /// Residual reduction block from `ch` to `2 ch` channels, half the resolution.
    pub(crate) fn reduction(&mut self, x: usize, ch: usize) -> usize {
        let b = self;
        let a = b.unary(x, Unary::Relu);
        let a = b.conv(a, ch, 2 * ch, 3, 2, true, Act::Relu);
        let a = b.conv(a, 2 * ch, 2 * ch, 3, 1, true, Act::None);
        let s = b.push(NnOp::AvgPool { k: 2, stride: 2, pad: 0 }, vec![x]);
        let s = b.conv(s, ch, 2 * ch, 1, 1, false, Act::None);
        b.add(a, s)
    }

    /// Last BN + ReLU, global average pool, linear classifier.
    pub(crate) fn head(&mut self, x: usize, ch: usize, cfg: NetConfig) {
        let b = self;
        let x = b.unary(x, Unary::MulScalar(BN_SCALE));
        let x = b.unary(x, Unary::Relu);
        let side = cfg.input / 4;
        let x = b.push(NnOp::AvgPool { k: side, stride: side, pad: 0 }, vec![x]);
        // Linear classifier = 1×1 conv on the pooled 1×1 map, with a bias.
        let bound = 1.0 / (ch as f32).sqrt();
        let weight = (0..cfg.classes * ch).map(|_| b.rng.random_range(-bound..bound)).collect();
        let bias = (0..cfg.classes).map(|_| b.rng.random_range(-bound..bound)).collect();
        b.push(NnOp::Conv(Conv { transpose: false, cin: ch, cout: cfg.classes, groups: 1, k: 1, stride: 1, pad: 0, out_pad: 0, weight, bias, act: Act::None }), vec![x]);
    }
}

/// Multiply-accumulates and parameters, as NAS-Bench-201 counts them (its "FLOPs" are
/// conv and linear MACs; parameters include the batch norms' γ and β).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Cost {
    pub macs: u64,
    pub params: u64,
}

impl Cost {
    fn conv(&mut self, cin: usize, cout: usize, k: usize, out_side: usize, bn: bool) {
        self.macs += (cin * cout * k * k * out_side * out_side) as u64;
        self.params += (cin * cout * k * k + if bn { 2 * cout } else { 0 }) as u64;
    }
}

/// Analytic cost of the network for `cell`; with `live_only`, edges that cannot change the
/// output ([`Cell::live_edges`]) are left out.
pub fn cost(cell: &Cell, cfg: NetConfig, live_only: bool) -> Cost {
    let mut c = Cost::default();
    let live = cell.live_edges();
    let mut side = cfg.input;
    c.conv(3, cfg.c, 3, side, true);
    let mut ch = cfg.c;
    for stage in 0..3 {
        if stage > 0 {
            side /= 2;
            c.conv(ch, 2 * ch, 3, side, true);
            c.conv(2 * ch, 2 * ch, 3, side, true);
            c.conv(ch, 2 * ch, 1, side, false);
            ch *= 2;
        }
        for (e, op) in cell.0.iter().enumerate() {
            if live_only && !live[e] {
                continue;
            }
            let k = match op {
                Op::Conv1x1 => 1,
                Op::Conv3x3 => 3,
                _ => continue,
            };
            for _ in 0..cfg.n {
                c.conv(ch, ch, k, side, true);
            }
        }
    }
    c.params += 2 * ch as u64; // last BN
    c.macs += (ch * cfg.classes) as u64;
    c.params += (ch * cfg.classes + cfg.classes) as u64;
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NATS-Bench (Dong et al., TPAMI 2021) gives the topology space's ranges: CIFAR-10
    /// 7.78–220.11 MFLOPs and 0.073–1.532 MB of parameters; ImageNet16-120 1.95–55.03 MFLOPs.
    #[test]
    fn cost_matches_nats_bench_ranges() {
        let skel = Cell([Op::None; 6]);
        let conv = Cell([Op::Conv3x3; 6]);
        let c10 = NetConfig::nb201(32, 10);
        let (lo, hi) = (cost(&skel, c10, false), cost(&conv, c10, false));
        // The published values are printed with 2 (MFLOPs) and 3 (MB) decimals.
        let near = |v: u64, want: f64, tol: f64| assert!((v as f64 / 1e6 - want).abs() <= tol, "{} vs {want}", v as f64 / 1e6);
        near(lo.macs, 7.78, 0.01);
        near(hi.macs, 220.11, 0.01);
        near(lo.params, 0.073, 0.001);
        near(hi.params, 1.532, 0.001);
        let im = NetConfig::nb201(16, 120);
        near(cost(&skel, im, false).macs, 1.95, 0.01);
        near(cost(&conv, im, false).macs, 55.03, 0.01);
    }

    #[test]
    fn graph_macs_equal_the_analytic_count() {
        for i in [0, 1234, 7777, 15_624] {
            let cell = Cell::from_index(i);
            let cfg = NetConfig::nb201(32, 10);
            let g = build(&cell, cfg, 1);
            assert_eq!(g.macs(32, 32).unwrap(), cost(&cell, cfg, false).macs, "{cell}");
            assert_eq!(g.output_shape(32, 32).unwrap(), [10, 1, 1]);
        }
    }
}
