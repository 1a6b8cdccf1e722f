use crate::Error;

pub const MAGIC: [u8; 4] = *b"EPSP";
pub const VERSION: u8 = 1;
pub const HEADER_LEN: usize = 18;
/// Largest accepted image: keeps memory bounded for untrusted headers.
pub const MAX_PIXELS: u64 = edgeplay_core::MAX_PIXELS;
const MAX_SIDE: u32 = edgeplay_core::MAX_SIDE;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Plain binary output of every SPIHT decision.
    Binary,
    /// Context-adaptive binary arithmetic coding of every decision.
    Arithmetic,
}

/// `magic "EPSP" | version u8 | mode u8 | width u32le | height u32le | channels u8 |
/// levels u8 | fractional bits u8 (0) | top bit-plane u8 (255: all zero)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub levels: u8,
    pub mode: Mode,
    /// Highest bit-plane holding a significant coefficient; `None` when all are zero.
    pub top: Option<u32>,
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

    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[..4].copy_from_slice(&MAGIC);
        b[4] = VERSION;
        b[5] = match self.mode {
            Mode::Binary => 0,
            Mode::Arithmetic => 1,
        };
        b[6..10].copy_from_slice(&self.width.to_le_bytes());
        b[10..14].copy_from_slice(&self.height.to_le_bytes());
        b[14] = self.channels;
        b[15] = self.levels;
        b[16] = 0;
        b[17] = self.top.map_or(255, |t| t as u8);
        b
    }

    pub fn parse(data: &[u8]) -> Result<Header, Error> {
        if data.len() < 4 || data[..4] != MAGIC {
            return Err(if data.len() < 4 && MAGIC.starts_with(data) { Error::ShortHeader(data.len()) } else { Error::BadMagic });
        }
        if data.len() < HEADER_LEN {
            return Err(Error::ShortHeader(data.len()));
        }
        if data[4] != VERSION {
            return Err(Error::Version(data[4]));
        }
        let mode = match data[5] {
            0 => Mode::Binary,
            1 => Mode::Arithmetic,
            _ => return Err(Error::InvalidHeader("unknown entropy mode")),
        };
        let width = u32::from_le_bytes(data[6..10].try_into().unwrap());
        let height = u32::from_le_bytes(data[10..14].try_into().unwrap());
        Header::check_size(width, height)?;
        let channels = data[14];
        if channels != 1 && channels != 3 {
            return Err(Error::InvalidHeader("channels must be 1 or 3"));
        }
        let levels = data[15];
        if levels == 0 || levels != crate::levels_for(width, height) {
            return Err(Error::InvalidHeader("decomposition levels do not match the image size"));
        }
        if data[16] != 0 {
            return Err(Error::InvalidHeader("fractional bits must be 0"));
        }
        let top = match data[17] {
            255 => None,
            t if t <= 24 => Some(t as u32),
            _ => return Err(Error::InvalidHeader("top bit-plane above 24")),
        };
        Ok(Header { width, height, channels, levels, mode, top })
    }
}
