//! Untrusted bytes into `<ep-channel>`'s weight and setting readers: a network (safetensors)
//! or a setting (`setting.json`), or a clear error — never a panic. A network that loads runs
//! two short sequences. Run in `fuzz/`, seeded with the shipped files:
//! `mkdir -p corpus/channel_weights && RUSTC_BOOTSTRAP=1 cargo fuzz run channel_weights corpus/channel_weights seeds/channel_weights`
//! (the first byte picks the reader; the seeds carry it).
#![no_main]

use edgeplay_channel::{Batch, Net, Ranges, Setting};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    if which % 2 == 0 {
        let Ok(net) = Net::from_safetensors(rest) else { return };
        assert!(net.hidden >= 1 && net.hidden <= edgeplay_channel::nets::MAX_HIDDEN);
        let batch = Batch::sample(0, &Ranges::at(0.01, 10.0, 2), 2, 6).expect("valid conditions");
        if let Ok(est) = net.estimates(&batch) {
            assert_eq!(est.len(), 12);
        }
    } else if let Ok(text) = std::str::from_utf8(rest) {
        if let Ok(s) = Setting::from_json(text) {
            let _ = s.fixed.model();
        }
    }
});
