use thiserror::Error;

/// Largest accepted width or height.
pub const MAX_DIM: usize = 16384;

/// A single-channel image of `f32` samples, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    pub width: usize,
    pub height: usize,
    pub data: Vec<f32>,
}

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum PlaneError {
    #[error("image size {0}x{1} is empty")]
    Empty(usize, usize),
    #[error("image size {0}x{1} exceeds the limit of {MAX_DIM} pixels per side")]
    TooLarge(usize, usize),
    #[error("expected {} samples for {width}x{height}, got {got}", width * height)]
    BadSampleCount { width: usize, height: usize, got: usize },
    #[error("expected {expected} bytes of RGBA for {width}x{height}, got {got}")]
    BadLength { width: usize, height: usize, expected: usize, got: usize },
}

fn check_dims(width: usize, height: usize) -> Result<(), PlaneError> {
    if width == 0 || height == 0 {
        return Err(PlaneError::Empty(width, height));
    }
    if width > MAX_DIM || height > MAX_DIM {
        return Err(PlaneError::TooLarge(width, height));
    }
    Ok(())
}

impl Plane {
    pub fn new(width: usize, height: usize, data: Vec<f32>) -> Result<Plane, PlaneError> {
        check_dims(width, height)?;
        if data.len() != width * height {
            return Err(PlaneError::BadSampleCount { width, height, got: data.len() });
        }
        Ok(Plane { width, height, data })
    }

    /// Luma (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B) of 8-bit RGBA pixels, in 0..255.
    pub fn luma_from_rgba(rgba: &[u8], width: usize, height: usize) -> Result<Plane, PlaneError> {
        check_dims(width, height)?;
        let expected = width * height * 4;
        if rgba.len() != expected {
            return Err(PlaneError::BadLength { width, height, expected, got: rgba.len() });
        }
        let data = rgba
            .chunks_exact(4)
            .map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32)
            .collect();
        Ok(Plane { width, height, data })
    }

    #[inline]
    pub fn at(&self, x: usize, y: usize) -> f32 {
        self.data[y * self.width + x]
    }

    /// Largest absolute sample value.
    pub fn max_abs(&self) -> f32 {
        self.data.iter().fold(0.0f32, |m, v| m.max(v.abs()))
    }

    /// Largest absolute difference to `other` (same size required).
    pub fn max_abs_diff(&self, other: &Plane) -> f32 {
        assert_eq!((self.width, self.height), (other.width, other.height));
        self.data.iter().zip(&other.data).fold(0.0f32, |m, (a, b)| m.max((a - b).abs()))
    }
}
