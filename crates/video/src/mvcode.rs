//! Motion fields entropy-coded: each vector minus the median of its left, upper and
//! upper-right neighbours (H.264's predictor), each component as zero flag, sign and an
//! Exp-Golomb magnitude whose bits are coded with adaptive binary contexts on constriction's
//! range coder (`edgeplay_spiht::coder`, the same coder as SPIHT-AC).

use edgeplay_spiht::coder::{ArithReader, ArithWriter, BitSink, BitSource};

use crate::motion::{MotionField, MAX_VECTOR};

const ZERO: usize = 0; // per component
const SIGN: usize = 2;
const PREFIX: usize = 4; // component x 16
const SUFFIX: usize = 36; // component x 16
const CONTEXTS: usize = 68;
/// Longest Exp-Golomb prefix a valid stream holds (|d| <= 2 * MAX_VECTOR < 2^10).
const MAX_PREFIX: usize = 12;

fn predictor(v: &[[i32; 2]], cols: usize, i: usize) -> [i32; 2] {
    let (r, c) = (i / cols, i % cols);
    let left = (c > 0).then(|| v[i - 1]);
    if r == 0 {
        return left.unwrap_or([0, 0]);
    }
    let up = v[i - cols];
    let diag = if c + 1 < cols { v[i - cols + 1] } else if c > 0 { v[i - cols - 1] } else { up };
    let a = left.unwrap_or(up);
    let med = |x: i32, y: i32, z: i32| x.max(y).min(x.min(y).max(z));
    [med(a[0], up[0], diag[0]), med(a[1], up[1], diag[1])]
}

/// The coded bytes of a field (its size is known from the frame size and block).
pub fn encode(f: &MotionField) -> Vec<u8> {
    let mut w = ArithWriter::new(CONTEXTS, None);
    for i in 0..f.vectors.len() {
        let p = predictor(&f.vectors, f.cols, i);
        for c in 0..2 {
            let d = f.vectors[i][c] - p[c];
            w.put(d == 0, ZERO + c);
            if d == 0 {
                continue;
            }
            w.put(d < 0, SIGN + c);
            let m = d.unsigned_abs(); // >= 1: Exp-Golomb of m - 1
            let n = 31 - m.leading_zeros(); // m in [2^n, 2^(n+1))
            for k in 0..n as usize {
                w.put(true, PREFIX + c * 16 + k.min(15));
            }
            w.put(false, PREFIX + c * 16 + (n as usize).min(15));
            for k in (0..n).rev() {
                w.put((m >> k) & 1 == 1, SUFFIX + c * 16 + (k as usize).min(15));
            }
        }
    }
    w.finish()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MvError {
    #[error("invalid motion field: {0}")]
    Invalid(&'static str),
}

/// Decodes a field of `cols x rows` blocks from its whole payload (the record layer knows
/// its length and refuses a cut one); every vector component within ±[`MAX_VECTOR`].
pub fn decode(data: &[u8], cols: usize, rows: usize, block: usize) -> Result<MotionField, MvError> {
    let mut r = ArithReader::complete(data, CONTEXTS);
    let mut v = vec![[0i32; 2]; cols * rows];
    for i in 0..v.len() {
        let p = predictor(&v, cols, i);
        for c in 0..2 {
            let mut bit = |ctx| r.get(ctx).ok_or(MvError::Invalid("undetermined symbol"));
            if bit(ZERO + c)? {
                v[i][c] = p[c];
                continue;
            }
            let neg = bit(SIGN + c)?;
            let mut n = 0usize;
            while bit(PREFIX + c * 16 + n.min(15))? {
                n += 1;
                if n > MAX_PREFIX {
                    return Err(MvError::Invalid("vector difference too long"));
                }
            }
            let mut m = 1u32;
            for k in (0..n).rev() {
                m = (m << 1) | bit(SUFFIX + c * 16 + k.min(15))? as u32;
            }
            let d = if neg { -(m as i32) } else { m as i32 };
            let x = p[c] + d;
            if x.abs() > MAX_VECTOR {
                return Err(MvError::Invalid("vector beyond the search range"));
            }
            v[i][c] = x;
        }
    }
    Ok(MotionField { cols, rows, block, vectors: v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let (cols, rows) = (7, 5);
        let vectors: Vec<[i32; 2]> = (0..cols * rows).map(|i| [((i * 37) % 61) as i32 - 30, if i % 3 == 0 { 0 } else { -(i as i32) }]).collect();
        let f = MotionField { cols, rows, block: 16, vectors };
        let bytes = encode(&f);
        assert_eq!(decode(&bytes, cols, rows, 16).unwrap(), f);
        // A smooth field costs far less than a random one.
        let smooth = MotionField { cols: 20, rows: 15, block: 16, vectors: vec![[12, -8]; 300] };
        assert!(encode(&smooth).len() < 40, "{}", encode(&smooth).len());
    }

    #[test]
    fn garbage_is_refused_or_bounded() {
        for seed in 0..200u32 {
            let data: Vec<u8> = (0..64).map(|i| (seed.wrapping_mul(2654435761).wrapping_add(i * 97) >> 7) as u8).collect();
            if let Ok(f) = decode(&data, 6, 4, 8) {
                assert!(f.vectors.iter().all(|v| v[0].abs() <= MAX_VECTOR && v[1].abs() <= MAX_VECTOR));
            }
        }
    }
}
