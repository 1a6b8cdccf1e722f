//! The depth wasm module behind `<ep-depth>`: depth networks (the shipped FastDepth, or an
//! ONNX file the visitor brings) kept by name, run on the WGSL executor or tract; colour
//! tables, 16-bit PNG and PLY for the downloads. Pictures arrive as RGBA; the resize rule,
//! metrics and exports are `edgeplay-depth`'s, the same the CLI uses.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use edgeplay_depth::{colormap, export, Colormap, DepthModel, ModelSpec, Output};
use edgeplay_gpu::Stopwatch;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use edgeplay_web::{err, rt, to_js};

// The core calls every module exports (status, backend choice, test hooks).
pub use edgeplay_web::{runtime_status, set_backend};

thread_local! {
    static MODELS: RefCell<HashMap<String, Rc<DepthModel>>> = RefCell::new(HashMap::new());
}

fn model(key: &str) -> Result<Rc<DepthModel>, JsError> {
    MODELS.with(|m| m.borrow().get(key).cloned()).ok_or_else(|| JsError::new(&format!("no depth model '{key}' is loaded")))
}

/// Settings for a network the visitor brings (all optional; FastDepth's when absent).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SpecJs {
    width: Option<usize>,
    height: Option<usize>,
    mean: Option<[f32; 3]>,
    std: Option<[f32; 3]>,
    relative: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ModelInfo {
    key: String,
    name: String,
    width: usize,
    height: usize,
    mean: [f32; 3],
    std: [f32; 3],
    output: Output,
    /// "wgsl" when our executor runs it on the GPU path, "tract" when an operator is missing.
    executor: &'static str,
    reason: Option<String>,
    declared: Vec<Option<usize>>,
}

/// Loads an ONNX depth network under `key` (replacing one of that key only if this one is
/// usable). `spec`: `{width, height, mean, std, relative}`, each optional — the input size
/// defaults to the graph's declared one.
#[wasm_bindgen]
pub fn depth_load(key: &str, name: &str, bytes: &[u8], spec: JsValue) -> Result<JsValue, JsError> {
    let s: SpecJs = if spec.is_undefined() || spec.is_null() { SpecJs::default() } else { serde_wasm_bindgen::from_value(spec).map_err(err)? };
    if bytes.len() > edgeplay_depth::MAX_MODEL_BYTES {
        return Err(JsError::new(&format!("{} is {} MB; the limit is {} MB", name, bytes.len() >> 20, edgeplay_depth::MAX_MODEL_BYTES >> 20)));
    }
    let declared = edgeplay_nn::declared_input(bytes).map_err(|e| JsError::new(&format!("{name} is not a usable ONNX model: {e}")))?;
    let (dh, dw) = match declared.as_slice() {
        [_, _, Some(h), Some(w)] => (Some(*h), Some(*w)),
        _ => (None, None),
    };
    let (height, width) = match (s.height.or(dh), s.width.or(dw)) {
        (Some(h), Some(w)) => (h, w),
        _ => return Err(JsError::new(&format!("{name} does not declare its input size: set width and height"))),
    };
    let base = if s.relative { ModelSpec::relative(height, width) } else { ModelSpec { height, width, ..ModelSpec::FASTDEPTH } };
    let spec = ModelSpec { mean: s.mean.unwrap_or(base.mean), std: s.std.unwrap_or(base.std), ..base };
    let m = DepthModel::from_onnx(name, bytes, spec).map_err(err)?;
    let info = ModelInfo {
        key: key.into(),
        name: name.into(),
        width,
        height,
        mean: spec.mean,
        std: spec.std,
        output: spec.output,
        executor: if m.tract_only().is_some() { "tract" } else { "wgsl" },
        reason: m.tract_only().map(String::from),
        declared,
    };
    MODELS.with(|all| all.borrow_mut().insert(key.into(), Rc::new(m)));
    to_js(&info)
}

/// Forgets a model.
#[wasm_bindgen]
pub fn depth_unload(key: &str) {
    MODELS.with(|all| all.borrow_mut().remove(key));
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Predicted {
    width: usize,
    height: usize,
    min: f32,
    max: f32,
    output: Output,
    path: &'static str,
    fallback: Option<String>,
    /// Why this path (measured GPU/CPU choice).
    choice: Option<String>,
    /// Whole call, and the network alone.
    ms: f64,
}

/// Depth of an RGBA picture with model `key`: `{depth: Float32Array (width·height, metres or
/// relative inverse depth), width, height, min, max, output, path, fallback, choice, ms}`.
#[wasm_bindgen]
pub async fn depth_predict(key: &str, rgba: Vec<u8>, width: usize, height: usize) -> Result<JsValue, JsError> {
    let m = model(key)?;
    let t = Stopwatch::start();
    let ran = m.predict(&rt(), &rgba, 4, width, height).await.map_err(err)?;
    let d = ran.value;
    let (min, max) = colormap::range(&d.values).unwrap_or((0.0, 0.0));
    let out = Predicted { width, height, min, max, output: d.output, path: ran.path.as_str(), fallback: ran.fallback, choice: ran.choice, ms: t.ms() };
    let js = to_js(&out)?;
    let arr = js_sys::Float32Array::from(&d.values[..]);
    js_sys::Reflect::set(&js, &"depth".into(), &arr).map_err(|_| JsError::new("could not attach the depth map"))?;
    Ok(js)
}

/// The colour table of a colormap: 256 × RGB bytes, low end of the scale first.
#[wasm_bindgen]
pub fn depth_lut(name: &str) -> Result<Vec<u8>, JsError> {
    let map: Colormap = name.parse().map_err(err)?;
    Ok(map.lut().into_iter().flatten().collect())
}

/// 16-bit greyscale PNG: millimetres for metric depth, the range scaled to 1..65535 otherwise.
#[wasm_bindgen]
pub fn depth_png16(depth: &[f32], width: u32, height: u32, metric: bool) -> Result<Vec<u8>, JsError> {
    if depth.len() != (width as usize) * (height as usize) {
        return Err(JsError::new("depth map and size disagree"));
    }
    export::png16(&export::to_u16(depth, metric), width, height).map_err(err)
}

/// Binary PLY, one coloured vertex per valid pixel, for a horizontal field of view in degrees.
#[wasm_bindgen]
pub fn depth_ply(depth: &[f32], rgba: &[u8], width: usize, height: usize, fov_deg: f32) -> Result<Vec<u8>, JsError> {
    if depth.len() != width * height || rgba.len() != width * height * 4 {
        return Err(JsError::new("depth map, colours and size disagree"));
    }
    Ok(export::ply(depth, rgba, 4, width, height, fov_deg))
}
