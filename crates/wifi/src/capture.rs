//! Capture files → Nexmon CSI packets. pcap (either byte order, µs or ns timestamps) and
//! pcapng (Enhanced and Simple Packet Blocks, per-interface link types) are parsed from an
//! in-memory slice with `pcap-file`; frames with `etherparse`. Frames that are not UDP to port
//! 5500, and payloads that are not Nexmon CSI, are skipped and counted; a corrupt record ends
//! the file early with a note in [`Stats::stopped`] (the packets before it are kept).

use etherparse::{SlicedPacket, TransportSlice};
use pcap_file::pcap::PcapParser;
use pcap_file::pcapng::{Block, PcapNgParser};
use pcap_file::DataLink;

use crate::nexmon::{self, CsiPacket};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a pcap or pcapng file ({0})")]
    NotACapture(String),
}

/// What was read and what was skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Frames (packet records) in the file.
    pub frames: usize,
    /// Nexmon CSI packets kept.
    pub csi: usize,
    /// Frames whose link type this reader does not know, or that do not parse as IP.
    pub not_ip: usize,
    /// IP frames that are not UDP to port 5500.
    pub other_traffic: usize,
    /// UDP datagrams to port 5500 whose payload is not Nexmon CSI (bad magic or length).
    pub bad_payload: usize,
    /// Why reading stopped before the end of the file, if it did.
    pub stopped: Option<String>,
}

/// A capture's CSI packets with their timestamps (seconds since the epoch).
#[derive(Debug, Clone, Default)]
pub struct Capture {
    pub packets: Vec<CsiPacket>,
    pub timestamps: Vec<f64>,
    pub stats: Stats,
}

const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// Reads a pcap or pcapng file's bytes.
pub fn read(bytes: &[u8]) -> Result<Capture, Error> {
    let mut cap = Capture::default();
    if bytes.starts_with(&PCAPNG_MAGIC) {
        let (mut rest, mut parser) = PcapNgParser::new(bytes).map_err(|e| Error::NotACapture(e.to_string()))?;
        while !rest.is_empty() {
            let (next, block) = match parser.next_block(rest) {
                Ok(x) => x,
                Err(e) => {
                    cap.stats.stopped = Some(format!("corrupt pcapng block after {} frames: {e}", cap.stats.frames));
                    break;
                }
            };
            rest = next;
            match block {
                Block::EnhancedPacket(p) => {
                    let link = parser.packet_interface(&p).map(|i| i.linktype);
                    cap.frame(link, &p.data, p.timestamp.as_secs_f64());
                }
                Block::SimplePacket(p) => {
                    let link = parser.interfaces().first().map(|i| i.linktype);
                    cap.frame(link, &p.data, f64::NAN);
                }
                _ => {}
            }
        }
    } else {
        let (mut rest, parser) = PcapParser::new(bytes).map_err(|e| Error::NotACapture(e.to_string()))?;
        let link = Some(parser.header().datalink);
        while !rest.is_empty() {
            match parser.next_packet(rest) {
                Ok((next, p)) => {
                    rest = next;
                    cap.frame(link, &p.data, p.timestamp.as_secs_f64());
                }
                Err(e) => {
                    cap.stats.stopped = Some(format!("corrupt or truncated pcap record after {} frames: {e}", cap.stats.frames));
                    break;
                }
            }
        }
    }
    Ok(cap)
}

impl Capture {
    fn frame(&mut self, link: Option<DataLink>, data: &[u8], t: f64) {
        self.stats.frames += 1;
        let sliced = match link {
            Some(DataLink::ETHERNET) => SlicedPacket::from_ethernet(data),
            Some(DataLink::RAW | DataLink::IPV4 | DataLink::IPV6) => SlicedPacket::from_ip(data),
            Some(DataLink::LINUX_SLL) => SlicedPacket::from_linux_sll(data),
            _ => {
                self.stats.not_ip += 1;
                return;
            }
        };
        let Ok(p) = sliced else {
            self.stats.not_ip += 1;
            return;
        };
        if p.net.is_none() {
            self.stats.not_ip += 1;
            return;
        }
        let Some(TransportSlice::Udp(udp)) = p.transport else {
            self.stats.other_traffic += 1;
            return;
        };
        if udp.destination_port() != nexmon::PORT {
            self.stats.other_traffic += 1;
            return;
        }
        match CsiPacket::parse(udp.payload()) {
            Ok(c) => {
                self.packets.push(c);
                self.timestamps.push(t);
                self.stats.csi += 1;
            }
            Err(_) => self.stats.bad_payload += 1,
        }
    }
}
