//! Encoder and decoder.
//!
//! Every frame is coded the same way: a prediction, and the residual (current − prediction,
//! all three components, divided by the frame's quantizer step) coded by SPIHT-AC
//! (`edgeplay_spiht::encode_planes`), so each frame's residual is an embedded stream.
//! - I: the prediction is flat mid-grey (the residual is the picture).
//! - P: block motion against the reference (the previous anchor), vectors coded, prediction
//!   `reference(x + v)`.
//! - B (after Pourreza & Cohen, "Extending Neural P-frame Codecs for B-frame Coding", ICCV
//!   2021): the two decoded references are interpolated into one frame (bilateral block
//!   motion between them, computed by the decoder as well — no bits), and that frame is
//!   handed to the *same* P-frame coding as its reference.
//!
//! The loop is closed: the encoder predicts from what the decoder will have (it decodes its
//! own residuals with the decoder's function), so a clip encoded at one quantizer step
//! decodes without drift. Encoding runs frame by frame ([`Encoder::step`]) so callers can
//! report progress and cancel between frames.

use std::sync::Arc;

use edgeplay_gpu::{GpuError, Path, Runtime};
use serde::Serialize;

use crate::frame::{psnr_rgb, psnr_y, Frame};
use crate::gop::{coding_order, last_use, step_factor, Coded, Gop, Kind};
use crate::motion::{self, interpolate, predict, Mode, MotionField, Plane8, Reference};
use crate::stream::{Header, Record, HEADER_LEN, RECORD_LEN};
use crate::{gpu, mvcode, Error};

/// The quantizer steps of the RD curves and of the widget's rate slider, coarse to fine.
pub const LADDER: [f32; 6] = [48.0, 28.0, 16.0, 9.0, 5.0, 3.0];

/// Encoder settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub gop: Gop,
    /// Quantizer step of the clip (residual units, before the per-frame factor).
    pub q: f32,
    /// Block size of the motion search, 8 or 16.
    pub block: usize,
}

/// What one coded frame cost and how good it is.
#[derive(Debug, Clone, Serialize)]
pub struct FrameStats {
    pub display: usize,
    pub kind: Kind,
    pub level: u8,
    /// Record bytes: 14-byte record header + motion + residual.
    pub bytes: usize,
    pub motion_bytes: usize,
    pub residual_bytes: usize,
    pub step: f32,
    pub psnr_y: f64,
    pub psnr_rgb: f64,
}

/// The block-motion search on the runtime's path (GPU when there is one, same vectors).
pub async fn search(rt: &Runtime, a: Plane8<'_>, b: Plane8<'_>, mode: Mode, block: usize) -> Result<(MotionField, Path), Error> {
    let r = rt
        .run(async |g: &edgeplay_gpu::Gpu| gpu::search(g, a, b, mode, block).await, async || Ok::<_, GpuError>(motion::search_cpu(a, b, mode, block)))
        .await
        .map_err(|e| Error::Gpu(e.to_string()))?;
    Ok((r.value, r.path))
}

fn y(f: &Frame) -> Plane8<'_> {
    Plane8::new(f.width, f.height, &f.planes[0])
}

/// The reference of a P- or B-frame: the decoded anchor, or (B) the interpolation of the
/// two decoded neighbours.
enum Ref<'r> {
    Decoded(&'r Reference),
    Interpolated(Reference),
}

impl Ref<'_> {
    fn get(&self) -> &Reference {
        match self {
            Ref::Decoded(r) => r,
            Ref::Interpolated(r) => r,
        }
    }
}

async fn reference<'r>(rt: &Runtime, c: &Coded, decoded: &'r [Option<Reference>], block: usize, paths: &mut Vec<Path>) -> Result<Option<Ref<'r>>, Error> {
    let get = |i: usize| decoded[i].as_ref().ok_or_else(|| Error::Invalid(format!("reference frame {i} is missing")));
    Ok(match c.kind {
        Kind::I => None,
        Kind::P => Some(Ref::Decoded(get(c.refs[0])?)),
        Kind::B => {
            let (r0, r1) = (get(c.refs[0])?, get(c.refs[1])?);
            let (bil, path) = search(rt, r0.plane(0), r1.plane(0), Mode::Bilateral, block).await?;
            paths.push(path);
            Some(Ref::Interpolated(Reference::new(interpolate(r0, r1, &bil))))
        }
    })
}

fn residual_planes(cur: &Frame, pred: &Frame, step: f32) -> [Vec<f32>; 3] {
    std::array::from_fn(|c| cur.planes[c].iter().zip(&pred.planes[c]).map(|(&a, &b)| (a as f32 - b as f32) / step).collect())
}

fn reconstruct(pred: &Frame, res: &[Vec<f32>], step: f32) -> Frame {
    let planes = std::array::from_fn(|c| pred.planes[c].iter().zip(&res[c]).map(|(&p, &r)| (p as f32 + r * step).round().clamp(0.0, 255.0) as u8).collect());
    Frame { width: pred.width, height: pred.height, planes }
}

/// Encodes a clip frame by frame.
pub struct Encoder {
    frames: Arc<[Frame]>,
    params: Params,
    order: Vec<Coded>,
    next: usize,
    out: Vec<u8>,
    /// References still needed (dropped after their last use).
    refs: Vec<Option<Reference>>,
    last_use: Vec<Option<usize>>,
    decoded: Vec<Option<Frame>>,
    stats: Vec<Option<FrameStats>>,
    /// Where the motion searches ran.
    pub paths: Vec<Path>,
}

/// A finished encode: the stream and, in display order, what the decoder will show.
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub stats: Vec<FrameStats>,
    pub decoded: Vec<Frame>,
    pub paths: Vec<Path>,
}

impl Encoded {
    /// Where the motion searches ran: "gpu", "cpu", "gpu+cpu" (a fallback mid-clip) or
    /// "none" (intra only).
    pub fn search_path(&self) -> &'static str {
        match (self.paths.contains(&Path::Gpu), self.paths.contains(&Path::Cpu)) {
            (true, true) => "gpu+cpu",
            (true, false) => "gpu",
            (false, true) => "cpu",
            (false, false) => "none",
        }
    }
}

impl Encoder {
    pub fn new(frames: Arc<[Frame]>, params: Params) -> Result<Encoder, Error> {
        let first = frames.first().ok_or_else(|| Error::Invalid("no frames".into()))?;
        let header = Header { gop: params.gop, block: params.block, width: first.width, height: first.height, frames: frames.len() };
        header.check()?;
        if frames.iter().any(|f| f.width != first.width || f.height != first.height) {
            return Err(Error::Invalid("frames differ in size".into()));
        }
        if !(params.q.is_finite() && params.q > 0.0 && params.q <= 1000.0) {
            return Err(Error::Invalid(format!("quantizer step {} (0 < q ≤ 1000)", params.q)));
        }
        let n = frames.len();
        let order = coding_order(params.gop, n);
        Ok(Encoder {
            last_use: last_use(&order),
            refs: (0..n).map(|_| None).collect(),
            order,
            frames,
            params,
            out: header.to_bytes().to_vec(),
            next: 0,
            decoded: vec![None; n],
            stats: vec![None; n],
            paths: Vec::new(),
        })
    }

    /// Frames coded so far and in all.
    pub fn progress(&self) -> (usize, usize) {
        (self.next, self.order.len())
    }

    /// Codes the next frame in coding order; false once every frame is coded.
    pub async fn step(&mut self, rt: &Runtime) -> Result<bool, Error> {
        let Some(&c) = self.order.get(self.next) else { return Ok(false) };
        let cur = &self.frames[c.display];
        let block = self.params.block;
        let refd = reference(rt, &c, &self.refs, block, &mut self.paths).await?;
        let (pred, field) = match &refd {
            None => (Frame::filled(cur.width, cur.height, [128; 3]), None),
            Some(r) => {
                let (f, path) = search(rt, y(cur), r.get().plane(0), Mode::Forward, block).await?;
                self.paths.push(path);
                (predict(r.get(), &f), Some(f))
            }
        };
        let step = (self.params.q * step_factor(self.params.gop, &c) * 16.0).round().clamp(1.0, 65535.0) as u16;
        let stepf = step as f32 / 16.0;
        let res = residual_planes(cur, &pred, stepf);
        let (top, res_bytes) = edgeplay_spiht::encode_planes(&[&res[0], &res[1], &res[2]], cur.width as u32, cur.height as u32);
        let mv_bytes = field.as_ref().map(mvcode::encode).unwrap_or_default();
        let rec = Record { kind: c.kind, top, display: c.display, step16: step, mv_len: mv_bytes.len(), res_len: res_bytes.len() };
        self.out.extend_from_slice(&rec.to_bytes());
        self.out.extend_from_slice(&mv_bytes);
        self.out.extend_from_slice(&res_bytes);
        let back = edgeplay_spiht::decode_planes(&res_bytes, cur.width as u32, cur.height as u32, 3, top)?;
        let dec = reconstruct(&pred, &back, stepf);
        self.stats[c.display] = Some(FrameStats {
            display: c.display,
            kind: c.kind,
            level: c.level,
            bytes: RECORD_LEN + mv_bytes.len() + res_bytes.len(),
            motion_bytes: mv_bytes.len(),
            residual_bytes: res_bytes.len(),
            step: stepf,
            psnr_y: psnr_y(cur, &dec),
            psnr_rgb: psnr_rgb(cur, &dec),
        });
        drop(refd);
        if self.last_use[c.display].is_some() {
            self.refs[c.display] = Some(Reference::new(dec.clone()));
        }
        self.decoded[c.display] = Some(dec);
        release(&mut self.refs, &self.last_use, self.next);
        self.next += 1;
        Ok(self.next < self.order.len())
    }

    pub fn finish(self) -> Encoded {
        Encoded {
            bytes: self.out,
            stats: self.stats.into_iter().map(|s| s.expect("every frame coded before finish")).collect(),
            decoded: self.decoded.into_iter().map(|f| f.expect("every frame coded before finish")).collect(),
            paths: self.paths,
        }
    }
}

/// Drops the references whose last user is the frame at coding position `k`.
fn release(refs: &mut [Option<Reference>], last_use: &[Option<usize>], k: usize) {
    for (r, u) in refs.iter_mut().zip(last_use) {
        if *u == Some(k) {
            *r = None;
        }
    }
}

/// Encodes a whole clip (CLI, tests).
pub async fn encode(rt: &Runtime, frames: Arc<[Frame]>, params: Params) -> Result<Encoded, Error> {
    let mut e = Encoder::new(frames, params)?;
    while e.step(rt).await? {}
    Ok(e.finish())
}

/// One decoded frame with what the widget overlays.
#[derive(Debug, Clone)]
pub struct DecodedFrame {
    pub frame: Frame,
    pub kind: Kind,
    pub level: u8,
    pub bytes: usize,
    /// The vectors of a P- or B-frame (against its reference).
    pub field: Option<MotionField>,
    /// A B-frame's reference: the interpolation of its two neighbours.
    pub interpolated: Option<Frame>,
    /// Whether the stream ended inside this frame's residual (an embedded prefix of it).
    pub partial: bool,
}

/// Decodes a stream (or any byte prefix of it: what the prefix holds, then a note).
pub struct Decoder {
    data: Vec<u8>,
    pub header: Header,
    order: Vec<Coded>,
    pos: usize,
    next: usize,
    pub frames: Vec<Option<DecodedFrame>>,
    refs: Vec<Option<Reference>>,
    last_use: Vec<Option<usize>>,
    /// Why decoding stopped before the last frame.
    pub note: Option<String>,
}

impl Decoder {
    pub fn new(data: Vec<u8>) -> Result<Decoder, Error> {
        let header = Header::parse(&data)?;
        let order = coding_order(header.gop, header.frames);
        Ok(Decoder {
            last_use: last_use(&order),
            order,
            frames: vec![None; header.frames],
            refs: (0..header.frames).map(|_| None).collect(),
            data,
            header,
            pos: HEADER_LEN,
            next: 0,
            note: None,
        })
    }

    /// Decodes the next frame; false when done (all frames, or the stream ended).
    pub async fn step(&mut self, rt: &Runtime) -> Result<bool, Error> {
        let Some(&c) = self.order.get(self.next) else { return Ok(false) };
        if self.note.is_some() {
            return Ok(false);
        }
        let h = self.header;
        let rest = &self.data[self.pos..];
        if rest.len() < RECORD_LEN {
            self.note = Some(format!("the stream ends before frame {} ({} of {} frames decoded)", c.display, self.next, h.frames));
            return Ok(false);
        }
        let rec = Record::parse(&rest[..RECORD_LEN])?;
        if rec.kind != c.kind || rec.display != c.display {
            return Err(Error::Invalid(format!("record {} is {} frame {}, expected {} frame {}", self.next, rec.kind.letter(), rec.display, c.kind.letter(), c.display)));
        }
        if (c.kind == Kind::I) != (rec.mv_len == 0) {
            return Err(Error::Invalid(format!("frame {}: motion data on an intra frame or none on a predicted one", c.display)));
        }
        let rest = &rest[RECORD_LEN..];
        if rest.len() < rec.mv_len {
            self.note = Some(format!("the stream ends inside frame {}'s motion vectors ({} of {} frames decoded)", c.display, self.next, h.frames));
            return Ok(false);
        }
        let (mv, rest) = rest.split_at(rec.mv_len);
        let res = &rest[..rec.res_len.min(rest.len())];
        let partial = res.len() < rec.res_len;

        let mut paths = Vec::new();
        let refd = reference(rt, &c, &self.refs, h.block, &mut paths).await?;
        let (cols, rows) = (h.width.div_ceil(h.block), h.height.div_ceil(h.block));
        let (pred, field) = match &refd {
            None => (Frame::filled(h.width, h.height, [128; 3]), None),
            Some(r) => {
                let f = mvcode::decode(mv, cols, rows, h.block).map_err(|e| Error::Invalid(format!("frame {}: {e}", c.display)))?;
                (predict(r.get(), &f), Some(f))
            }
        };
        let back = edgeplay_spiht::decode_planes(res, h.width as u32, h.height as u32, 3, rec.top)?;
        let frame = reconstruct(&pred, &back, rec.step16 as f32 / 16.0);
        let interpolated = match refd {
            Some(Ref::Interpolated(r)) => Some(r.frame),
            _ => None,
        };
        if self.last_use[c.display].is_some() {
            self.refs[c.display] = Some(Reference::new(frame.clone()));
        }
        release(&mut self.refs, &self.last_use, self.next);
        self.frames[c.display] = Some(DecodedFrame {
            frame,
            kind: c.kind,
            level: c.level,
            bytes: RECORD_LEN + mv.len() + res.len(),
            field,
            interpolated,
            partial,
        });
        self.pos += RECORD_LEN + mv.len() + res.len();
        self.next += 1;
        if partial {
            self.note = Some(format!("the stream ends inside frame {}'s residual ({} of {} bytes; {} of {} frames decoded)", c.display, res.len(), rec.res_len, self.next, h.frames));
            return Ok(false);
        }
        Ok(self.next < self.order.len())
    }

    /// Frames decoded (possibly the last one partially).
    pub fn decoded_count(&self) -> usize {
        self.next
    }
}

/// Decodes a whole stream (or prefix).
pub async fn decode(rt: &Runtime, data: Vec<u8>) -> Result<Decoder, Error> {
    let mut d = Decoder::new(data)?;
    while d.step(rt).await? {}
    Ok(d)
}
