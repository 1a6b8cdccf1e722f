//! The capture reader on hand-made files (pcap and pcapng, foreign and broken packets) and on
//! real CSUIndoorLoc captures: the full set in $EDGEPLAY_DATASETS/csi-csu (default
//! ../shared/datasets) when it is there, else the trimmed copy the widget ships in
//! www/wifi/data (fewer packets per file). EDGEPLAY_REQUIRE_DATA=1 demands the full set.

use std::borrow::Cow;
use std::path::PathBuf;
use std::time::Duration;

use edgeplay_wifi::{read, sanitize, Subcarriers};
use etherparse::PacketBuilder;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::DataLink;

fn nexmon_payload(seq: u16, n: usize) -> Vec<u8> {
    let mut p = vec![0x11, 0x11, 0xc4, 0x08, 0xb8, 0x3a, 0x5a, 0xb2, 0x6e, 0x70];
    p.extend_from_slice(&(seq << 4).to_le_bytes());
    p.extend_from_slice(&0u16.to_le_bytes());
    p.extend_from_slice(&0xd030u16.to_le_bytes()); // channel 48, 5 GHz, 20 MHz
    p.extend_from_slice(&0x0065u16.to_le_bytes());
    for i in 0..n as i16 {
        p.extend_from_slice(&(100 + i).to_le_bytes());
        p.extend_from_slice(&(-50 - i).to_le_bytes());
    }
    p
}

fn udp(port: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2([1, 2, 3, 4, 5, 6], [0xff; 6]).ipv4([10, 10, 10, 10], [255; 4], 1).udp(5500, port);
    let mut v = Vec::new();
    b.write(&mut v, payload).unwrap();
    v
}

fn tcp(payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2([1, 2, 3, 4, 5, 6], [0xff; 6]).ipv4([10, 10, 10, 10], [255; 4], 1).tcp(1, 5500, 0, 100);
    let mut v = Vec::new();
    b.write(&mut v, payload).unwrap();
    v
}

/// Three CSI packets, one to another port, one TCP, one bad magic, one short, one ARP-ish frame.
fn frames() -> Vec<Vec<u8>> {
    let mut bad = nexmon_payload(9, 64);
    bad[0] = 0x22;
    vec![
        udp(5500, &nexmon_payload(1, 64)),
        udp(53, &nexmon_payload(2, 64)),
        tcp(&nexmon_payload(3, 64)),
        udp(5500, &bad),
        udp(5500, &nexmon_payload(4, 64)[..100]),
        vec![0xff; 60],
        udp(5500, &nexmon_payload(5, 64)),
        udp(5500, &nexmon_payload(6, 256)),
    ]
}

fn pcap_bytes(frames: &[Vec<u8>]) -> Vec<u8> {
    let header = PcapHeader { datalink: DataLink::ETHERNET, ..Default::default() };
    let mut w = PcapWriter::with_header(Vec::new(), header).unwrap();
    for (i, f) in frames.iter().enumerate() {
        w.write_packet(&PcapPacket::new(Duration::from_millis(i as u64), f.len() as u32, f)).unwrap();
    }
    w.into_writer()
}

#[test]
fn pcap_keeps_nexmon_packets_and_counts_the_rest() {
    let cap = read(&pcap_bytes(&frames())).unwrap();
    let s = &cap.stats;
    assert_eq!((s.frames, s.csi, s.other_traffic, s.bad_payload, s.not_ip), (8, 3, 2, 2, 1), "{s:?}");
    assert!(s.stopped.is_none());
    let p = &cap.packets[0];
    assert_eq!((p.seq(), p.channel(), p.bandwidth_mhz(), p.mac().as_str()), (1, 48, 20, "b8:3a:5a:b2:6e:70"));
    assert_eq!(p.csi[3], (103, -53));
    assert_eq!(cap.packets[2].csi.len(), 256);
    assert_eq!(cap.packets[2].bandwidth_mhz(), 80);
    assert_eq!(cap.timestamps, vec![0.0, 0.006, 0.007]);
}

#[test]
fn pcapng_reads_the_same_packets() {
    let mut w = PcapNgWriter::new(Vec::new()).unwrap();
    w.write_pcapng_block(InterfaceDescriptionBlock { linktype: DataLink::ETHERNET, snaplen: 65535, options: vec![] }).unwrap();
    for (i, f) in frames().iter().enumerate() {
        let epb = EnhancedPacketBlock { interface_id: 0, timestamp: Duration::from_millis(i as u64), original_len: f.len() as u32, data: Cow::Borrowed(f), options: vec![] };
        w.write_pcapng_block(epb).unwrap();
    }
    let cap = read(&w.into_inner()).unwrap();
    assert_eq!((cap.stats.frames, cap.stats.csi, cap.stats.bad_payload), (8, 3, 2), "{:?}", cap.stats);
    assert_eq!(cap.packets.iter().map(|p| p.seq()).collect::<Vec<_>>(), vec![1, 5, 6]);
}

#[test]
fn broken_files_give_errors_or_stop_early_without_panicking() {
    assert!(read(b"").is_err());
    assert!(read(b"hello world, not a capture").is_err());
    let good = pcap_bytes(&frames());
    // Every truncation: never a panic; the packets before the cut survive.
    let full = read(&good).unwrap();
    for cut in 0..good.len() {
        if let Ok(cap) = read(&good[..cut]) {
            assert!(cap.stats.frames < 8, "cut {cut}: {:?}", cap.stats);
            assert_eq!(cap.packets[..], full.packets[..cap.packets.len()]);
        }
    }
    // A record claiming 4 GB: stops with a note, keeps what came before, allocates nothing big.
    let mut bad = pcap_bytes(&frames()[..1]);
    bad.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
    let cap = read(&bad).unwrap();
    assert_eq!(cap.stats.csi, 1);
    assert!(cap.stats.stopped.is_some());
}

/// The capture folder and whether it is the full data set (400 / 100 packets per file).
fn data_dir() -> (PathBuf, bool) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let datasets = std::env::var_os("EDGEPLAY_DATASETS").map(PathBuf::from).unwrap_or_else(|| root.join("../shared/datasets"));
    let full = datasets.join("csi-csu/data");
    if full.is_dir() {
        return (full, true);
    }
    assert!(std::env::var("EDGEPLAY_REQUIRE_DATA").as_deref() != Ok("1"), "EDGEPLAY_REQUIRE_DATA=1 but {} is missing", full.display());
    eprintln!("{} is missing: checking the shipped sample in www/wifi/data instead", full.display());
    (root.join("www/wifi/data/data"), false)
}

#[test]
fn real_captures_have_the_documented_packets_and_subcarriers() {
    let (dir, full) = data_dir();
    let sc = Subcarriers::new(64, false).unwrap();
    for (split, per_file, files) in [("ref", 400, 180), ("test", 100, 166)] {
        let mut n = 0;
        for e in std::fs::read_dir(dir.join(split)).unwrap() {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !name.starts_with(&format!("{split}_")) || !name.ends_with(".pcap") {
                continue;
            }
            let cap = read(&std::fs::read(&path).unwrap()).unwrap();
            assert_eq!(cap.stats.frames, cap.stats.csi, "{name}: {:?}", cap.stats);
            assert!(if full { cap.stats.csi == per_file } else { cap.stats.csi > 0 && cap.stats.csi <= per_file }, "{name}: {:?}", cap.stats);
            assert!(cap.stats.stopped.is_none());
            let macs: std::collections::BTreeSet<String> = cap.packets.iter().map(|p| p.mac()).collect();
            assert_eq!(macs.len(), 1, "{name}: one access point per capture");
            for p in &cap.packets {
                assert_eq!(p.csi.len(), 64, "{name}");
                assert_eq!(p.bandwidth_mhz(), 20);
                let s = sanitize(&p.csi, &sc).unwrap_or_else(|| panic!("{name}: empty CSI"));
                assert!(s.amplitude.iter().all(|a| a.is_finite()) && s.phase.iter().all(|a| a.is_finite()));
            }
            // The DC bin is a constant of the chip, never channel information.
            assert!(cap.packets.iter().all(|p| p.csi[0] == cap.packets[0].csi[0]), "{name}");
            n += 1;
        }
        assert_eq!(n, files, "{split} captures");
    }
    // The header matches the access-point table: room 204, point 1 of path 1.
    let cap = read(&std::fs::read(dir.join("ref/ref_204_1_3500.pcap")).unwrap()).unwrap();
    let csv = std::fs::read_to_string(dir.join("../locations/ref_path1.csv")).unwrap();
    let row = csv.lines().find(|l| l.starts_with("204_1,")).unwrap();
    let cols: Vec<&str> = row.split(',').collect();
    assert_eq!(cap.packets[0].mac(), cols[1].to_lowercase());
    assert_eq!(cap.packets[0].channel().to_string(), cols[3]);
}
