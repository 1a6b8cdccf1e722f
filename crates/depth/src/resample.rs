//! The resize rule shared by the CLI and the widget: the **whole** picture is resized to the
//! network's input size (no crop: the network sees it stretched) and the prediction is
//! resized back to the picture's own size, so what is shown and saved always has the
//! input's width, height and aspect ratio.
//!
//! Both resizes are Pillow's `Image.resize(..., BILINEAR)`: a separable triangle filter whose
//! support widens with the downscale factor (so shrinking antialiases), horizontal pass
//! first. Pictures are 8-bit and rounded after each pass as Pillow does; depth maps are
//! resized in floating point. This is the rule the published FastDepth numbers were
//! measured with.

/// Per output position: the first input index and the normalised weights.
struct Coeffs {
    start: Vec<usize>,
    weights: Vec<Vec<f64>>,
}

fn coeffs(n_in: usize, n_out: usize) -> Coeffs {
    let scale = n_in as f64 / n_out as f64;
    let filterscale = scale.max(1.0);
    let support = filterscale; // the triangle's support is 1
    let mut start = Vec::with_capacity(n_out);
    let mut weights = Vec::with_capacity(n_out);
    for o in 0..n_out {
        let center = (o as f64 + 0.5) * scale;
        // Pillow truncates toward zero, then clamps.
        let lo = ((center - support + 0.5) as i64).max(0) as usize;
        let hi = ((center + support + 0.5) as i64).clamp(0, n_in as i64) as usize;
        let mut w: Vec<f64> = (lo..hi.max(lo))
            .map(|i| {
                let x = ((i as f64 - center + 0.5) / filterscale).abs();
                if x < 1.0 {
                    1.0 - x
                } else {
                    0.0
                }
            })
            .collect();
        let total: f64 = w.iter().sum();
        if total != 0.0 {
            w.iter_mut().for_each(|v| *v /= total);
        }
        start.push(lo);
        weights.push(w);
    }
    Coeffs { start, weights }
}

/// Resizes `planes` planes of `w` x `h` values (plane-major) to `ow` x `oh`; with `round8`
/// every pass rounds to 0..=255 as Pillow does for 8-bit images.
fn resize(src: &[f32], planes: usize, w: usize, h: usize, ow: usize, oh: usize, round8: bool) -> Vec<f32> {
    let q = |v: f64| if round8 { v.round().clamp(0.0, 255.0) } else { v };
    // Horizontal.
    let tmp: Vec<f32> = if ow == w {
        src.to_vec()
    } else {
        let cx = coeffs(w, ow);
        let mut t = vec![0f32; planes * h * ow];
        for p in 0..planes {
            for y in 0..h {
                let row = &src[(p * h + y) * w..(p * h + y + 1) * w];
                let out = &mut t[(p * h + y) * ow..(p * h + y + 1) * ow];
                for (x, o) in out.iter_mut().enumerate() {
                    let s: f64 = cx.weights[x].iter().enumerate().map(|(k, wt)| wt * row[cx.start[x] + k] as f64).sum();
                    *o = q(s) as f32;
                }
            }
        }
        t
    };
    if oh == h {
        return tmp;
    }
    // Vertical.
    let cy = coeffs(h, oh);
    let mut out = vec![0f32; planes * oh * ow];
    for p in 0..planes {
        let plane = &tmp[p * h * ow..(p + 1) * h * ow];
        for y in 0..oh {
            let dst = &mut out[(p * oh + y) * ow..(p * oh + y + 1) * ow];
            let mut acc = vec![0f64; ow];
            for (k, wt) in cy.weights[y].iter().enumerate() {
                let row = &plane[(cy.start[y] + k) * ow..(cy.start[y] + k + 1) * ow];
                for (a, &v) in acc.iter_mut().zip(row) {
                    *a += wt * v as f64;
                }
            }
            for (d, a) in dst.iter_mut().zip(acc) {
                *d = q(a) as f32;
            }
        }
    }
    out
}

/// An interleaved RGB (or RGBA, `stride` 4) 8-bit picture → three planes of `ow` x `oh`
/// values in [0, 1], resized like Pillow resizes the 8-bit picture.
pub fn picture_to_planes(rgb: &[u8], stride: usize, w: usize, h: usize, ow: usize, oh: usize) -> Vec<f32> {
    let mut planes = vec![0f32; 3 * w * h];
    for (i, px) in rgb.chunks_exact(stride).take(w * h).enumerate() {
        for c in 0..3 {
            planes[c * w * h + i] = px[c] as f32;
        }
    }
    let mut out = resize(&planes, 3, w, h, ow, oh, true);
    out.iter_mut().for_each(|v| *v /= 255.0);
    out
}

/// A depth map of `w` x `h` resized to `ow` x `oh` (floating point, Pillow's bilinear).
pub fn resize_depth(depth: &[f32], w: usize, h: usize, ow: usize, oh: usize) -> Vec<f32> {
    resize(depth, 1, w, h, ow, oh, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_normalised_and_cover_the_input() {
        for (n_in, n_out) in [(768, 224), (224, 768), (5, 5), (3, 1), (1, 4)] {
            let c = coeffs(n_in, n_out);
            for (s, w) in c.start.iter().zip(&c.weights) {
                assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{n_in}->{n_out}");
                assert!(s + w.len() <= n_in);
            }
        }
    }

    #[test]
    fn identity_and_constant() {
        let d: Vec<f32> = (0..12).map(|v| v as f32).collect();
        assert_eq!(resize_depth(&d, 4, 3, 4, 3), d);
        let c = vec![2.5f32; 7 * 5];
        assert!(resize_depth(&c, 7, 5, 3, 11).iter().all(|&v| (v - 2.5).abs() < 1e-6));
    }

    #[test]
    fn upsampling_interpolates_between_centres() {
        // 2 → 4: output centres at 0.25, 0.75, 1.25, 1.75 input pixels (clamped at the edges).
        let up = resize_depth(&[0.0, 1.0], 2, 1, 4, 1);
        assert_eq!(up, vec![0.0, 0.25, 0.75, 1.0]);
    }

    #[test]
    fn downsampling_by_two_averages_with_a_wider_triangle() {
        // Pillow: 4 → 2 uses support 2, weights (1/8, 3/8, 3/8, 1/8) around each centre.
        let down = resize_depth(&[0.0, 8.0, 16.0, 24.0], 4, 1, 2, 1);
        let first = (0.0 * 3.0 + 8.0 * 3.0 + 16.0 * 1.0) / 7.0; // window clipped at the left edge
        assert!((down[0] - first).abs() < 1e-5, "{down:?}");
    }
}
