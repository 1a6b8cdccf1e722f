//! The types and measures every Edgeplay crate shares: [`Image`] (an 8-bit grey or RGB frame)
//! and the quality [`metrics`] (PSNR, MS-SSIM). No GPU, no codec, no dependencies beyond
//! `thiserror`.

mod image;
pub mod metrics;

pub use image::{check_size, Image, ImageError, MAX_PIXELS, MAX_SIDE};
