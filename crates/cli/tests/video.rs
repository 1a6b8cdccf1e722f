//! `edgeplay video`: a .y4m clip (a pan across kodim23 written here, 4:2:0) coded with both
//! structures; `--rd` prints both curves and a BD-rate that favours B-frames on the pan; a saved
//! stream decodes whole and from a prefix; the kitchen frames as a PNG folder when
//! $EDGEPLAY_DATASETS is there; a clip that is not one gives a clear error.

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_edgeplay")).current_dir(ROOT).args(args).output().unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    assert!(out.status.success(), "edgeplay {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// 13 frames of 160x96, a window moving (2, 1) px a frame across kodim23, as 4:2:0 studio range.
fn pan_y4m(dir: &Path) -> PathBuf {
    let img = image::open(Path::new(ROOT).join("www/samples/kodim23.png")).unwrap().to_rgb8();
    let (w, h) = (160u32, 96u32);
    let mut out = format!("YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C420jpeg\n").into_bytes();
    for t in 0..13u32 {
        let (mut y, mut u, mut v) = (Vec::new(), vec![0u32; (w * h / 4) as usize], vec![0u32; (w * h / 4) as usize]);
        for yy in 0..h {
            for xx in 0..w {
                let p = img.get_pixel(200 + 2 * t + xx, 150 + t + yy);
                let (r, g, b) = (p[0] as f32, p[1] as f32, p[2] as f32);
                y.push((16.0 + 219.0 / 255.0 * (0.299 * r + 0.587 * g + 0.114 * b)).round() as u8);
                let ci = ((yy / 2) * (w / 2) + xx / 2) as usize;
                u[ci] += (128.0 + 224.0 / 255.0 * (-0.168_736 * r - 0.331_264 * g + 0.5 * b)).round() as u32;
                v[ci] += (128.0 + 224.0 / 255.0 * (0.5 * r - 0.418_688 * g - 0.081_312 * b)).round() as u32;
            }
        }
        out.extend_from_slice(b"FRAME\n");
        out.extend(y);
        out.extend(u.iter().map(|s| ((s + 2) / 4) as u8));
        out.extend(v.iter().map(|s| ((s + 2) / 4) as u8));
    }
    let p = dir.join("pan.y4m");
    std::fs::write(&p, out).unwrap();
    p
}

#[test]
fn codes_a_pan_and_b_frames_win() {
    let dir = std::env::temp_dir().join(format!("ep-video-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let clip = pan_y4m(&dir);
    let clip = clip.to_str().unwrap();
    let ib = json(&["--backend", "cpu", "video", clip, "--gop", "ib", "--q", "8", "--json"]);
    assert_eq!((ib["width"].as_u64(), ib["height"].as_u64(), ib["frames"].as_u64()), (Some(160), Some(96), Some(13)));
    let kinds: String = ib["per_frame"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap().to_string()).collect();
    assert_eq!(kinds, "IBBBBBBBPBBBP");
    let rd = json(&["--backend", "cpu", "video", clip, "--rd", "--json"]);
    let bd = rd["bd_rate_y"].as_f64().unwrap();
    assert!(bd < -10.0, "BD-rate of IB vs IPP on the pan: {bd}");
    assert_eq!(rd["ipp"].as_array().unwrap().len(), 6);

    // A saved stream decodes whole, and a prefix decodes what it holds.
    let s = dir.join("s.epv");
    json(&["--backend", "cpu", "video", clip, "--gop", "ipp", "--q", "8", "--save", s.to_str().unwrap(), "--json"]);
    let whole = run(&["--backend", "cpu", "video", s.to_str().unwrap(), "--out", dir.join("dec").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&whole.stdout).contains("13 frames decoded"));
    assert!(dir.join("dec/frame-0012.png").exists());
    let len = std::fs::metadata(&s).unwrap().len() / 2;
    let part = run(&["--backend", "cpu", "video", s.to_str().unwrap(), "--bytes", &len.to_string()]);
    let text = String::from_utf8_lossy(&part.stdout);
    assert!(part.status.success() && text.contains("note: the stream ends"), "{text}");

    // Not a clip.
    let bad = dir.join("bad.y4m");
    std::fs::write(&bad, b"hello").unwrap();
    let out = run(&["video", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a .y4m file"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn kitchen_frames_as_a_folder() {
    let data = std::env::var("EDGEPLAY_DATASETS").unwrap_or_else(|_| format!("{ROOT}/../shared/datasets"));
    let kitchen = Path::new(&data).join("depth/7scenes-kitchen");
    if !kitchen.is_dir() {
        assert!(std::env::var("EDGEPLAY_REQUIRE_DATA").is_err(), "{} is missing", kitchen.display());
        eprintln!("{} is missing: skipped", kitchen.display());
        return;
    }
    // The folder holds colour JPEGs and depth PNGs: take the colour frames only.
    let dir = std::env::temp_dir().join(format!("ep-video-kitchen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..9 {
        let name = format!("frame-{i:06}.color.jpg");
        std::fs::copy(kitchen.join(&name), dir.join(&name)).unwrap();
    }
    let r = json(&["--backend", "cpu", "video", dir.to_str().unwrap(), "--frames", "9", "--max-side", "320", "--q", "9", "--json"]);
    assert_eq!((r["width"].as_u64(), r["height"].as_u64(), r["frames"].as_u64()), (Some(320), Some(240), Some(9)));
    assert!(r["psnr_y"].as_f64().unwrap() > 32.0, "{}", r["psnr_y"]);
    std::fs::remove_dir_all(&dir).ok();
}
