//! Untrusted bytes into the Nexmon CSI capture reader and sanitisation: packets or a clear
//! error, never a panic. Run in `fuzz/`, seeded with the first records of a real capture:
//! `mkdir -p corpus/wifi_capture && RUSTC_BOOTSTRAP=1 cargo fuzz run wifi_capture corpus/wifi_capture seeds/wifi_capture`
//! (new inputs go to the first folder, which git ignores).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(cap) = edgeplay_wifi::read(data) else { return };
    assert_eq!(cap.packets.len(), cap.stats.csi);
    for p in &cap.packets {
        for keep in [false, true] {
            if let Some(sc) = edgeplay_wifi::Subcarriers::new(p.csi.len(), keep) {
                if let Some(s) = edgeplay_wifi::sanitize(&p.csi, &sc) {
                    assert_eq!(s.amplitude.len(), sc.len());
                }
            }
        }
    }
});
