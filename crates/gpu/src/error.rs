use thiserror::Error;

/// Everything that can go wrong on the GPU path. Callers fall back to the CPU on any of these
/// unless the user forced the GPU backend.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum GpuError {
    /// No usable adapter: WebGPU missing, `navigator.gpu` without an adapter, or no driver.
    #[error("no GPU adapter: {0}")]
    NoAdapter(String),
    /// The adapter refused to create a device.
    #[error("could not create a GPU device: {0}")]
    RequestDevice(String),
    /// The device was lost (driver reset, `destroy()`); the runtime now uses the CPU.
    #[error("GPU device lost: {0}")]
    DeviceLost(String),
    /// A validation or out-of-memory error reported by the device.
    #[error("GPU error: {0}")]
    Device(String),
    /// Mapping a buffer for readback failed.
    #[error("GPU readback failed: {0}")]
    Readback(String),
    /// The problem is bigger than this device's limits allow.
    #[error("{what} needs {needed} bytes but this GPU allows {limit}")]
    TooLarge { what: &'static str, needed: u64, limit: u64 },
    /// The user chose the CPU backend but the caller required the GPU.
    #[error("the CPU backend is selected")]
    Disabled,
}
