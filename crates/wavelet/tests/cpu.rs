use edgeplay_wavelet::{cpu, max_levels, region, Plane};
use rand::{rngs::StdRng, Rng, SeedableRng};

const SIZES: &[(usize, usize)] = &[(1, 1), (2, 1), (1, 9), (7, 5), (3, 3), (64, 64), (768, 512), (1023, 767)];

fn random(w: usize, h: usize, seed: u64) -> Plane {
    let mut r = StdRng::seed_from_u64(seed);
    Plane::new(w, h, (0..w * h).map(|_| r.random::<f32>()).collect()).unwrap()
}

#[test]
fn inverse_of_forward_is_identity() {
    for &(w, h) in SIZES {
        for levels in [1, 3, max_levels(w, h), 40] {
            let x = random(w, h, (w * 31 + h) as u64);
            let mut c = x.clone();
            cpu::forward(&mut c, levels);
            let mut y = c.clone();
            cpu::inverse(&mut y, levels);
            let err = x.max_abs_diff(&y);
            assert!(err <= 1e-4, "{w}x{h} levels {levels}: max error {err}");
            if w * h > 4 && levels > 0 {
                assert!(c.max_abs_diff(&x) > 1e-2, "{w}x{h}: transform did nothing");
            }
        }
    }
}

#[test]
fn constant_image_has_only_dc() {
    // DC gain is sqrt(2) per axis: after L levels the LL band holds 2^L * value and every
    // detail coefficient vanishes (including at the borders, thanks to symmetric extension).
    for &(w, h) in &[(64usize, 64usize), (37, 21), (768, 512)] {
        let levels = 3;
        let mut p = Plane::new(w, h, vec![10.0; w * h]).unwrap();
        cpu::forward(&mut p, levels);
        let (lw, lh) = region(w, h, levels);
        for y in 0..h {
            for x in 0..w {
                let v = p.at(x, y);
                if x < lw && y < lh {
                    assert!((v - 80.0).abs() < 1e-3, "LL({x},{y}) = {v}");
                } else {
                    assert!(v.abs() < 1e-3, "detail({x},{y}) = {v}");
                }
            }
        }
    }
}

#[test]
fn cubic_polynomial_has_zero_interior_details() {
    // The 9/7 analysis high-pass has four vanishing moments.
    let n = 64;
    let mut line: Vec<f32> = (0..n).map(|i| { let t = i as f32 / 8.0; 0.5 * t * t * t - t * t + 3.0 * t + 1.0 }).collect();
    let mut out = vec![0.0; n];
    cpu::forward_1d(&mut line, &mut out);
    let highs = &out[n / 2..];
    for (k, h) in highs.iter().enumerate().skip(3).take(n / 2 - 6) {
        assert!(h.abs() < 2e-3, "high {k} = {h}");
    }
    // The border details are not zero: symmetric extension breaks the polynomial there.
    assert!(highs[n / 2 - 1].abs() > 1e-2);
}

#[test]
fn energy_is_nearly_preserved() {
    // Close to orthonormal: the energy ratio stays near 1 for noise.
    let x = random(256, 256, 7);
    let mut c = x.clone();
    cpu::forward(&mut c, 5);
    let e = |p: &Plane| p.data.iter().map(|v| (*v as f64) * (*v as f64)).sum::<f64>();
    let r = e(&c) / e(&x);
    assert!((0.9..1.15).contains(&r), "energy ratio {r}");
}

#[test]
fn luma_from_rgba_checks_input() {
    assert!(Plane::luma_from_rgba(&[0; 8], 2, 1).is_ok());
    assert!(Plane::luma_from_rgba(&[0; 7], 2, 1).is_err());
    assert!(Plane::luma_from_rgba(&[], 0, 0).is_err());
    let p = Plane::luma_from_rgba(&[255, 0, 0, 255, 0, 0, 255, 255], 2, 1).unwrap();
    assert!((p.data[0] - 76.245).abs() < 1e-3 && (p.data[1] - 29.07).abs() < 1e-3);
}
