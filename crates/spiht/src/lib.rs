//! SPIHT: Set Partitioning In Hierarchical Trees (A. Said and W. A. Pearlman, "A new, fast,
//! and efficient image codec based on set partitioning in hierarchical trees", IEEE TCSVT
//! 1996), on the CDF 9/7 transform of `edgeplay-wavelet`.
//!
//! - Grey or colour: colour goes through full-range YCbCr and the three components share
//!   one set of lists, so every bit-plane refines all three and any prefix decodes all three.
//! - Any size: planes are padded (edge replication) to a multiple of 2^(levels+1) so every
//!   band of the tree is even-sized; the decoder crops.
//! - Two entropy modes: plain bits ([`Mode::Binary`]) and context-adaptive binary arithmetic
//!   coding of every decision ([`Mode::Arithmetic`], "SPIHT-AC").
//! - Embedded: any byte prefix of a stream decodes; encoding with a byte budget produces
//!   exactly that prefix of the full stream.
//!
//! Bitstream: an 18-byte header ([`Header`]) then the embedded payload.

pub mod coder;
mod header;
mod sets;

use edgeplay_wavelet::{cpu, Plane, Runtime};

pub use header::{Header, Mode, HEADER_LEN, MAX_PIXELS};

use coder::{ArithReader, ArithWriter, BinaryReader, BinaryWriter};
use sets::{Dec, Enc, Geometry, Magnitudes, Side};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("not an Edgeplay SPIHT stream (bad magic)")]
    BadMagic,
    #[error("unsupported SPIHT stream version {0}")]
    Version(u8),
    #[error("stream is truncated inside its {HEADER_LEN}-byte header ({0} bytes)")]
    ShortHeader(usize),
    #[error("invalid header: {0}")]
    InvalidHeader(&'static str),
    #[error("image {0}x{1} is too large (limit 16384 per side and {MAX_PIXELS} pixels)")]
    TooLarge(u32, u32),
    #[error("input: {0}")]
    Input(String),
    #[error(transparent)]
    Image(#[from] ImageError),
}

pub use edgeplay_core::{Image, ImageError};

/// Decomposition levels for an image: 5 for 512x512, fewer for small images.
pub fn levels_for(width: u32, height: u32) -> u8 {
    let m = width.min(height).max(1);
    let log2 = 31 - m.leading_zeros();
    log2.saturating_sub(4).clamp(1, 6) as u8
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    pub mode: Mode,
    /// Total file size limit (header included); `None` = the full embedded stream.
    pub max_bytes: Option<usize>,
}

fn padded(n: u32, levels: u8) -> usize {
    let m = 1usize << (levels + 1);
    (n as usize).div_ceil(m) * m
}

fn geometry(h: &Header) -> Geometry {
    let (w, hh) = (padded(h.width, h.levels), padded(h.height, h.levels));
    Geometry { w, h: hh, wl: w >> h.levels, hl: hh >> h.levels, comps: h.channels as usize }
}

/// Component planes (Y or Y, Cb, Cr, each centred on 0), padded by edge replication.
fn to_planes(img: &Image, g: &Geometry) -> Vec<Plane> {
    let (w, h) = (img.width as usize, img.height as usize);
    let mut planes: Vec<Plane> = (0..g.comps).map(|_| Plane { width: g.w, height: g.h, data: vec![0.0; g.w * g.h] }).collect();
    for y in 0..g.h {
        let sy = y.min(h - 1);
        for x in 0..g.w {
            let sx = x.min(w - 1);
            let i = y * g.w + x;
            let p = (sy * w + sx) * img.channels as usize;
            if img.channels == 1 {
                planes[0].data[i] = img.data[p] as f32 - 128.0;
            } else {
                let (r, gg, b) = (img.data[p] as f32, img.data[p + 1] as f32, img.data[p + 2] as f32);
                planes[0].data[i] = 0.299 * r + 0.587 * gg + 0.114 * b - 128.0;
                planes[1].data[i] = -0.168_736 * r - 0.331_264 * gg + 0.5 * b;
                planes[2].data[i] = 0.5 * r - 0.418_688 * gg - 0.081_312 * b;
            }
        }
    }
    planes
}

fn from_planes(planes: &[Plane], h: &Header) -> Image {
    let (w, hh) = (h.width as usize, h.height as usize);
    let stride = planes[0].width;
    let q = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    let mut data = Vec::with_capacity(w * hh * h.channels as usize);
    for y in 0..hh {
        for x in 0..w {
            let i = y * stride + x;
            let yy = planes[0].data[i] + 128.0;
            if h.channels == 1 {
                data.push(q(yy));
            } else {
                let (cb, cr) = (planes[1].data[i], planes[2].data[i]);
                data.push(q(yy + 1.402 * cr));
                data.push(q(yy - 0.344_136 * cb - 0.714_136 * cr));
                data.push(q(yy + 1.772 * cb));
            }
        }
    }
    Image { width: h.width, height: h.height, channels: h.channels, data }
}

/// Encodes `img`. The result is the header followed by the embedded stream, cut at
/// `max_bytes` when given (exactly the prefix of the full stream).
pub fn encode(img: &Image, opts: &EncodeOptions) -> Vec<u8> {
    let levels = levels_for(img.width, img.height);
    let mut header = Header { width: img.width, height: img.height, channels: img.channels, levels, mode: opts.mode, top: None };
    let g = geometry(&header);
    let coeffs: Vec<Vec<i32>> = to_planes(img, &g)
        .into_iter()
        .map(|mut p| {
            cpu::forward(&mut p, levels as u32);
            p.data.iter().map(|v| v.round() as i32).collect()
        })
        .collect();
    let mags = Magnitudes::new(&g, &coeffs);
    header.top = mags.top_plane();
    let mut out = header.to_bytes().to_vec();
    let budget = opts.max_bytes.map(|m| m.saturating_sub(HEADER_LEN));
    match opts.mode {
        Mode::Binary => {
            let mut ch = Enc(BinaryWriter::new(budget));
            sets::run(g, Side::Encode(&mags), &mut ch, header.top);
            out.extend_from_slice(&ch.0.bytes);
        }
        Mode::Arithmetic => {
            let mut ch = Enc(ArithWriter::new(sets::CONTEXTS, budget));
            sets::run(g, Side::Encode(&mags), &mut ch, header.top);
            out.extend_from_slice(&ch.0.finish());
        }
    }
    if let Some(m) = opts.max_bytes {
        out.truncate(m.max(HEADER_LEN));
    }
    out
}

/// The wavelet coefficients decoded from a prefix of a stream, before the inverse transform.
pub struct Coefficients {
    pub header: Header,
    pub planes: Vec<Plane>,
}

/// Decodes the first `max_bytes` bytes of `data` (all of it when `None`) into coefficients.
pub fn decode_coefficients(data: &[u8], max_bytes: Option<usize>) -> Result<Coefficients, Error> {
    let header = Header::parse(data)?;
    let end = max_bytes.map_or(data.len(), |m| m.min(data.len())).max(HEADER_LEN);
    let payload = &data[HEADER_LEN..end];
    let g = geometry(&header);
    let zeros = vec![vec![0.0f32; g.w * g.h]; g.comps];
    let rec = match header.mode {
        Mode::Binary => sets::run(g, Side::Decode(zeros), &mut Dec(BinaryReader::new(payload)), header.top),
        Mode::Arithmetic => sets::run(g, Side::Decode(zeros), &mut Dec(ArithReader::new(payload, sets::CONTEXTS)), header.top),
    }
    .expect("decoder returns its reconstruction");
    let planes = rec.into_iter().map(|data| Plane { width: g.w, height: g.h, data }).collect();
    Ok(Coefficients { header, planes })
}

impl Coefficients {
    /// Inverse transform on the CPU and colour conversion.
    pub fn to_image(mut self) -> Image {
        for p in &mut self.planes {
            cpu::inverse(p, self.header.levels as u32);
        }
        from_planes(&self.planes, &self.header)
    }

    /// Inverse transform on the runtime's path (GPU when available, all components in one
    /// submission) and colour conversion.
    pub async fn to_image_on(self, rt: &Runtime) -> Result<(Image, edgeplay_wavelet::Path), Error> {
        let r = edgeplay_wavelet::inverse_many(rt, &self.planes, self.header.levels as u32)
            .await
            .map_err(|e| Error::Input(e.to_string()))?;
        Ok((from_planes(&r.value, &self.header), r.path))
    }
}

/// Decodes a prefix of a stream to an image (CPU).
pub fn decode(data: &[u8], max_bytes: Option<usize>) -> Result<Image, Error> {
    Ok(decode_coefficients(data, max_bytes)?.to_image())
}

/// Embedded coding of arbitrary component planes (no colour conversion, no header): the video
/// codec's residuals. `planes` are `width x height` each, already scaled so that one unit is
/// the quantizer step; coefficients are rounded to integers and coded in SPIHT-AC down to bit
/// plane 0, so any byte prefix of the result decodes with [`decode_planes`].
/// Returns the top bit-plane (`None` when every coefficient rounds to 0) and the payload.
pub fn encode_planes(planes: &[&[f32]], width: u32, height: u32) -> (Option<u32>, Vec<u8>) {
    let levels = levels_for(width, height);
    let g = planes_geometry(width, height, levels, planes.len());
    let (w, h) = (width as usize, height as usize);
    let coeffs: Vec<Vec<i32>> = planes
        .iter()
        .map(|src| {
            let mut p = Plane { width: g.w, height: g.h, data: vec![0.0; g.w * g.h] };
            for y in 0..g.h {
                let row = &src[y.min(h - 1) * w..][..w];
                for x in 0..g.w {
                    p.data[y * g.w + x] = row[x.min(w - 1)];
                }
            }
            cpu::forward(&mut p, levels as u32);
            p.data.iter().map(|v| v.round() as i32).collect()
        })
        .collect();
    let mags = Magnitudes::new(&g, &coeffs);
    let top = mags.top_plane();
    if top.is_none() {
        return (None, Vec::new());
    }
    let mut ch = Enc(ArithWriter::new(sets::CONTEXTS, None));
    sets::run(g, Side::Encode(&mags), &mut ch, top);
    (top, ch.0.finish())
}

/// Decodes (a prefix of) a payload of [`encode_planes`] into `comps` planes of
/// `width x height`. The caller validates the size (at most 16384 per side and
/// [`MAX_PIXELS`]), `comps` (1..=3) and `top` (at most 24).
pub fn decode_planes(data: &[u8], width: u32, height: u32, comps: usize, top: Option<u32>) -> Result<Vec<Vec<f32>>, Error> {
    Header::check_size(width, height)?;
    if !(1..=3).contains(&comps) || top.is_some_and(|t| t > 24) {
        return Err(Error::InvalidHeader("components must be 1..3 and the top bit-plane at most 24"));
    }
    let levels = levels_for(width, height);
    let g = planes_geometry(width, height, levels, comps);
    let (w, h) = (width as usize, height as usize);
    if top.is_none() {
        return Ok(vec![vec![0.0; w * h]; comps]);
    }
    let zeros = vec![vec![0.0f32; g.w * g.h]; comps];
    let rec = sets::run(g, Side::Decode(zeros), &mut Dec(ArithReader::new(data, sets::CONTEXTS)), top).expect("decoder returns its reconstruction");
    Ok(rec
        .into_iter()
        .map(|data| {
            let mut p = Plane { width: g.w, height: g.h, data };
            cpu::inverse(&mut p, levels as u32);
            let mut out = Vec::with_capacity(w * h);
            for y in 0..h {
                out.extend_from_slice(&p.data[y * g.w..y * g.w + w]);
            }
            out
        })
        .collect())
}

fn planes_geometry(width: u32, height: u32, levels: u8, comps: usize) -> Geometry {
    let (w, hh) = (padded(width, levels), padded(height, levels));
    Geometry { w, h: hh, wl: w >> levels, hl: hh >> levels, comps }
}
