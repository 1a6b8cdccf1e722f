//! A small video codec that shows what B-frames buy: block motion with quarter-pixel
//! vectors, residuals coded by this project's embedded wavelet coder (SPIHT-AC), and the
//! B-frame construction of Pourreza & Cohen ("Extending Neural P-frame Codecs for B-frame
//! Coding", ICCV 2021): a B-frame's two decoded references are *interpolated* into one frame
//! which the unchanged P-frame coder then uses as its reference.
//!
//! - [`frame`]: YCbCr 4:4:4 frames, PSNR-Y and PSNR-RGB, area downscaling.
//! - [`clip`]: reading clips (`.y4m` via the `y4m` crate, folders of PNG/JPEG frames).
//! - [`motion`]: quarter-pixel sampling, the four-stage block search (forward and
//!   bilateral), motion-compensated prediction, B-frame interpolation. [`gpu`]: the same
//!   search in WGSL (equal vectors).
//! - [`mvcode`]: motion fields entropy-coded (median prediction, adaptive binary contexts).
//! - [`gop`]: IPP and hierarchical-B coding orders and the per-frame quantizer rule.
//! - [`stream`]: the bitstream layout. [`codec`]: [`Encoder`] and [`Decoder`].
//! - [`bd`]: Bjøntegaard delta rate between two RD curves.

pub mod bd;
pub mod clip;
pub mod codec;
pub mod frame;
pub mod gop;
pub mod gpu;
pub mod motion;
pub mod mvcode;
pub mod stream;

pub use codec::{decode, encode, search, DecodedFrame, Decoder, Encoded, Encoder, FrameStats, Params, LADDER};
pub use frame::Frame;
pub use gop::{Gop, Kind};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    #[error("invalid video stream: {0}")]
    Invalid(String),
    #[error("the stream is cut inside its {0}")]
    Truncated(String),
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("clip: {0}")]
    Clip(String),
    #[error("residual: {0}")]
    Residual(#[from] edgeplay_spiht::Error),
    #[error("GPU: {0}")]
    Gpu(String),
    #[error("cancelled")]
    Cancelled,
}
