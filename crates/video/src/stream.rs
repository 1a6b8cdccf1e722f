//! The bitstream: a 16-byte header, then one record per frame in coding order.
//!
//! ```text
//! header  "EPVC" | version u8 (1) | gop u8 (0 = IPP, else the GOP size) | block u8 (8|16)
//!         | reserved u8 (0) | width u16le | height u16le | frames u16le | reserved u16le (0)
//! record  kind u8 (0 I, 1 P, 2 B) | top bit-plane u8 (255: residual all zero)
//!         | display index u16le | quantizer step u16le (1/16 units)
//!         | motion bytes u32le | residual bytes u32le | motion | residual (SPIHT-AC, embedded)
//! ```
//! The decoder derives the coding order from the header and refuses a record whose kind or
//! display index disagrees. Sizes are checked before anything is allocated.

use crate::gop::{Gop, Kind};
use crate::Error;

pub const MAGIC: [u8; 4] = *b"EPVC";
pub const VERSION: u8 = 1;
pub const HEADER_LEN: usize = 16;
pub const RECORD_LEN: usize = 14;
/// Largest frame side the codec accepts.
pub const MAX_SIDE: usize = 4096;
/// Largest frame count.
pub const MAX_FRAMES: usize = 1024;
/// Largest frame (1920x1080 fits): a reference holds 51 bytes per pixel (the frame and its
/// quarter-pixel phases).
pub const MAX_FRAME_PIXELS: u64 = 1 << 21;
/// Largest number of pixels over all frames (what a decoder holds in memory).
pub const MAX_TOTAL_PIXELS: u64 = 1 << 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub gop: Gop,
    pub block: usize,
    pub width: usize,
    pub height: usize,
    pub frames: usize,
}

impl Header {
    pub fn check(&self) -> Result<(), Error> {
        if self.width == 0 || self.height == 0 || self.frames == 0 {
            return Err(Error::Invalid("empty clip (zero width, height or frames)".into()));
        }
        if self.width > MAX_SIDE || self.height > MAX_SIDE {
            return Err(Error::TooLarge(format!("{}x{} frames (limit {MAX_SIDE} per side)", self.width, self.height)));
        }
        if (self.width * self.height) as u64 > MAX_FRAME_PIXELS {
            return Err(Error::TooLarge(format!("{}x{} frames (limit {MAX_FRAME_PIXELS} pixels a frame)", self.width, self.height)));
        }
        if self.frames > MAX_FRAMES {
            return Err(Error::TooLarge(format!("{} frames (limit {MAX_FRAMES})", self.frames)));
        }
        if (self.width * self.height) as u64 * self.frames as u64 > MAX_TOTAL_PIXELS {
            return Err(Error::TooLarge(format!("{} frames of {}x{} (limit {MAX_TOTAL_PIXELS} pixels in all)", self.frames, self.width, self.height)));
        }
        if self.block != 8 && self.block != 16 {
            return Err(Error::Invalid(format!("block size {} (8 or 16)", self.block)));
        }
        Ok(())
    }

    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[..4].copy_from_slice(&MAGIC);
        b[4] = VERSION;
        b[5] = self.gop.to_byte();
        b[6] = self.block as u8;
        b[8..10].copy_from_slice(&(self.width as u16).to_le_bytes());
        b[10..12].copy_from_slice(&(self.height as u16).to_le_bytes());
        b[12..14].copy_from_slice(&(self.frames as u16).to_le_bytes());
        b
    }

    pub fn parse(d: &[u8]) -> Result<Header, Error> {
        if d.len() < 4 || d[..4] != MAGIC {
            return Err(if d.len() < 4 && MAGIC.starts_with(d) { Error::Truncated("header".into()) } else { Error::Invalid("not an Edgeplay video stream (bad magic)".into()) });
        }
        if d.len() < HEADER_LEN {
            return Err(Error::Truncated(format!("header ({} of {HEADER_LEN} bytes)", d.len())));
        }
        if d[4] != VERSION {
            return Err(Error::Invalid(format!("unsupported stream version {}", d[4])));
        }
        let gop = Gop::from_byte(d[5]).ok_or_else(|| Error::Invalid(format!("GOP byte {}", d[5])))?;
        if d[7] != 0 || d[14] != 0 || d[15] != 0 {
            return Err(Error::Invalid("reserved header bytes are not 0".into()));
        }
        let u16at = |i: usize| u16::from_le_bytes([d[i], d[i + 1]]) as usize;
        let h = Header { gop, block: d[6] as usize, width: u16at(8), height: u16at(10), frames: u16at(12) };
        h.check()?;
        Ok(h)
    }
}

/// A frame record's fixed part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    pub kind: Kind,
    pub top: Option<u32>,
    pub display: usize,
    /// Quantizer step in 1/16 units (≥ 1).
    pub step16: u16,
    pub mv_len: usize,
    pub res_len: usize,
}

impl Record {
    pub fn to_bytes(&self) -> [u8; RECORD_LEN] {
        let mut b = [0u8; RECORD_LEN];
        b[0] = self.kind.to_byte();
        b[1] = self.top.map_or(255, |t| t as u8);
        b[2..4].copy_from_slice(&(self.display as u16).to_le_bytes());
        b[4..6].copy_from_slice(&self.step16.to_le_bytes());
        b[6..10].copy_from_slice(&(self.mv_len as u32).to_le_bytes());
        b[10..14].copy_from_slice(&(self.res_len as u32).to_le_bytes());
        b
    }

    pub fn parse(d: &[u8]) -> Result<Record, Error> {
        let kind = match d[0] {
            0 => Kind::I,
            1 => Kind::P,
            2 => Kind::B,
            k => return Err(Error::Invalid(format!("frame kind {k}"))),
        };
        let top = match d[1] {
            255 => None,
            t if t <= 24 => Some(t as u32),
            t => return Err(Error::Invalid(format!("residual top bit-plane {t} (at most 24)"))),
        };
        let step16 = u16::from_le_bytes([d[4], d[5]]);
        if step16 == 0 {
            return Err(Error::Invalid("quantizer step 0".into()));
        }
        let u32at = |i: usize| u32::from_le_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]]) as usize;
        Ok(Record { kind, top, display: u16::from_le_bytes([d[2], d[3]]) as usize, step16, mv_len: u32at(6), res_len: u32at(10) })
    }
}
