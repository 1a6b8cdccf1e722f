//! Untrusted bytes into the clip reader (`.y4m` through the `y4m` crate, colour conversion,
//! downscaling): a clear error or frames, never a panic. Run in `fuzz/`:
//! `mkdir -p corpus/video_y4m && RUSTC_BOOTSTRAP=1 cargo fuzz run video_y4m corpus/video_y4m seeds/video_y4m`
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = edgeplay_video::clip::read_y4m(data, 8, 64) {
        assert!(!c.frames.is_empty() && c.frames.iter().all(|f| f.width <= 64 && f.height <= 64));
    }
});
