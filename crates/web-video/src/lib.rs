//! The video wasm module behind `<ep-video>`: a clip the page decoded (RGBA frames) is kept by
//! key; encoders run frame by frame so the worker can report progress and hear Cancel between
//! frames; streams decode to RGBA frames with their motion vectors and, for B-frames, the
//! interpolated reference. The codec is `edgeplay-video`'s, the same `edgeplay video` runs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use edgeplay_gpu::Stopwatch;
use edgeplay_video::{Encoder, Frame, Gop, Params};
use js_sys::{Array, Int32Array, Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use edgeplay_web::{err, rt, to_js};

pub use edgeplay_web::{runtime_status, set_backend};

thread_local! {
    static CLIPS: RefCell<HashMap<String, Arc<[Frame]>>> = RefCell::new(HashMap::new());
    static ENCODERS: RefCell<HashMap<String, (Encoder, f64)>> = RefCell::new(HashMap::new());
}

/// The quantizer ladder of the rate slider and the RD curves (coarse to fine).
#[wasm_bindgen]
pub fn video_ladder() -> Vec<f32> {
    edgeplay_video::LADDER.to_vec()
}

/// Keeps `count` RGBA frames of `width x height` (concatenated in `rgba`) under `key`.
#[wasm_bindgen]
pub fn video_load(key: &str, width: u32, height: u32, count: u32, rgba: &[u8]) -> Result<JsValue, JsError> {
    edgeplay_core::check_size(width, height).map_err(err)?;
    let px = width as usize * height as usize;
    if count == 0 || rgba.len() != px * 4 * count as usize {
        return Err(JsError::new(&format!("{} bytes for {count} frames of {width}x{height}", rgba.len())));
    }
    let h = edgeplay_video::stream::Header { gop: Gop::Ipp, block: 16, width: width as usize, height: height as usize, frames: count as usize };
    h.check().map_err(err)?;
    let frames: Arc<[Frame]> = rgba
        .chunks_exact(px * 4)
        .map(|f| edgeplay_core::Image::from_rgba(width, height, f).map(|img| Frame::from_image(&img)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?
        .into();
    CLIPS.with(|c| c.borrow_mut().insert(key.into(), frames));
    to_js(&ClipInfo { width, height, frames: count })
}

#[derive(Serialize)]
struct ClipInfo {
    width: u32,
    height: u32,
    frames: u32,
}

#[wasm_bindgen]
pub fn video_unload(key: &str) {
    CLIPS.with(|c| c.borrow_mut().remove(key));
    ENCODERS.with(|e| e.borrow_mut().retain(|k, _| !k.starts_with(&format!("{key}/"))));
}

fn gop_of(gop: u8) -> Result<Gop, JsError> {
    Gop::from_byte(gop).ok_or_else(|| JsError::new(&format!("GOP {gop} (0 = IPP, or 2, 4, 8, 16)")))
}

/// Starts encoding clip `key` as job `job` (`key/...`): `gop` 0 = IPP, else the B GOP size.
#[wasm_bindgen]
pub fn video_encode_begin(key: &str, job: &str, gop: u8, q: f32, block: u32) -> Result<(), JsError> {
    let frames = CLIPS.with(|c| c.borrow().get(key).cloned()).ok_or_else(|| JsError::new(&format!("no clip '{key}' is loaded")))?;
    let e = Encoder::new(frames, Params { gop: gop_of(gop)?, q, block: block as usize }).map_err(err)?;
    ENCODERS.with(|m| m.borrow_mut().insert(job.into(), (e, 0.0)));
    Ok(())
}

#[derive(Serialize)]
struct StepOut {
    done: bool,
    coded: usize,
    total: usize,
}

/// Codes the next frame of job `job`.
#[wasm_bindgen]
pub async fn video_encode_step(job: String) -> Result<JsValue, JsError> {
    let (mut e, ms) = ENCODERS.with(|m| m.borrow_mut().remove(&job)).ok_or_else(|| JsError::new(&format!("no encoder '{job}'")))?;
    let sw = Stopwatch::start();
    let more = e.step(&rt()).await.map_err(err)?;
    let (coded, total) = e.progress();
    ENCODERS.with(|m| m.borrow_mut().insert(job, (e, ms + sw.ms())));
    to_js(&StepOut { done: !more, coded, total })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EncodedOut {
    stats: Vec<edgeplay_video::FrameStats>,
    bytes_total: usize,
    /// Where the motion searches ran (`Encoded::search_path`).
    path: &'static str,
    ms: f64,
}

/// Ends job `job`: the stream (`bytes`) and per-frame statistics in display order.
#[wasm_bindgen]
pub fn video_encode_finish(job: &str) -> Result<JsValue, JsError> {
    let (e, ms) = ENCODERS.with(|m| m.borrow_mut().remove(job)).ok_or_else(|| JsError::new(&format!("no encoder '{job}'")))?;
    let (coded, total) = e.progress();
    if coded < total {
        return Err(JsError::new(&format!("job {job} has coded {coded} of {total} frames")));
    }
    let enc = e.finish();
    let out = EncodedOut { bytes_total: enc.bytes.len(), path: enc.search_path(), stats: enc.stats, ms };
    edgeplay_web::with_bytes(&out, "bytes", &enc.bytes, false)
}

#[wasm_bindgen]
pub fn video_encode_cancel(job: &str) {
    ENCODERS.with(|m| m.borrow_mut().remove(job));
}

fn set(o: &Object, k: &str, v: impl Into<JsValue>) -> Result<(), JsError> {
    Reflect::set(o, &k.into(), &v.into()).map(|_| ()).map_err(|_| JsError::new("could not build the result"))
}

/// Decodes a stream (or a prefix of it): `{width, height, gop, frames: [{rgba, kind, level,
/// bytes, partial, cols, rows, block, vectors (Int32Array x,y quarter pixels), interpolated
/// (RGBA or null)} | null], note, ms}`.
#[wasm_bindgen]
pub async fn video_decode(bytes: Vec<u8>) -> Result<JsValue, JsError> {
    let sw = Stopwatch::start();
    let d = edgeplay_video::decode(&rt(), bytes).await.map_err(err)?;
    let ms = sw.ms();
    let out = Object::new();
    set(&out, "width", d.header.width as u32)?;
    set(&out, "height", d.header.height as u32)?;
    set(&out, "gop", d.header.gop.to_byte())?;
    set(&out, "note", d.note.clone().map_or(JsValue::NULL, JsValue::from))?;
    set(&out, "ms", ms)?;
    let frames = Array::new();
    for f in &d.frames {
        let Some(f) = f else {
            frames.push(&JsValue::NULL);
            continue;
        };
        let o = Object::new();
        set(&o, "rgba", Uint8Array::from(f.frame.to_rgba().as_slice()))?;
        set(&o, "kind", f.kind.letter())?;
        set(&o, "level", f.level)?;
        set(&o, "bytes", f.bytes as u32)?;
        set(&o, "partial", f.partial)?;
        if let Some(v) = &f.field {
            set(&o, "cols", v.cols as u32)?;
            set(&o, "rows", v.rows as u32)?;
            set(&o, "block", v.block as u32)?;
            let flat: Vec<i32> = v.vectors.iter().flat_map(|v| *v).collect();
            set(&o, "vectors", Int32Array::from(flat.as_slice()))?;
        }
        set(&o, "interpolated", f.interpolated.as_ref().map_or(JsValue::NULL, |i| Uint8Array::from(i.to_rgba().as_slice()).into()))?;
        frames.push(&o);
    }
    set(&out, "frames", frames)?;
    Ok(out.into())
}

/// Bjøntegaard delta rate (%) of curve `b` against curve `a` (`edgeplay_video::bd`); `null`
/// when the curves share no quality range.
#[wasm_bindgen]
pub fn video_bd_rate(a_rate: Vec<f64>, a_psnr: Vec<f64>, b_rate: Vec<f64>, b_psnr: Vec<f64>) -> Option<f64> {
    let a: Vec<(f64, f64)> = a_rate.into_iter().zip(a_psnr).collect();
    let b: Vec<(f64, f64)> = b_rate.into_iter().zip(b_psnr).collect();
    edgeplay_video::bd::bd_rate(&a, &b)
}
