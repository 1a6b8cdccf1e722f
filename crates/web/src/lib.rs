//! What every Edgeplay wasm module has in common. Each feature module (`edgeplay-web-imaging`,
//! `-neural`, `-wifi`, `-nas`) is its own wasm instance in its own worker
//! (`www/shell/engine-worker.js`), links this crate and so exports the same core calls:
//! `runtime_status`, `set_backend`, and, with the `test-hooks` feature, `simulate_device_loss`
//! and `debug_panic`.
//!
//! Each module owns one [`Runtime`] (one GPU device per module: wgpu objects cannot cross wasm
//! instances). The crate holds no algorithm and no policy: the GPU→CPU rule is
//! [`Runtime::run`] in `edgeplay-gpu`.

use std::rc::Rc;

use edgeplay_gpu::{Backend, Clock, Path, Runtime, Timing};
use serde::Serialize;
use wasm_bindgen::prelude::*;

thread_local! {
    static RUNTIME: Rc<Runtime> = Rc::new(Runtime::new());
}

/// This module's runtime (device created on first use).
pub fn rt() -> Rc<Runtime> {
    RUNTIME.with(|r| r.clone())
}

/// A serde value as a plain JS object (maps as objects).
pub fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    let s = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    v.serialize(&s).map_err(|e| JsError::new(&e.to_string()))
}

/// Any displayable error as a JS `Error`.
pub fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// `to_js(out)` with `bytes` attached as `out[key]` (a typed array, so the worker can transfer
/// its buffer instead of copying an array of numbers).
pub fn with_bytes<T: Serialize>(out: &T, key: &str, bytes: &[u8], clamped: bool) -> Result<JsValue, JsError> {
    let js = to_js(out)?;
    let arr: JsValue = if clamped { js_sys::Uint8ClampedArray::from(bytes).into() } else { js_sys::Uint8Array::from(bytes).into() };
    js_sys::Reflect::set(&js, &key.into(), &arr).map_err(|_| JsError::new("could not attach bytes to the result"))?;
    Ok(js)
}

/// A timing as the widgets read it: `{ms, clock: "gpu-timestamp" | "wall-clock"}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimingJs {
    pub ms: f64,
    pub clock: &'static str,
}

impl From<Timing> for TimingJs {
    fn from(t: Timing) -> Self {
        TimingJs { ms: t.ms, clock: clock_name(t.clock) }
    }
}

pub fn clock_name(c: Clock) -> &'static str {
    match c {
        Clock::GpuTimestamp => "gpu-timestamp",
        Clock::WallClock => "wall-clock",
    }
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
/// Creates this module's device on first call.
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
    let b: Backend = name.parse().map_err(err)?;
    rt().set_backend(b);
    Ok(())
}

/// Destroys the GPU device as a driver reset would (tests of the CPU fallback).
#[cfg(feature = "test-hooks")]
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

/// Panics, which traps the wasm instance (tests that one module's crash leaves the others
/// working and that widgets reopen their sessions).
#[cfg(feature = "test-hooks")]
#[wasm_bindgen]
pub fn debug_panic(message: &str) {
    panic!("debug_panic: {message}");
}

#[cfg(feature = "quality")]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QualityJs {
    psnr: f64,
    ms_ssim: Option<f64>,
}

/// `{psnr, msSsim}` of two RGBA images ([`edgeplay_core::metrics::rgba_quality`]); the modules that
/// show decoded images export it as `image_quality`.
#[cfg(feature = "quality")]
pub fn quality_js(a: &[u8], b: &[u8], width: u32, height: u32) -> Result<JsValue, JsError> {
    let q = edgeplay_core::metrics::rgba_quality(a, b, width as usize, height as usize).map_err(err)?;
    to_js(&QualityJs { psnr: q.psnr, ms_ssim: q.ms_ssim })
}
