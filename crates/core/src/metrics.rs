//! Image quality metrics used by the RD harness and the playground.
//!
//! Images are 8-bit, 1 (grey) or 3 (RGB) interleaved channels of the same size.
//! - [`psnr`]: over all channels (PSNR-RGB for colour images).
//! - [`psnr_y`]: on BT.601 luma.
//! - [`ms_ssim`]: multi-scale SSIM on luma, 5 scales with the weights of Wang et al. (2003),
//!   11x11 Gaussian window (σ = 1.5), K1 = 0.01, K2 = 0.03, 2x2 average down-sampling; fewer
//!   scales when the image is too small for five (each scale needs at least 11x11 pixels).

/// PSNR in dB over all samples (infinite for identical images).
pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let se: f64 = a.iter().zip(b).map(|(x, y)| (*x as f64 - *y as f64).powi(2)).sum();
    to_db(se / a.len().max(1) as f64)
}

fn to_db(mse: f64) -> f64 {
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

/// BT.601 luma (0.299 R + 0.587 G + 0.114 B) as f64; grey images pass through.
pub fn luma(px: &[u8], channels: usize) -> Vec<f64> {
    match channels {
        1 => px.iter().map(|&v| v as f64).collect(),
        3 => px.chunks_exact(3).map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64).collect(),
        4 => px.chunks_exact(4).map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64).collect(),
        _ => panic!("channels must be 1, 3 or 4"),
    }
}

/// PSNR of the luma planes.
pub fn psnr_y(a: &[u8], b: &[u8], channels: usize) -> f64 {
    let (ya, yb) = (luma(a, channels), luma(b, channels));
    let se: f64 = ya.iter().zip(&yb).map(|(x, y)| (x - y).powi(2)).sum();
    to_db(se / ya.len().max(1) as f64)
}

const WEIGHTS: [f64; 5] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];
const WIN: usize = 11;

fn gaussian() -> [f64; WIN] {
    let mut g = [0.0; WIN];
    let s = 1.5f64;
    for (i, v) in g.iter_mut().enumerate() {
        let d = i as f64 - 5.0;
        *v = (-d * d / (2.0 * s * s)).exp();
    }
    let sum: f64 = g.iter().sum();
    g.map(|v| v / sum)
}

/// Separable "valid" Gaussian filtering of a w x h plane.
fn blur(p: &[f64], w: usize, h: usize, g: &[f64; WIN]) -> (Vec<f64>, usize, usize) {
    let ow = w + 1 - WIN;
    let oh = h + 1 - WIN;
    let mut tmp = vec![0.0; ow * h];
    for y in 0..h {
        for x in 0..ow {
            tmp[y * ow + x] = (0..WIN).map(|k| p[y * w + x + k] * g[k]).sum();
        }
    }
    let mut out = vec![0.0; ow * oh];
    for y in 0..oh {
        for x in 0..ow {
            out[y * ow + x] = (0..WIN).map(|k| tmp[(y + k) * ow + x] * g[k]).sum();
        }
    }
    (out, ow, oh)
}

/// (mean luminance term × contrast-structure, mean contrast-structure) at one scale.
fn ssim_terms(a: &[f64], b: &[f64], w: usize, h: usize, g: &[f64; WIN]) -> (f64, f64) {
    let c1 = (0.01 * 255.0f64).powi(2);
    let c2 = (0.03 * 255.0f64).powi(2);
    let prod = |f: &dyn Fn(f64, f64) -> f64| a.iter().zip(b).map(|(x, y)| f(*x, *y)).collect::<Vec<_>>();
    let (ma, ow, oh) = blur(a, w, h, g);
    let (mb, _, _) = blur(b, w, h, g);
    let (saa, _, _) = blur(&prod(&|x, _| x * x), w, h, g);
    let (sbb, _, _) = blur(&prod(&|_, y| y * y), w, h, g);
    let (sab, _, _) = blur(&prod(&|x, y| x * y), w, h, g);
    let n = (ow * oh) as f64;
    let (mut ssim, mut cs) = (0.0, 0.0);
    for i in 0..ow * oh {
        let (va, vb, cov) = (saa[i] - ma[i] * ma[i], sbb[i] - mb[i] * mb[i], sab[i] - ma[i] * mb[i]);
        let csi = (2.0 * cov + c2) / (va + vb + c2);
        let li = (2.0 * ma[i] * mb[i] + c1) / (ma[i] * ma[i] + mb[i] * mb[i] + c1);
        ssim += li * csi;
        cs += csi;
    }
    (ssim / n, cs / n)
}

fn downsample(p: &[f64], w: usize, h: usize) -> (Vec<f64>, usize, usize) {
    let (ow, oh) = (w / 2, h / 2);
    let mut out = vec![0.0; ow * oh];
    for y in 0..oh {
        for x in 0..ow {
            let i = 2 * y * w + 2 * x;
            out[y * ow + x] = 0.25 * (p[i] + p[i + 1] + p[i + w] + p[i + w + 1]);
        }
    }
    (out, ow, oh)
}

/// MS-SSIM of two images' luma; `None` when the image is smaller than 11x11.
pub fn ms_ssim(a: &[u8], b: &[u8], width: usize, height: usize, channels: usize) -> Option<f64> {
    let g = gaussian();
    let (mut pa, mut pb) = (luma(a, channels), luma(b, channels));
    let (mut w, mut h) = (width, height);
    let mut scales = 0;
    let (mut sw, mut sh) = (w, h);
    while scales < 5 && sw >= WIN && sh >= WIN {
        scales += 1;
        sw /= 2;
        sh /= 2;
    }
    if scales == 0 {
        return None;
    }
    let wsum: f64 = WEIGHTS[..scales].iter().sum();
    let mut result = 1.0;
    for (s, weight) in WEIGHTS[..scales].iter().enumerate() {
        let (ssim, cs) = ssim_terms(&pa, &pb, w, h, &g);
        let wt = weight / wsum;
        if s + 1 == scales {
            result *= ssim.max(0.0).powf(wt);
        } else {
            result *= cs.max(0.0).powf(wt);
            let (na, nw, nh) = downsample(&pa, w, h);
            let (nb, _, _) = downsample(&pb, w, h);
            pa = na;
            pb = nb;
            w = nw;
            h = nh;
        }
    }
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psnr_of_known_error() {
        // Every sample off by 5: MSE 25 → 10 log10(65025/25) = 34.151 dB.
        let a = vec![100u8; 300];
        let b = vec![105u8; 300];
        assert!((psnr(&a, &b) - 34.1514).abs() < 1e-3);
        assert!(psnr(&a, &a).is_infinite());
        assert!((psnr_y(&a, &b, 3) - 34.1514).abs() < 1e-3);
    }

    #[test]
    fn ms_ssim_behaves() {
        let (w, h) = (256, 192);
        let a: Vec<u8> = (0..w * h).map(|i| ((i % w) as f64 * 0.7 + ((i / w) as f64 * 0.3).sin() * 40.0 + 60.0) as u8).collect();
        assert!((ms_ssim(&a, &a, w, h, 1).unwrap() - 1.0).abs() < 1e-12);
        let noisy: Vec<u8> = a.iter().enumerate().map(|(i, v)| v.saturating_add(((i * 7919) % 13) as u8)).collect();
        let very: Vec<u8> = a.iter().enumerate().map(|(i, v)| v.saturating_add(((i * 7919) % 61) as u8)).collect();
        let m1 = ms_ssim(&a, &noisy, w, h, 1).unwrap();
        let m2 = ms_ssim(&a, &very, w, h, 1).unwrap();
        assert!(m1 < 1.0 && m2 < m1, "{m1} {m2}");
        assert!(ms_ssim(&a[..100], &a[..100], 10, 10, 1).is_none());
    }
}

/// PSNR over R, G and B (dB; infinite for identical images) and MS-SSIM of the luma (`None`
/// below 11×11): the numbers the compression widget and `edgeplay rd` report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    pub psnr: f64,
    pub ms_ssim: Option<f64>,
}

/// Two buffers that are not both `width` × `height` RGBA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeError {
    pub a: usize,
    pub b: usize,
    pub width: usize,
    pub height: usize,
}

impl std::fmt::Display for SizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "image quality: {} and {} bytes for {}x{} RGBA", self.a, self.b, self.width, self.height)
    }
}

impl std::error::Error for SizeError {}

/// [`Quality`] of two RGBA images of one size (alpha ignored).
pub fn rgba_quality(a: &[u8], b: &[u8], width: usize, height: usize) -> Result<Quality, SizeError> {
    if width.checked_mul(height).and_then(|n| n.checked_mul(4)) != Some(a.len()) || b.len() != a.len() {
        return Err(SizeError { a: a.len(), b: b.len(), width, height });
    }
    let rgb = |x: &[u8]| x.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect::<Vec<u8>>();
    let (a, b) = (rgb(a), rgb(b));
    Ok(Quality { psnr: psnr(&a, &b), ms_ssim: ms_ssim(&a, &b, width, height, 3) })
}
