//! `magic "EPPC" | version u8 | model hash [u8; 8] | id length u8 | model id (ASCII) |
//! width u16le | height u16le`, validated before anything is allocated.

use crate::Error;

pub const MAGIC: [u8; 4] = *b"EPPC";
pub const VERSION: u8 = 1;
/// Largest accepted image (memory bound for untrusted headers).
pub const MAX_PIXELS: u64 = 1 << 24;
pub const MAX_SIDE: u32 = 8192;
const MAX_ID: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub model_hash: [u8; 8],
    pub model_id: String,
    pub width: u32,
    pub height: u32,
}

impl Header {
    pub fn check_size(width: u32, height: u32) -> Result<(), Error> {
        if width == 0 || height == 0 {
            return Err(Error::InvalidHeader("zero width or height"));
        }
        if width > MAX_SIDE || height > MAX_SIDE || width as u64 * height as u64 > MAX_PIXELS {
            return Err(Error::TooLarge(width, height));
        }
        Ok(())
    }

    /// Bytes of the header as [`Header::to_bytes`] writes it.
    pub fn encoded_len(&self) -> usize {
        4 + 1 + 8 + 1 + self.model_id.len() + 4
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(self.encoded_len());
        b.extend_from_slice(&MAGIC);
        b.push(VERSION);
        b.extend_from_slice(&self.model_hash);
        b.push(self.model_id.len() as u8);
        b.extend_from_slice(self.model_id.as_bytes());
        b.extend_from_slice(&(self.width as u16).to_le_bytes());
        b.extend_from_slice(&(self.height as u16).to_le_bytes());
        b
    }

    /// Parses the header; returns it and its length.
    pub fn parse(data: &[u8]) -> Result<(Header, usize), Error> {
        if data.len() < 4 || data[..4] != MAGIC {
            return Err(if data.len() < 4 && MAGIC.starts_with(data) { Error::ShortHeader(data.len()) } else { Error::BadMagic });
        }
        let short = || Error::ShortHeader(data.len());
        let version = *data.get(4).ok_or_else(short)?;
        if version != VERSION {
            return Err(Error::Version(version));
        }
        let model_hash: [u8; 8] = data.get(5..13).ok_or_else(short)?.try_into().expect("8 bytes");
        let id_len = *data.get(13).ok_or_else(short)? as usize;
        if id_len > MAX_ID {
            return Err(Error::InvalidHeader("model id longer than 64 bytes"));
        }
        let id = data.get(14..14 + id_len).ok_or_else(short)?;
        if !id.iter().all(|c| c.is_ascii_graphic()) {
            return Err(Error::InvalidHeader("model id is not printable ASCII"));
        }
        let dims = data.get(14 + id_len..18 + id_len).ok_or_else(short)?;
        let width = u16::from_le_bytes([dims[0], dims[1]]) as u32;
        let height = u16::from_le_bytes([dims[2], dims[3]]) as u32;
        Header::check_size(width, height)?;
        let h = Header { model_hash, model_id: String::from_utf8_lossy(id).into_owned(), width, height };
        Ok((h, 18 + id_len))
    }
}
