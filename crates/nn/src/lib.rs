//! A small neural-network executor for the convolutional graphs Edgeplay's models export to
//! ONNX (the progressive codec today; depth and NAS networks later).
//!
//! An ONNX file is parsed ([`Graph::from_onnx`]) into a short list of [`Layer`]s — Conv
//! (grouped and depthwise too), ConvTranspose, GDN/IGDN (fused from its plain-op
//! decomposition), BatchNormalization (folded into the convolution before it), ReLU and Clip
//! (fused into the convolution), Resize/Upsample (nearest and bilinear with the ONNX
//! coordinate modes), Concat, average pooling and element-wise ops — and then run by one of
//! three executors:
//!
//! * [`cpu`]: a plain Rust interpreter with a fixed summation order, bit-identical on every
//!   platform (native and wasm). The codec runs its hyper-synthesis here, because the entropy
//!   model's probabilities must be the same in encoder and decoder.
//! * [`gpu`]: WGSL kernels on the shared wgpu device (`edgeplay-gpu`).
//! * [`reference`]: tract-onnx, the reference and the fast CPU path.
//!
//! Tensors are batch-1 CHW `f32` ([`Tensor`]). An operator outside this list is an
//! [`Error::Unsupported`] that names the operator and the node; callers that must run any
//! model fall back to [`reference`].
//!
//! The ONNX reader and the tract executor are behind the default feature `onnx` (tract-onnx is
//! most of a wasm module's size); a crate that builds its graphs in code, like `edgeplay-nas`,
//! turns it off.

pub mod cpu;
pub mod gpu;
mod graph;
#[cfg(feature = "onnx")]
mod onnx;
#[cfg(feature = "onnx")]
pub mod reference;
#[doc(hidden)]
pub mod testing;

pub use graph::{Act, Binary, Conv, Coord, Graph, Layer, Nearest, Op, Resize, Unary, MAX_RESIZE_SIDE, MAX_TENSOR_ELEMENTS};
#[cfg(feature = "onnx")]
pub use onnx::declared_input;

/// A batch-1 tensor in CHW layout.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub data: Vec<f32>,
}

impl Tensor {
    pub fn new(c: usize, h: usize, w: usize, data: Vec<f32>) -> Result<Tensor, Error> {
        if c.checked_mul(h).and_then(|v| v.checked_mul(w)) != Some(data.len()) {
            return Err(Error::Shape(format!("{} values for a {c}x{h}x{w} tensor", data.len())));
        }
        Ok(Tensor { c, h, w, data })
    }

    pub fn zeros(c: usize, h: usize, w: usize) -> Tensor {
        Tensor { c, h, w, data: vec![0.0; c * h * w] }
    }

    pub fn shape(&self) -> [usize; 3] {
        [self.c, self.h, self.w]
    }

    /// ‖a − b‖∞ / max(‖b‖∞, tiny): the error measure the executor tests use.
    pub fn rel_max_err(&self, reference: &Tensor) -> f32 {
        assert_eq!(self.shape(), reference.shape());
        let scale = reference.data.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
        let err = self.data.iter().zip(&reference.data).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
        err / scale
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a usable ONNX model: {0}")]
    Onnx(String),
    #[error("unsupported ONNX graph: {0}")]
    Unsupported(String),
    #[error("shape mismatch: {0}")]
    Shape(String),
    #[error(transparent)]
    Gpu(#[from] edgeplay_gpu::GpuError),
    #[error("tract: {0}")]
    Tract(String),
}
