//! Wi-Fi positioning from channel state information (CSI), after WiCluster (Karmanov et al.,
//! Globecom 2021). This crate starts at the bytes:
//!
//! - [`capture`]: pcap and pcapng files → Ethernet / raw-IP / Linux-cooked frames → UDP
//!   datagrams to port 5500 → [`nexmon`] payloads; everything else is skipped and counted.
//! - [`nexmon`]: the Nexmon CSI payload (magic 0x1111, RSSI, frame control, source MAC,
//!   sequence, core/stream, chanspec, chip, then int16 I/Q per subcarrier).
//! - [`sanitize`]: amplitude, unwrapped phase with the linear trend (timing and frequency
//!   offsets) removed, null and pilot subcarriers dropped, per-packet amplitude normalisation.
//!
//! Every function takes untrusted bytes: malformed input gives errors or skip counts, never a
//! panic, and allocation is bounded by the input's size.

pub mod capture;
pub mod nexmon;
pub mod sanitize;

pub use capture::{read, Capture, Stats};
pub use nexmon::{CsiPacket, PayloadError};
pub use sanitize::{sanitize, Sanitized, Subcarriers};
