//! Frames: 8-bit images with 1 (grey) or 3 (RGB) interleaved channels, the type every codec,
//! metric and widget binding passes around.

/// The largest side and pixel count any Edgeplay frame may have (codecs may allow less).
pub const MAX_SIDE: u32 = 16384;
pub const MAX_PIXELS: u64 = 1 << 25;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("{0} channels (expected 1 or 3)")]
    Channels(u8),
    #[error("zero width or height")]
    Empty,
    #[error("image {0}x{1} is too large (limit {MAX_SIDE} per side and {MAX_PIXELS} pixels)")]
    TooLarge(u32, u32),
    #[error("{got} bytes for a {width}x{height} image with {channels} channels")]
    Length { got: usize, width: u32, height: u32, channels: u8 },
}

/// An 8-bit image: 1 (grey) or 3 (RGB) interleaved channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub data: Vec<u8>,
}

/// Checks a frame size against [`MAX_SIDE`] and [`MAX_PIXELS`].
pub fn check_size(width: u32, height: u32) -> Result<(), ImageError> {
    if width == 0 || height == 0 {
        return Err(ImageError::Empty);
    }
    if width > MAX_SIDE || height > MAX_SIDE || width as u64 * height as u64 > MAX_PIXELS {
        return Err(ImageError::TooLarge(width, height));
    }
    Ok(())
}

impl Image {
    pub fn new(width: u32, height: u32, channels: u8, data: Vec<u8>) -> Result<Image, ImageError> {
        if channels != 1 && channels != 3 {
            return Err(ImageError::Channels(channels));
        }
        check_size(width, height)?;
        if data.len() != width as usize * height as usize * channels as usize {
            return Err(ImageError::Length { got: data.len(), width, height, channels });
        }
        Ok(Image { width, height, channels, data })
    }

    /// RGB image from RGBA pixels (alpha ignored).
    pub fn from_rgba(width: u32, height: u32, rgba: &[u8]) -> Result<Image, ImageError> {
        check_size(width, height)?;
        if rgba.len() != width as usize * height as usize * 4 {
            return Err(ImageError::Length { got: rgba.len(), width, height, channels: 4 });
        }
        let data = rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
        Image::new(width, height, 3, data)
    }

    /// RGBA pixels (alpha 255; grey repeated into R, G and B).
    pub fn to_rgba(&self) -> Vec<u8> {
        match self.channels {
            1 => self.data.iter().flat_map(|&v| [v, v, v, 255]).collect(),
            _ => self.data.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgba_round_trip_and_bad_inputs() {
        let img = Image::from_rgba(2, 1, &[1, 2, 3, 9, 4, 5, 6, 9]).unwrap();
        assert_eq!(img.data, [1, 2, 3, 4, 5, 6]);
        assert_eq!(img.to_rgba(), [1, 2, 3, 255, 4, 5, 6, 255]);
        assert_eq!(Image::new(1, 1, 2, vec![0, 0]), Err(ImageError::Channels(2)));
        assert_eq!(Image::new(0, 1, 1, vec![]), Err(ImageError::Empty));
        assert_eq!(Image::new(MAX_SIDE + 1, 1, 1, vec![]), Err(ImageError::TooLarge(MAX_SIDE + 1, 1)));
        assert!(matches!(Image::new(2, 2, 1, vec![0; 3]), Err(ImageError::Length { got: 3, .. })));
        // A huge claimed size is refused before anything is allocated.
        assert!(matches!(Image::from_rgba(u32::MAX, u32::MAX, &[]), Err(ImageError::TooLarge(..))));
    }
}
