//! The imaging wasm module: the CDF 9/7 wavelet (`<ep-wavelet>`), SPIHT and image quality
//! (`<ep-compress>`'s SPIHT, JPEG, WebP and original sides). No tract, no candle: small enough
//! for a page that embeds only these widgets.

use edgeplay_wavelet::{self as wavelet, analysis, Plane};
use edgeplay_web::{err, rt, to_js, with_bytes, TimingJs};
use serde::Serialize;
use wasm_bindgen::prelude::*;

// The core calls every module exports (status, backend choice, test hooks).
pub use edgeplay_web::{runtime_status, set_backend};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Band {
    level: u32,
    kind: &'static str,
    x: usize,
    y: usize,
    w: usize,
    h: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Analysis {
    width: usize,
    height: usize,
    levels: u32,
    max_levels: u32,
    path: &'static str,
    fallback: Option<String>,
    time: TimingJs,
    cpu_time: TimingJs,
    gpu_cpu_rel_diff: Option<f32>,
    roundtrip_error: f32,
    bands: Vec<Band>,
}

/// Wavelet decomposition of an RGBA image's luma ([`analysis::analyze`]): the subband picture
/// (`rgba`), the times of forward+inverse on the current path and on the CPU, and the
/// reconstruction error.
#[wasm_bindgen]
pub async fn wavelet_analyze(rgba: Vec<u8>, width: u32, height: u32, levels: u32) -> Result<JsValue, JsError> {
    let plane = Plane::luma_from_rgba(&rgba, width as usize, height as usize).map_err(err)?;
    let a = analysis::analyze(&rt(), &plane, levels).await.map_err(err)?;
    let out = Analysis {
        width: plane.width,
        height: plane.height,
        levels: a.levels,
        max_levels: a.max_levels,
        path: a.path.as_str(),
        fallback: a.fallback,
        time: a.time.into(),
        cpu_time: a.cpu_time.into(),
        gpu_cpu_rel_diff: a.gpu_cpu_rel_diff,
        roundtrip_error: a.roundtrip_error,
        bands: wavelet::viz::subbands(plane.width, plane.height, a.levels)
            .into_iter()
            .map(|b| Band { level: b.level, kind: b.kind, x: b.x, y: b.y, w: b.w, h: b.h })
            .collect(),
    };
    with_bytes(&out, "rgba", &a.rgba, true)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BenchRow {
    width: usize,
    height: usize,
    levels: u32,
    path: &'static str,
    clock: &'static str,
    median_ms: f64,
    reps: usize,
}

/// Forward+inverse timing ([`analysis::bench`], median of `reps`) on the CPU (wasm) and, when
/// this module has a device, the GPU: one row per path.
#[wasm_bindgen]
pub async fn wavelet_bench(width: u32, height: u32, levels: u32, reps: u32) -> Result<JsValue, JsError> {
    let (w, h) = (width as usize, height as usize);
    let g = rt().device().await.ok();
    let r = analysis::bench(g.as_ref(), w, h, levels, reps as usize).await.map_err(err)?;
    let row = |path, clock, median_ms| BenchRow { width: w, height: h, levels, path, clock, median_ms, reps: r.reps };
    let mut rows = vec![row("cpu-wasm", "wall-clock", r.cpu_ms)];
    if let Some(g) = &r.gpu {
        rows.push(row("webgpu", edgeplay_web::clock_name(g.kernels_clock), g.kernels_ms));
        rows.push(row("webgpu+transfer", "wall-clock", g.with_transfer_ms));
    }
    to_js(&rows)
}

#[cfg(feature = "test-hooks")]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SelfCheck {
    width: usize,
    height: usize,
    levels: u32,
    forward_rel_err: f32,
    inverse_rel_err: f32,
    roundtrip_abs_err: f32,
}

/// GPU vs CPU on a seeded random image (values 0..255): relative errors of the forward and
/// inverse transforms. Needs the GPU path (browser tests).
#[cfg(feature = "test-hooks")]
#[wasm_bindgen]
pub async fn wavelet_selfcheck(width: u32, height: u32, levels: u32, seed: u32) -> Result<JsValue, JsError> {
    use rand::{Rng, SeedableRng};
    let g = rt().device().await.map_err(err)?;
    let (w, h) = (width as usize, height as usize);
    let mut r = rand::rngs::StdRng::seed_from_u64(seed as u64);
    let x = Plane::new(w, h, (0..w * h).map(|_| r.random::<f32>() * 255.0).collect()).map_err(err)?;
    let mut c = x.clone();
    wavelet::cpu::forward(&mut c, levels);
    let (gc, _) = wavelet::gpu::transform(&g, &x, levels, wavelet::Direction::Forward).await.map_err(err)?;
    let mut back = c.clone();
    wavelet::cpu::inverse(&mut back, levels);
    let (gb, _) = wavelet::gpu::transform(&g, &c, levels, wavelet::Direction::Inverse).await.map_err(err)?;
    to_js(&SelfCheck {
        width: w,
        height: h,
        levels,
        forward_rel_err: gc.max_abs_diff(&c) / c.max_abs().max(1e-6),
        inverse_rel_err: gb.max_abs_diff(&back) / back.max_abs().max(1e-6),
        roundtrip_abs_err: gb.max_abs_diff(&x),
    })
}

// ------------------------------------------------------------------------------- SPIHT

/// Encodes RGBA pixels (alpha ignored) into a full-quality embedded SPIHT stream; `ac`
/// selects context-adaptive arithmetic coding. Returns the stream bytes.
#[wasm_bindgen]
pub fn spiht_encode(rgba: Vec<u8>, width: u32, height: u32, ac: bool) -> Result<Vec<u8>, JsError> {
    let img = edgeplay_spiht::Image::from_rgba(width, height, &rgba).map_err(err)?;
    let mode = if ac { edgeplay_spiht::Mode::Arithmetic } else { edgeplay_spiht::Mode::Binary };
    Ok(edgeplay_spiht::encode(&img, &edgeplay_spiht::EncodeOptions { mode, max_bytes: None }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpihtDecoded {
    width: u32,
    height: u32,
    bytes: usize,
    /// Where the inverse wavelet transform ran.
    path: &'static str,
    /// SPIHT passes (prefix decode) in ms, wall clock.
    decode_ms: f64,
    /// Inverse DWT and colour conversion, wall clock (includes GPU upload and readback).
    inverse_ms: f64,
}

/// Decodes the first `max_bytes` bytes of a stream (any prefix works) to RGBA; the inverse
/// DWT runs on the GPU when the runtime has one.
#[wasm_bindgen]
pub async fn spiht_decode(stream: Vec<u8>, max_bytes: u32) -> Result<JsValue, JsError> {
    let sw = edgeplay_gpu::Stopwatch::start();
    let coeffs = edgeplay_spiht::decode_coefficients(&stream, Some(max_bytes as usize)).map_err(err)?;
    let decode_ms = sw.ms();
    let sw = edgeplay_gpu::Stopwatch::start();
    let (img, path) = coeffs.to_image_on(&rt()).await.map_err(err)?;
    let inverse_ms = sw.ms();
    let out = SpihtDecoded {
        width: img.width,
        height: img.height,
        bytes: (max_bytes as usize).min(stream.len()),
        path: path.as_str(),
        decode_ms,
        inverse_ms,
    };
    with_bytes(&out, "rgba", &img.to_rgba(), true)
}

/// PSNR-RGB and MS-SSIM of two RGBA images of one size (alpha ignored), exactly as
/// `edgeplay rd` computes them: `{psnr, msSsim}`.
#[wasm_bindgen]
pub fn image_quality(a: &[u8], b: &[u8], width: u32, height: u32) -> Result<JsValue, JsError> {
    edgeplay_web::quality_js(a, b, width, height)
}
