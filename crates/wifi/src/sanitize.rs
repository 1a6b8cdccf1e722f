//! CSI sanitisation: from raw I/Q per FFT bin to features that do not depend on the
//! receiver's gain, timing offset or carrier phase.
//!
//! 1. Keep the subcarriers that carry data (802.11n/ac tone maps: DC, guard and null tones are
//!    dropped; pilots too unless asked to keep them), in frequency order k = −K…K.
//! 2. Amplitude |H(k)|, divided by its RMS over the kept subcarriers (the AGC gain cancels).
//! 3. Phase ∠H(k), unwrapped along k; then the least-squares line a·k + b is subtracted: the
//!    slope is the packet-detection (timing) delay, the intercept the carrier phase offset,
//!    both random per packet; what remains is the multipath's non-linear phase.

use std::f64::consts::PI;

/// The subcarriers kept for an n-point channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Subcarriers {
    /// Subcarrier index (frequency order, negative to positive).
    pub k: Vec<i32>,
    /// FFT bin of each kept subcarrier (k mod n).
    pub bins: Vec<usize>,
    pub n: usize,
}

impl Subcarriers {
    /// VHT tone maps for 64 (20 MHz), 128 (40), 256 (80) and 512 (160 MHz) bins; `None` for
    /// other sizes.
    pub fn new(n: usize, keep_pilots: bool) -> Option<Subcarriers> {
        let (ranges, pilots): (&[(i32, i32)], &[i32]) = match n {
            64 => (&[(1, 28)], &[7, 21]),
            128 => (&[(2, 58)], &[11, 25, 53]),
            256 => (&[(2, 122)], &[11, 39, 75, 103]),
            512 => (&[(6, 126), (130, 250)], &[25, 53, 89, 117, 139, 167, 203, 231]),
            _ => return None,
        };
        let mut k: Vec<i32> = ranges.iter().flat_map(|&(a, b)| (a..=b).flat_map(|v| [v, -v])).collect();
        if !keep_pilots {
            k.retain(|v| !pilots.contains(&v.abs()));
        }
        k.sort_unstable();
        let bins = k.iter().map(|&v| v.rem_euclid(n as i32) as usize).collect();
        Some(Subcarriers { k, bins, n })
    }

    pub fn len(&self) -> usize {
        self.k.len()
    }

    pub fn is_empty(&self) -> bool {
        self.k.is_empty()
    }
}

/// One packet's sanitised CSI over [`Subcarriers::k`].
#[derive(Debug, Clone, PartialEq)]
pub struct Sanitized {
    /// |H(k)| / RMS over the kept subcarriers.
    pub amplitude: Vec<f32>,
    /// Unwrapped phase minus its least-squares line in k (radians).
    pub phase: Vec<f32>,
    /// The removed line: slope (rad per subcarrier) and intercept (rad).
    pub slope: f32,
    pub offset: f32,
}

/// Sanitises one packet's CSI (FFT order, as Nexmon sends it). `None` when the packet has
/// another number of bins than `sc` or no energy on the kept subcarriers.
pub fn sanitize(csi: &[(i16, i16)], sc: &Subcarriers) -> Option<Sanitized> {
    if csi.len() != sc.n || sc.is_empty() {
        return None;
    }
    let h: Vec<(f64, f64)> = sc.bins.iter().map(|&b| (csi[b].0 as f64, csi[b].1 as f64)).collect();
    let mag: Vec<f64> = h.iter().map(|(i, q)| i.hypot(*q)).collect();
    let rms = (mag.iter().map(|m| m * m).sum::<f64>() / mag.len() as f64).sqrt();
    if rms == 0.0 {
        return None;
    }
    let mut phase: Vec<f64> = h.iter().map(|(i, q)| q.atan2(*i)).collect();
    unwrap(&mut phase);
    let (slope, offset) = line_fit(&sc.k, &phase);
    Some(Sanitized {
        amplitude: mag.iter().map(|m| (m / rms) as f32).collect(),
        phase: phase.iter().zip(&sc.k).map(|(p, &k)| (p - slope * k as f64 - offset) as f32).collect(),
        slope: slope as f32,
        offset: offset as f32,
    })
}

/// Makes successive differences lie in (−π, π].
pub fn unwrap(p: &mut [f64]) {
    for i in 1..p.len() {
        let d = p[i] - p[i - 1];
        p[i] -= 2.0 * PI * ((d + PI) / (2.0 * PI)).floor();
        if p[i] - p[i - 1] == -PI {
            p[i] += 2.0 * PI;
        }
    }
}

/// Least-squares line y ≈ a·x + b.
fn line_fit(x: &[i32], y: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mx = x.iter().map(|&v| v as f64).sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let sxx: f64 = x.iter().map(|&v| (v as f64 - mx).powi(2)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(&v, w)| (v as f64 - mx) * (w - my)).sum();
    let a = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (a, my - a * mx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(sc: &Subcarriers, slope: f64, offset: f64, gain: f64) -> Vec<(i16, i16)> {
        let mut csi = vec![(0i16, 0i16); sc.n];
        for &k in &sc.k {
            // A two-path channel: smooth amplitude ripple and a non-linear phase.
            let (re, im) = (1.0 + 0.5 * (0.3 * k as f64).cos(), 0.4 * (0.21 * k as f64).sin());
            let (a, p) = (re.hypot(im) * gain, im.atan2(re) + slope * k as f64 + offset);
            csi[k.rem_euclid(sc.n as i32) as usize] = ((a * p.cos()).round() as i16, (a * p.sin()).round() as i16);
        }
        csi
    }

    #[test]
    fn tone_maps_drop_dc_guards_and_pilots() {
        let sc = Subcarriers::new(64, false).unwrap();
        assert_eq!(sc.len(), 52);
        for b in [0, 7, 21, 29, 30, 31, 32, 33, 34, 35, 43, 57] {
            assert!(!sc.bins.contains(&b), "bin {b}");
        }
        assert_eq!(Subcarriers::new(64, true).unwrap().len(), 56);
        assert_eq!(Subcarriers::new(128, false).unwrap().len(), 108);
        assert_eq!(Subcarriers::new(256, false).unwrap().len(), 234);
        assert_eq!(Subcarriers::new(512, false).unwrap().len(), 468);
        assert!(Subcarriers::new(100, false).is_none());
    }

    #[test]
    fn features_ignore_gain_timing_and_carrier_phase() {
        let sc = Subcarriers::new(64, false).unwrap();
        let base = sanitize(&channel(&sc, 0.0, 0.0, 4000.0), &sc).unwrap();
        for (slope, offset, gain) in [(0.4, 2.5, 4000.0), (-0.9, -3.0, 1500.0), (0.05, 10.0, 9000.0), (1.3, 0.7, 3000.0)] {
            let s = sanitize(&channel(&sc, slope, offset, gain), &sc).unwrap();
            let da = s.amplitude.iter().zip(&base.amplitude).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            let dp = s.phase.iter().zip(&base.phase).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            assert!(da < 2e-3, "amplitude differs by {da} (slope {slope}, gain {gain})");
            assert!(dp < 2e-3, "phase differs by {dp} (slope {slope}, offset {offset})");
            assert!((s.slope - base.slope - slope as f32).abs() < 1e-3, "slope {} vs {}", s.slope, slope);
        }
        // RMS-normalised amplitude; the residual phase has no line left in it.
        let rms = (base.amplitude.iter().map(|a| a * a).sum::<f32>() / base.amplitude.len() as f32).sqrt();
        assert!((rms - 1.0).abs() < 1e-5);
        let (a, b) = line_fit(&sc.k, &base.phase.iter().map(|&p| p as f64).collect::<Vec<_>>());
        assert!(a.abs() < 1e-6 && b.abs() < 1e-6);
    }

    #[test]
    fn unwrap_follows_a_steep_ramp() {
        let truth: Vec<f64> = (0..40).map(|i| 2.9 * i as f64).collect();
        let mut p: Vec<f64> = truth.iter().map(|v| (v.sin()).atan2(v.cos())).collect();
        unwrap(&mut p);
        for (a, b) in p.iter().zip(&truth) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }

    #[test]
    fn empty_or_mismatched_packets_give_none() {
        let sc = Subcarriers::new(64, false).unwrap();
        assert!(sanitize(&vec![(0, 0); 64], &sc).is_none());
        assert!(sanitize(&vec![(1, 1); 128], &sc).is_none());
    }
}
