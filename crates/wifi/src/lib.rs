//! Wi-Fi positioning from channel state information (CSI), after WiCluster (Karmanov et al.,
//! Globecom 2021).
//!
//! - [`capture`]: pcap and pcapng files → Ethernet / raw-IP / Linux-cooked frames → UDP
//!   datagrams to port 5500 → [`nexmon`] payloads; everything else is skipped and counted.
//! - [`nexmon`]: the Nexmon CSI payload (magic 0x1111, RSSI, frame control, source MAC,
//!   sequence, core/stream, chanspec, chip, then int16 I/Q per subcarrier).
//! - [`sanitize`]: amplitude, unwrapped phase with the linear trend (timing and frequency
//!   offsets) removed, null and pilot subcarriers dropped, per-packet amplitude normalisation.
//! - [`data`], [`csu`]: points with captures → a [`Dataset`] of windowed samples with weak
//!   labels (session, time, zone) and ground truth kept apart for scoring; the CSUIndoorLoc
//!   folder layout; coordinate/zone CSV tables.
//! - [`sketch`]: the coarse floor plan (zone boxes ≥ 2 m, access point) weak supervision uses.
//! - [`wicluster`]: triplet + multi-scale clustering losses → CSI chart → metric map trained
//!   with zone boxes and the access point only (candle autodiff).
//! - [`baselines`]: kNN fingerprinting (precise coordinates), zone classifier + centre, RSSI
//!   only, floor centre. [`eval`]: zone accuracy, median/mean error.
//! - [`sim`]: a passive-sensing simulator (image-method ray tracing, a walking person).
//!
//! Every function takes untrusted bytes: malformed input gives errors or skip counts, never a
//! panic, and allocation is bounded by the input's size.

pub mod baselines;
pub mod capture;
pub mod cluster;
pub mod compare;
pub mod csu;
pub mod data;
pub mod eval;
pub mod features;
pub mod nexmon;
pub mod sanitize;
pub mod sim;
pub mod sketch;
pub mod wicluster;

pub use capture::{read, Capture, Stats};
pub use data::{Dataset, PointInput};
pub use nexmon::{CsiPacket, PayloadError};
pub use sanitize::{sanitize, Sanitized, Subcarriers};
