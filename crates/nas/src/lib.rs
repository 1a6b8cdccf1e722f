//! Hardware-aware neural architecture search on the NAS-Bench-201 / NATS-Bench topology space,
//! after DONNA ("Distilling Optimal Neural Networks", Moons et al., ICCV 2021): an accuracy
//! predictor fitted to a few true accuracies, NSGA-II over (predicted accuracy, cost), and
//! costs measured on the device running it.
//!
//! * [`space`]: the 15,625 cells, architecture strings, live-edge analysis.
//! * [`bench`]: the NATS-Bench accuracy table (CIFAR-10/100, ImageNet16-120).
//! * [`network`]: the real network as an `edgeplay-nn` graph (CPU interpreter and WGSL), and
//!   its analytic MACs/parameters.
//! * [`proxy`]: NASWOT, measured by running each network on natural-image crops.
//! * [`latency`]: per-operation latency tables measured on this device (CPU or GPU).
//! * [`predictor`]: feature sets, ridge and random-forest regressors, Kendall's τ.
//! * [`search`]: NSGA-II, the DONNA loop and the mean-accuracy-gap measure.

pub mod bench;
pub mod latency;
pub mod network;
pub mod predictor;
pub mod proxy;
pub mod search;
pub mod space;

pub use bench::{Bench, Dataset};
pub use space::{Cell, Op};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("bad architecture string {0}")]
    Arch(String),
    #[error("benchmark table: {0}")]
    Bench(String),
    #[error("NASWOT table has {got} bytes, expected {expected}")]
    ProxyTable { got: usize, expected: usize },
    #[error(transparent)]
    Nn(#[from] edgeplay_nn::Error),
}
