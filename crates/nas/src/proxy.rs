//! Forward-only zero-cost proxies, measured by running the (randomly initialised) network on
//! a batch of natural-image crops.
//!
//! NASWOT (Mellor et al., "Neural Architecture Search without Training", ICML 2021): every
//! ReLU of the network turns an input into a binary code (which units are active). Networks
//! that give different images very different codes tend to train to higher accuracy. With
//! `c_i` the code of image `i` over all ReLU units, `K[i][j]` = number of units where the
//! codes of `i` and `j` agree; the score is log |det K|.

use edgeplay_nn::{cpu, Act, Graph, Op as NnOp, Tensor, Unary};

use crate::network::{build, NetConfig};
use crate::space::Cell;
use crate::Error;

/// 32 crops of 32×32 RGB (u8, CHW) from the Kodak sample images (`scripts/nas-crops.py`).
const CROPS: &[u8] = include_bytes!("../data/crops.u8");
pub const CROP_COUNT: usize = 32;

/// The crops as normalised tensors (per-channel mean 0, deviation 1 over the batch), resized
/// to `side` (32, or 16 by 2×2 averaging).
pub fn crops(side: usize, count: usize) -> Vec<Tensor> {
    let count = count.min(CROP_COUNT);
    let mut imgs: Vec<Vec<f32>> = CROPS.chunks_exact(3 * 32 * 32).take(count).map(|c| c.iter().map(|&v| v as f32 / 255.0).collect()).collect();
    if side == 16 {
        imgs = imgs
            .iter()
            .map(|im| {
                let mut o = vec![0f32; 3 * 16 * 16];
                for c in 0..3 {
                    for y in 0..16 {
                        for x in 0..16 {
                            let at = |dy: usize, dx: usize| im[c * 1024 + (2 * y + dy) * 32 + 2 * x + dx];
                            o[c * 256 + y * 16 + x] = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4.0;
                        }
                    }
                }
                o
            })
            .collect();
    }
    let n = side * side;
    for c in 0..3 {
        let vals = imgs.iter().flat_map(|im| im[c * n..(c + 1) * n].iter().copied());
        let (mut s, mut s2, mut k) = (0f64, 0f64, 0f64);
        for v in vals {
            s += v as f64;
            s2 += (v as f64) * (v as f64);
            k += 1.0;
        }
        let mean = s / k;
        let sd = (s2 / k - mean * mean).max(1e-12).sqrt();
        for im in &mut imgs {
            for v in &mut im[c * n..(c + 1) * n] {
                *v = ((*v as f64 - mean) / sd) as f32;
            }
        }
    }
    imgs.into_iter().map(|d| Tensor::new(3, side, side, d).expect("crop shape")).collect()
}

/// Settings of the NASWOT measurement: a reduced network (fewer channels and cells than the
/// trained one: about 0.19 s per architecture natively on this project's 2-core machine, 1,223 s for
/// the 6,466 isomorphism classes) on `batch` crops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProxyConfig {
    pub net: NetConfig,
    pub batch: usize,
    pub seed: u64,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig { net: NetConfig { c: 8, n: 1, input: 32, classes: 10 }, batch: 32, seed: 0 }
    }
}

/// Which layers of `g` produce ReLU outputs.
fn relu_layers(g: &Graph) -> Vec<bool> {
    g.layers
        .iter()
        .map(|l| match &l.op {
            NnOp::Unary(Unary::Relu) => true,
            NnOp::Conv(c) => c.act == Act::Relu,
            _ => false,
        })
        .collect()
}

/// NASWOT score of `cell` (log |det K|; `f64::NEG_INFINITY` when K is singular, e.g. for a
/// cell whose output is always zero).
pub fn naswot(cell: &Cell, cfg: &ProxyConfig) -> Result<f64, Error> {
    let g = build(cell, cfg.net, cfg.seed);
    let relu = relu_layers(&g);
    let inputs = crops(cfg.net.input, cfg.batch);
    // Binary codes, packed 64 units per word.
    let mut codes: Vec<Vec<u64>> = Vec::with_capacity(inputs.len());
    let mut units = 0usize;
    for x in &inputs {
        let mut bits: Vec<u64> = Vec::new();
        let mut n = 0usize;
        cpu::run_probed(&g, x, &mut |i, t| {
            if relu[i] {
                for &v in &t.data {
                    if n.is_multiple_of(64) {
                        bits.push(0);
                    }
                    if v > 0.0 {
                        *bits.last_mut().expect("pushed") |= 1 << (n % 64);
                    }
                    n += 1;
                }
            }
        })?;
        units = n;
        codes.push(bits);
    }
    let b = codes.len();
    let mut k = vec![0f64; b * b];
    for i in 0..b {
        for j in 0..=i {
            let differ: u32 = codes[i].iter().zip(&codes[j]).map(|(a, c)| (a ^ c).count_ones()).sum();
            let agree = (units - differ as usize) as f64;
            k[i * b + j] = agree;
            k[j * b + i] = agree;
        }
    }
    Ok(log_abs_det(&mut k, b))
}

/// log |det A| by LU with partial pivoting (A is overwritten).
pub fn log_abs_det(a: &mut [f64], n: usize) -> f64 {
    let mut acc = 0.0;
    for col in 0..n {
        let p = (col..n).max_by(|&x, &y| a[x * n + col].abs().total_cmp(&a[y * n + col].abs())).expect("non-empty");
        let piv = a[p * n + col];
        let scale = (0..n).map(|r| a[r * n + col].abs()).fold(0.0, f64::max).max(1.0);
        if piv.abs() <= 1e-12 * scale {
            return f64::NEG_INFINITY;
        }
        if p != col {
            for c in 0..n {
                a.swap(p * n + c, col * n + c);
            }
        }
        acc += piv.abs().ln();
        for r in col + 1..n {
            let f = a[r * n + col] / piv;
            if f != 0.0 {
                for c in col..n {
                    a[r * n + c] -= f * a[col * n + c];
                }
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Op;

    #[test]
    fn log_det_of_known_matrices() {
        let mut a = vec![2.0, 1.0, 1.0, 3.0];
        assert!((log_abs_det(&mut a, 2) - 5f64.ln()).abs() < 1e-12);
        let mut s = vec![1.0, 2.0, 2.0, 4.0];
        assert_eq!(log_abs_det(&mut s, 2), f64::NEG_INFINITY);
    }

    #[test]
    fn crops_are_normalised() {
        for side in [32, 16] {
            let c = crops(side, 32);
            assert_eq!(c.len(), 32);
            let all: Vec<f32> = c.iter().flat_map(|t| t.data[..side * side].iter().copied()).collect();
            let mean = all.iter().map(|&v| v as f64).sum::<f64>() / all.len() as f64;
            assert!(mean.abs() < 1e-4, "{mean}");
        }
    }

    #[test]
    fn naswot_ranks_a_convolutional_cell_above_a_disconnected_one() {
        let cfg = ProxyConfig { batch: 8, ..ProxyConfig::default() };
        let conv = naswot(&Cell([Op::Conv3x3, Op::Conv3x3, Op::Conv3x3, Op::Skip, Op::Conv3x3, Op::Conv3x3]), &cfg).unwrap();
        let skip = naswot(&Cell([Op::None, Op::None, Op::None, Op::Skip, Op::None, Op::None]), &cfg).unwrap();
        assert!(conv.is_finite() && conv > skip, "{conv} vs {skip}");
        // Deterministic.
        assert_eq!(conv, naswot(&Cell([Op::Conv3x3, Op::Conv3x3, Op::Conv3x3, Op::Skip, Op::Conv3x3, Op::Conv3x3]), &cfg).unwrap());
    }
}

/// The whole-space score table as little-endian f32 (what `edgeplay nas proxies` writes).
pub fn table_to_bytes(scores: &[f64]) -> Vec<u8> {
    scores.iter().flat_map(|&v| (v as f32).to_le_bytes()).collect()
}

/// Reads [`table_to_bytes`]'s output back (one score per cell of the space).
pub fn table_from_bytes(bytes: &[u8]) -> Result<Vec<f64>, crate::Error> {
    if bytes.len() != crate::space::SPACE_SIZE * 4 {
        return Err(crate::Error::ProxyTable { got: bytes.len(), expected: crate::space::SPACE_SIZE * 4 });
    }
    Ok(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64).collect())
}
