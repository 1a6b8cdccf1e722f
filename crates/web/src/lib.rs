//! The only crate that knows about JavaScript. It runs inside the page's one engine worker
//! (`www/shell/engine-worker.js`), owns the page's single [`Runtime`] (so every widget
//! shares one GPU device), and turns algorithm results into plain JS objects.

use std::rc::Rc;

use edgeplay_gpu::{Backend, Clock, Path, Runtime, Timing};
use edgeplay_wavelet::{self as wavelet, Plane};
use serde::Serialize;
use wasm_bindgen::prelude::*;

mod codec;
mod nas;
mod wifi;
pub use codec::*;

thread_local! {
    static RUNTIME: Rc<Runtime> = Rc::new(Runtime::new());
}

pub(crate) fn rt() -> Rc<Runtime> {
    RUNTIME.with(|r| r.clone())
}

pub(crate) fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    let s = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    v.serialize(&s).map_err(|e| JsError::new(&e.to_string()))
}

pub(crate) fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    path: &'static str,
    backend: String,
    adapter: Option<String>,
    timestamps: bool,
    reason: Option<String>,
    has_navigator_gpu: bool,
}

fn has_navigator_gpu() -> bool {
    let nav = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or(JsValue::UNDEFINED);
    !nav.is_undefined() && js_sys::Reflect::get(&nav, &"gpu".into()).is_ok_and(|g| !g.is_undefined() && !g.is_null())
}

/// Which path runs and why: `{path: "gpu"|"cpu", backend, adapter, timestamps, reason}`.
/// Creates the device on first call.
#[wasm_bindgen]
pub async fn runtime_status() -> Result<JsValue, JsError> {
    let s = rt().status().await;
    let nav = has_navigator_gpu();
    let reason = match (&s.reason, s.path, nav) {
        (Some(r), Path::Cpu, true) if r.contains("no GPU adapter") => {
            Some("navigator.gpu exists but offers no adapter".to_string())
        }
        (Some(r), Path::Cpu, false) if r.contains("no GPU adapter") => Some("this browser has no WebGPU".to_string()),
        (r, _, _) => r.clone(),
    };
    to_js(&Status {
        path: s.path.as_str(),
        backend: format!("{:?}", s.backend).to_lowercase(),
        adapter: s.adapter,
        timestamps: s.timestamps,
        reason,
        has_navigator_gpu: nav,
    })
}

/// `"auto"`, `"gpu"` or `"cpu"`.
#[wasm_bindgen]
pub fn set_backend(name: &str) -> Result<(), JsError> {
    let b: Backend = name.parse().map_err(|e: String| JsError::new(&e))?;
    rt().set_backend(b);
    Ok(())
}

/// Destroys the GPU device as a driver reset would (tests of the CPU fallback).
#[wasm_bindgen]
pub fn simulate_device_loss() -> bool {
    match rt().device_if_ready() {
        Some(g) => {
            g.simulate_loss();
            true
        }
        None => false,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TimingJs {
    ms: f64,
    clock: &'static str,
}

fn timing(t: Timing) -> TimingJs {
    TimingJs {
        ms: t.ms,
        clock: match t.clock {
            Clock::GpuTimestamp => "gpu-timestamp",
            Clock::WallClock => "wall-clock",
        },
    }
}

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
    /// Forward + inverse on the path that ran.
    time: TimingJs,
    /// Forward + inverse on the CPU (wasm), for comparison.
    cpu_time: TimingJs,
    /// Largest |GPU coefficient − CPU coefficient| / largest |coefficient| (GPU path only).
    gpu_cpu_rel_diff: Option<f32>,
    /// Largest |inverse(forward(x)) − x| in grey levels.
    roundtrip_error: f32,
    bands: Vec<Band>,
    #[serde(skip)]
    rgba: Vec<u8>,
}

/// Wavelet decomposition of an RGBA image's luma: the subband picture (RGBA), the times of
/// forward+inverse on the current path and on the CPU, and the reconstruction error.
#[wasm_bindgen]
pub async fn wavelet_analyze(rgba: Vec<u8>, width: u32, height: u32, levels: u32) -> Result<JsValue, JsError> {
    let plane = Plane::luma_from_rgba(&rgba, width as usize, height as usize).map_err(err)?;
    let max_levels = wavelet::max_levels(plane.width, plane.height);
    let levels = levels.min(max_levels);
    let rt = rt();

    let sw = edgeplay_gpu::Stopwatch::start();
    let mut cpu_coeffs = plane.clone();
    wavelet::cpu::forward(&mut cpu_coeffs, levels);
    let mut cpu_recon = cpu_coeffs.clone();
    wavelet::cpu::inverse(&mut cpu_recon, levels);
    let cpu_time = Timing { ms: sw.ms(), clock: Clock::WallClock };

    let mut fallback = None;
    let mut gpu_result = None;
    if let edgeplay_gpu::Exec::Gpu(g) = rt.exec().await.map_err(err)? {
        match wavelet::gpu::roundtrip(&g, &plane, levels).await {
            Ok(r) => gpu_result = Some(r),
            Err(e) if rt.may_fall_back() => fallback = Some(e.to_string()),
            Err(e) => return Err(err(e)),
        }
    }
    let (path, coeffs, recon, time, rel) = match gpu_result {
        Some((c, r, t)) => {
            let rel = c.max_abs_diff(&cpu_coeffs) / cpu_coeffs.max_abs().max(1e-6);
            ("gpu", c, r, t, Some(rel))
        }
        None => ("cpu", cpu_coeffs, cpu_recon, cpu_time, None),
    };
    let out = Analysis {
        width: plane.width,
        height: plane.height,
        levels,
        max_levels,
        path,
        fallback,
        time: timing(time),
        cpu_time: timing(cpu_time),
        gpu_cpu_rel_diff: rel,
        roundtrip_error: recon.max_abs_diff(&plane),
        bands: wavelet::viz::subbands(plane.width, plane.height, levels)
            .into_iter()
            .map(|b| Band { level: b.level, kind: b.kind, x: b.x, y: b.y, w: b.w, h: b.h })
            .collect(),
        rgba: wavelet::viz::render(&coeffs, levels),
    };
    let js = to_js(&out)?;
    js_sys::Reflect::set(&js, &"rgba".into(), &js_sys::Uint8ClampedArray::from(&out.rgba[..]).into())
        .map_err(|_| JsError::new("could not attach pixels"))?;
    Ok(js)
}

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
/// inverse transforms. Needs the GPU path.
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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BenchRow {
    width: usize,
    height: usize,
    levels: u32,
    path: &'static str,
    clock: &'static str,
    median_ms: f64,
    reps: u32,
}

/// Forward+inverse timing (median of `reps`) on the CPU (wasm) and, when available, the GPU.
#[wasm_bindgen]
pub async fn wavelet_bench(width: u32, height: u32, levels: u32, reps: u32) -> Result<JsValue, JsError> {
    let (w, h) = (width as usize, height as usize);
    let x = Plane::new(w, h, (0..w * h).map(|i| ((i * 2654435761) % 256) as f32).collect()).map_err(err)?;
    let reps = reps.max(1);
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let mut rows = Vec::new();
    let mut t = Vec::new();
    for _ in 0..reps {
        let sw = edgeplay_gpu::Stopwatch::start();
        let mut c = x.clone();
        wavelet::cpu::forward(&mut c, levels);
        wavelet::cpu::inverse(&mut c, levels);
        t.push(sw.ms());
    }
    rows.push(BenchRow { width: w, height: h, levels, path: "cpu-wasm", clock: "wall-clock", median_ms: median(t), reps });
    if let Ok(g) = rt().device().await {
        let _ = wavelet::gpu::roundtrip(&g, &x, levels).await.map_err(err)?; // warm-up: compile pipelines
        let mut t = Vec::new();
        let mut wall = Vec::new();
        let mut clock = Clock::WallClock;
        for _ in 0..reps {
            let sw = edgeplay_gpu::Stopwatch::start();
            let (_, _, tm) = wavelet::gpu::roundtrip(&g, &x, levels).await.map_err(err)?;
            wall.push(sw.ms());
            t.push(tm.ms);
            clock = tm.clock;
        }
        rows.push(BenchRow { width: w, height: h, levels, path: "webgpu", clock: timing(Timing { ms: 0.0, clock }).clock, median_ms: median(t), reps });
        rows.push(BenchRow { width: w, height: h, levels, path: "webgpu+transfer", clock: "wall-clock", median_ms: median(wall), reps });
    }
    to_js(&rows)
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
    codec::rgba_result(&out, &img)
}
