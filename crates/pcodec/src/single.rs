//! The same model coded non-progressively, as ordinary hyperprior codecs do: every latent
//! quantized once with step Δ and coded with its Gaussian cell mass; reconstruction at the
//! cell's conditional mean (the integer itself at Δ = 1, as in training). Sweeping Δ traces
//! the model's single-rate RD curve — what progressiveness is measured against.

use constriction::stream::queue::DefaultRangeEncoder;
use constriction::stream::Encode;
use edgeplay_nn::Tensor;

use crate::entropy;
use crate::{Error, Model};

/// Codes `y` (with hyper-latent `z`) at step `delta`; returns the stream size in bytes
/// (header and hyper-latent included) and the decoder's latents.
pub fn code(model: &Model, header_len: usize, y: &Tensor, z: &Tensor, delta: f64) -> Result<(usize, Tensor), Error> {
    let mut enc = DefaultRangeEncoder::new();
    let sigma = crate::code_z(model, z, &mut enc)?;
    let qmax = (256.0 / delta).ceil() as i32;
    let mut models = std::collections::HashMap::new();
    let mut y_hat = Tensor::zeros(y.c, y.h, y.w);
    for (i, (&v, &s)) in y.data.iter().zip(&sigma.data).enumerate() {
        let k = entropy::scale_index(s);
        let sk = entropy::scale(k);
        let bounds = |q: i32| {
            let a = if q <= -qmax { f64::NEG_INFINITY } else { (q as f64 - 0.5) * delta };
            let b = if q >= qmax { f64::INFINITY } else { (q as f64 + 0.5) * delta };
            (a, b)
        };
        let m = models.entry(k).or_insert_with(|| {
            let p: Vec<f64> = (-qmax..=qmax).map(|q| { let (a, b) = bounds(q); entropy::mass_between(a, b, sk) }).collect();
            entropy::categorical(&p)
        });
        let q = ((v as f64 / delta + 0.5).floor() as i32).clamp(-qmax, qmax);
        enc.encode_symbol((q + qmax) as usize, &*m).map_err(|e| Error::Input(format!("{e:?}")))?;
        let (a, b) = bounds(q);
        y_hat.data[i] = if delta == 1.0 { q as f32 } else { entropy::mean_between(a, b, s.max(entropy::SIGMA_MIN as f32) as f64, q as f64 * delta) };
    }
    let words = enc.into_compressed().unwrap_or_else(|e| match e {});
    Ok((header_len + words.len() * 4, y_hat))
}
