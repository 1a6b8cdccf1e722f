//! Monocular depth for the playground and the CLI: one [`DepthModel`] (FastDepth, or a
//! network the user brings), the resize rule both share ([`resample`]), accuracy over RGB-D
//! pairs ([`metrics`], [`pairs`], [`eval`]), colour pictures ([`colormap`]) and downloads
//! ([`export`]: 16-bit PNG, PLY).

pub mod colormap;
pub mod eval;
pub mod export;
pub mod metrics;
mod model;
pub mod pairs;
pub mod resample;

pub use colormap::Colormap;
pub use model::{Depth, DepthModel, ModelSpec, Output, MAX_MODEL_BYTES};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unusable depth model: {0}")]
    Model(String),
    #[error("model settings: {0}")]
    Spec(String),
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Image(#[from] edgeplay_core::ImageError),
    #[error(transparent)]
    Nn(#[from] edgeplay_nn::Error),
    #[error(transparent)]
    Gpu(#[from] edgeplay_gpu::GpuError),
    #[error("{0}")]
    Io(String),
}
