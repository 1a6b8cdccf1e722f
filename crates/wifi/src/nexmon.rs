//! The Nexmon CSI extractor's UDP payload (github.com/seemoo-lab/nexmon_csi), little-endian:
//!
//! ```text
//! magic u16 = 0x1111 | rssi i8 | frame control u8 | source MAC [u8; 6] | sequence control u16
//! | core/stream u16 | chanspec u16 | chip version u16 | n × (I i16, Q i16)
//! ```
//!
//! n is the FFT size of the channel: 64 (20 MHz), 128 (40), 256 (80) or 512 (160). Bins are
//! in FFT order: bin 0 is DC, bins 1…n/2−1 positive frequencies, n/2…n−1 negative ones.

/// UDP port the extractor sends to.
pub const PORT: u16 = 5500;
pub const MAGIC: u16 = 0x1111;
pub const HEADER_LEN: usize = 18;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PayloadError {
    #[error("payload of {0} bytes is shorter than the 18-byte Nexmon header")]
    Short(usize),
    #[error("magic 0x{0:04x} is not Nexmon's 0x1111")]
    Magic(u16),
    #[error("{0} CSI bytes are not 64, 128, 256 or 512 subcarriers of 4 bytes")]
    Length(usize),
}

/// One packet's CSI and header fields.
#[derive(Debug, Clone, PartialEq)]
pub struct CsiPacket {
    /// As reported by the firmware (some builds write a constant here).
    pub rssi: i8,
    pub frame_control: u8,
    pub source_mac: [u8; 6],
    /// 802.11 sequence control: sequence number << 4 | fragment number.
    pub seq_ctrl: u16,
    pub core_stream: u16,
    /// Broadcom chanspec: channel, band and bandwidth.
    pub chanspec: u16,
    pub chip: u16,
    /// Complex channel per FFT bin, as (I, Q).
    pub csi: Vec<(i16, i16)>,
}

fn le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

impl CsiPacket {
    pub fn parse(payload: &[u8]) -> Result<CsiPacket, PayloadError> {
        if payload.len() < HEADER_LEN {
            return Err(PayloadError::Short(payload.len()));
        }
        let magic = le(payload, 0);
        if magic != MAGIC {
            return Err(PayloadError::Magic(magic));
        }
        let body = &payload[HEADER_LEN..];
        if !matches!(body.len(), 256 | 512 | 1024 | 2048) {
            return Err(PayloadError::Length(body.len()));
        }
        Ok(CsiPacket {
            rssi: payload[2] as i8,
            frame_control: payload[3],
            source_mac: payload[4..10].try_into().expect("6 bytes"),
            seq_ctrl: le(payload, 10),
            core_stream: le(payload, 12),
            chanspec: le(payload, 14),
            chip: le(payload, 16),
            csi: body.chunks_exact(4).map(|c| (i16::from_le_bytes([c[0], c[1]]), i16::from_le_bytes([c[2], c[3]]))).collect(),
        })
    }

    /// 802.11 sequence number.
    pub fn seq(&self) -> u16 {
        self.seq_ctrl >> 4
    }

    /// Receive core (antenna chain) and spatial stream.
    pub fn core(&self) -> u8 {
        (self.core_stream & 0x7) as u8
    }

    pub fn spatial_stream(&self) -> u8 {
        ((self.core_stream >> 3) & 0x7) as u8
    }

    /// Channel number from the chanspec.
    pub fn channel(&self) -> u8 {
        (self.chanspec & 0xff) as u8
    }

    /// Bandwidth in MHz, from the number of subcarriers.
    pub fn bandwidth_mhz(&self) -> u32 {
        self.csi.len() as u32 * 20 / 64
    }

    /// The source MAC as `aa:bb:cc:dd:ee:ff`.
    pub fn mac(&self) -> String {
        self.source_mac.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
    }
}
