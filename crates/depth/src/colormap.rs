//! Colour pictures of depth maps: turbo, viridis, inferno or grey over the map's own range,
//! near in warm/bright colours (swap to reverse). The widget applies the same lookup table
//! ([`Colormap::lut`]) with the same rule ([`index`]) in JavaScript, so the page and
//! `edgeplay depth --colormap` draw identical pixels.

use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colormap {
    Turbo,
    Viridis,
    Inferno,
    Grey,
}

#[derive(Debug, thiserror::Error)]
#[error("unknown colormap '{0}' (turbo, viridis, inferno, grey)")]
pub struct UnknownColormap(pub String);

impl FromStr for Colormap {
    type Err = UnknownColormap;
    fn from_str(s: &str) -> Result<Self, UnknownColormap> {
        match s.to_ascii_lowercase().as_str() {
            "turbo" => Ok(Colormap::Turbo),
            "viridis" => Ok(Colormap::Viridis),
            "inferno" => Ok(Colormap::Inferno),
            "grey" | "gray" => Ok(Colormap::Grey),
            _ => Err(UnknownColormap(s.into())),
        }
    }
}

impl Colormap {
    pub const ALL: [Colormap; 4] = [Colormap::Turbo, Colormap::Viridis, Colormap::Inferno, Colormap::Grey];

    pub fn name(self) -> &'static str {
        match self {
            Colormap::Turbo => "turbo",
            Colormap::Viridis => "viridis",
            Colormap::Inferno => "inferno",
            Colormap::Grey => "grey",
        }
    }

    /// 256 RGB entries from the low end of the scale to the high end.
    pub fn lut(self) -> Vec<[u8; 3]> {
        let g = match self {
            Colormap::Turbo => colorous::TURBO,
            Colormap::Viridis => colorous::VIRIDIS,
            Colormap::Inferno => colorous::INFERNO,
            Colormap::Grey => return (0..=255u8).map(|v| [v, v, v]).collect(),
        };
        (0..256).map(|i| g.eval_rational(i, 256)).map(|c| [c.r, c.g, c.b]).collect()
    }
}

/// The finite range of `values` (`None` when none is finite).
pub fn range(values: &[f32]) -> Option<(f32, f32)> {
    let mut it = values.iter().copied().filter(|v| v.is_finite());
    let first = it.next()?;
    Some(it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v))))
}

/// Lookup-table index of `v` in `[lo, hi]`: 255 for the nearest end unless `swap`.
/// `near_is_low` is true for depth (small = near) and false for inverse depth.
pub fn index(v: f32, lo: f32, hi: f32, near_is_low: bool, swap: bool) -> usize {
    let span = hi - lo;
    let t = if span > 0.0 { (v - lo) / span } else { 0.5 };
    let t = if near_is_low != swap { 1.0 - t } else { t };
    (t * 255.0).round().clamp(0.0, 255.0) as usize
}

/// RGB picture of a map; non-finite values are black.
pub fn colorize(values: &[f32], map: Colormap, near_is_low: bool, swap: bool) -> Vec<u8> {
    let lut = map.lut();
    let (lo, hi) = range(values).unwrap_or((0.0, 1.0));
    let mut out = Vec::with_capacity(values.len() * 3);
    for &v in values {
        out.extend_from_slice(&if v.is_finite() { lut[index(v, lo, hi, near_is_low, swap)] } else { [0, 0, 0] });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_swap() {
        assert_eq!(index(1.0, 1.0, 5.0, true, false), 255, "near is the high end");
        assert_eq!(index(5.0, 1.0, 5.0, true, false), 0);
        assert_eq!(index(1.0, 1.0, 5.0, true, true), 0);
        assert_eq!(index(5.0, 1.0, 5.0, false, false), 255, "inverse depth: large is near");
        assert_eq!(index(3.0, 3.0, 3.0, true, false), 128);
    }

    #[test]
    fn luts() {
        for m in Colormap::ALL {
            assert_eq!(m.lut().len(), 256);
            assert_eq!(m.name().parse::<Colormap>().unwrap(), m);
        }
        assert_eq!(Colormap::Grey.lut()[200], [200, 200, 200]);
        let t = Colormap::Turbo.lut();
        assert!(t[40][2] > t[40][0] && t[230][0] > t[230][2], "turbo runs from blue to red: {:?} {:?}", t[40], t[230]);
        assert!("jet".parse::<Colormap>().is_err());
    }

    #[test]
    fn colorize_grey() {
        let rgb = colorize(&[1.0, 2.0, f32::NAN], Colormap::Grey, true, false);
        assert_eq!(rgb, vec![255, 255, 255, 0, 0, 0, 0, 0, 0]);
    }
}
