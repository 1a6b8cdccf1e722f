//! Picture of a wavelet decomposition: each subband scaled on its own so that every level
//! is visible. LL: linear min–max; detail bands: log(1 + |c|) scaled to the band's maximum.

use crate::{region, Plane};

/// One rectangle of the Mallat layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subband {
    /// 1 = finest level.
    pub level: u32,
    /// "LL", "HL" (horizontal high-pass, top right), "LH" (bottom left) or "HH".
    pub kind: &'static str,
    pub x: usize,
    pub y: usize,
    pub w: usize,
    pub h: usize,
}

/// The subbands of a `levels`-level decomposition, finest first, LL last.
pub fn subbands(width: usize, height: usize, levels: u32) -> Vec<Subband> {
    let levels = levels.min(crate::max_levels(width, height));
    let mut out = Vec::new();
    for l in 0..levels {
        let (w, h) = region(width, height, l);
        let (lw, lh) = region(width, height, l + 1);
        let level = l + 1;
        out.push(Subband { level, kind: "HL", x: lw, y: 0, w: w - lw, h: lh });
        out.push(Subband { level, kind: "LH", x: 0, y: lh, w: lw, h: h - lh });
        out.push(Subband { level, kind: "HH", x: lw, y: lh, w: w - lw, h: h - lh });
    }
    let (w, h) = region(width, height, levels);
    out.push(Subband { level: levels, kind: "LL", x: 0, y: 0, w, h });
    out
}

/// RGBA pixels (grey, opaque) of the decomposition.
pub fn render(coeffs: &Plane, levels: u32) -> Vec<u8> {
    let mut out = vec![255u8; coeffs.width * coeffs.height * 4];
    for b in subbands(coeffs.width, coeffs.height, levels) {
        if b.w == 0 || b.h == 0 {
            continue;
        }
        let vals = |f: &dyn Fn(f32) -> f32| {
            let mut lo = f32::INFINITY;
            let mut hi = f32::NEG_INFINITY;
            for y in b.y..b.y + b.h {
                for x in b.x..b.x + b.w {
                    let v = f(coeffs.at(x, y));
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
            (lo, hi)
        };
        let ll = b.kind == "LL";
        let map = |c: f32| if ll { c } else { (1.0 + c.abs()).ln() };
        let (lo, hi) = if ll { vals(&map) } else { (0.0, vals(&map).1) };
        let scale = if hi > lo { 255.0 / (hi - lo) } else { 0.0 };
        for y in b.y..b.y + b.h {
            for x in b.x..b.x + b.w {
                let g = ((map(coeffs.at(x, y)) - lo) * scale).round().clamp(0.0, 255.0) as u8;
                let i = (y * coeffs.width + x) * 4;
                out[i] = g;
                out[i + 1] = g;
                out[i + 2] = g;
            }
        }
    }
    out
}
