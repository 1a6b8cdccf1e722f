//! GOP structures and the rate split between frames.
//!
//! - **IPP**: frame 0 intra, every later frame predicted from the one before.
//! - **Hierarchical B** (GOP g, a power of two ≤ 16): anchors at 0, g, 2g, … and the last
//!   frame; each anchor after the first is a P-frame predicted from the anchor before it;
//!   the frames between two anchors are B-frames coded midpoint first (level 1), then the
//!   midpoints of each half (level 2), and so on. A B-frame's reference is the
//!   interpolation of its two (already decoded) neighbours in this hierarchy.
//!
//! Rate split: one quantizer step `q` for the whole clip, scaled per frame by
//! [`step_factor`] — finer for frames that others are predicted from (the error of a
//! reference propagates into every frame that uses it), coarser the deeper a B-frame sits
//! (nothing, or fewer frames, depend on it). Equal steps are what equal-slope rate allocation
//! gives for a high-rate uniform quantizer; the factors are the usual "QP offsets".

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Gop {
    /// I P P P …
    Ipp,
    /// I B … B P with hierarchical B-frames, GOP size 2..=16 (a power of two).
    Hierarchical(u8),
}

impl Gop {
    pub fn label(self) -> String {
        match self {
            Gop::Ipp => "IPP".into(),
            Gop::Hierarchical(g) => format!("IB (GOP {g})"),
        }
    }
    /// Stream byte: 0 = IPP, else the GOP size.
    pub fn to_byte(self) -> u8 {
        match self {
            Gop::Ipp => 0,
            Gop::Hierarchical(g) => g,
        }
    }
    pub fn from_byte(b: u8) -> Option<Gop> {
        match b {
            0 => Some(Gop::Ipp),
            2 | 4 | 8 | 16 => Some(Gop::Hierarchical(b)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Kind {
    I,
    P,
    B,
}

impl Kind {
    pub fn to_byte(self) -> u8 {
        self as u8
    }
    pub fn letter(self) -> &'static str {
        match self {
            Kind::I => "I",
            Kind::P => "P",
            Kind::B => "B",
        }
    }
}

/// One frame in coding order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coded {
    pub display: usize,
    pub kind: Kind,
    /// P: `[r, r]`; B: `[past, future]`; I: unused.
    pub refs: [usize; 2],
    /// 0 for I and P; 1, 2, … for B-frames by depth in the hierarchy.
    pub level: u8,
}

/// The coding order of `n` frames.
pub fn coding_order(gop: Gop, n: usize) -> Vec<Coded> {
    let mut out = Vec::with_capacity(n);
    if n == 0 {
        return out;
    }
    out.push(Coded { display: 0, kind: Kind::I, refs: [0, 0], level: 0 });
    match gop {
        Gop::Ipp => {
            for i in 1..n {
                out.push(Coded { display: i, kind: Kind::P, refs: [i - 1, i - 1], level: 0 });
            }
        }
        Gop::Hierarchical(g) => {
            let g = g as usize;
            let mut a = 0;
            while a + 1 < n {
                let b = (a + g).min(n - 1);
                out.push(Coded { display: b, kind: Kind::P, refs: [a, a], level: 0 });
                split(a, b, 1, &mut out);
                a = b;
            }
        }
    }
    out
}

/// For each display index, the position in `order` of the last frame that predicts from it
/// (`None`: no frame does) — when a decoder may let its reference go.
pub fn last_use(order: &[Coded]) -> Vec<Option<usize>> {
    let mut out = vec![None; order.len()];
    for (k, c) in order.iter().enumerate() {
        if c.kind != Kind::I {
            for r in c.refs {
                if let Some(slot) = out.get_mut(r) {
                    *slot = Some(k);
                }
            }
        }
    }
    out
}

fn split(a: usize, b: usize, level: u8, out: &mut Vec<Coded>) {
    if b - a < 2 {
        return;
    }
    let m = (a + b) / 2;
    out.push(Coded { display: m, kind: Kind::B, refs: [a, b], level });
    split(a, m, level + 1, out);
    split(m, b, level + 1, out);
}

/// The quantizer step of a frame relative to the clip's `q` (see the module notes).
pub fn step_factor(gop: Gop, c: &Coded) -> f32 {
    match (c.kind, gop) {
        (Kind::I, _) => 0.5,
        (Kind::P, Gop::Ipp) => 1.0,
        (Kind::P, Gop::Hierarchical(_)) => 0.6,
        (Kind::B, _) => 0.8 + 0.2 * c.level as f32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hierarchical_order_of_33_frames() {
        let o = coding_order(Gop::Hierarchical(8), 33);
        assert_eq!(o.len(), 33);
        let first: Vec<usize> = o.iter().take(9).map(|c| c.display).collect();
        assert_eq!(first, [0, 8, 4, 2, 1, 3, 6, 5, 7]);
        assert_eq!(o[2].refs, [0, 8]);
        assert_eq!(o[4].level, 3);
        // Every frame once; every reference decoded before it is used.
        let mut seen = vec![false; 33];
        for c in &o {
            if c.kind != Kind::I {
                assert!(seen[c.refs[0]] && seen[c.refs[1]]);
            }
            assert!(!seen[c.display]);
            seen[c.display] = true;
        }
        // Uneven tails and tiny clips.
        for n in 1..20 {
            let o = coding_order(Gop::Hierarchical(8), n);
            assert_eq!(o.len(), n);
            assert_eq!(coding_order(Gop::Ipp, n).len(), n);
        }
    }
}
