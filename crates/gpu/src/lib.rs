//! Edgeplay GPU runtime.
//!
//! One wgpu device per page (or process), created lazily on first use and shared by every
//! widget and kernel ([`Runtime`]). Kernels ask the runtime for an [`Exec`] — the GPU when
//! one is available and allowed by the [`Backend`] choice, the CPU otherwise — and every
//! kernel has a CPU implementation with the same signature, so a missing adapter, a forced
//! CPU toggle or a lost device all end on the CPU path without a page reload.
//!
//! Pieces:
//! - [`Gpu`]: the device, queue and adapter description, a compute-pipeline cache keyed by
//!   shader and entry point, buffer helpers and readback (`map_async` awaited; natively the
//!   device is polled, in the browser the event loop drives the callback).
//! - [`PassTimer`]: GPU time from timestamp queries when the adapter has them, wall clock
//!   otherwise; the result says which ([`Clock`]).
//! - [`Runtime`]: the lazily created, shared device plus the backend choice and status.

mod context;
mod error;
mod runtime;
mod timing;

pub use context::{Gpu, GpuInfo};
pub use error::GpuError;
pub use runtime::{Backend, Exec, Path, PathChoice, Ran, Runtime, RuntimeStatus, UnknownBackend};
pub use timing::{Clock, PassTimer, Stopwatch, Timing};
pub use wgpu;
