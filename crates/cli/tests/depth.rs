//! `edgeplay depth`: the eval reproduces FastDepth's published-protocol numbers (onnxruntime,
//! Pillow bilinear resize; ../shared/models/README.md) within ±0.01, on the shipped NYU frame
//! always and on every shared set when $EDGEPLAY_DATASETS (default ../shared/datasets) is
//! there; a picture's 16-bit PNG and PLY are what the widget downloads; CPU and GPU agree.

use std::process::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn edgeplay(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_edgeplay")).current_dir(ROOT).args(args).output().unwrap();
    assert!(out.status.success(), "edgeplay {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn check(report: &serde_json::Value, group: &str, want: [f64; 3]) {
    let g = report["groups"].as_array().unwrap().iter().find(|g| g["group"] == group).unwrap_or_else(|| panic!("no group {group}"));
    let m = &g["metric"];
    let got = [m["abs_rel"].as_f64().unwrap(), m["rmse"].as_f64().unwrap(), m["delta1"].as_f64().unwrap()];
    eprintln!("{group}: AbsRel {:.3} RMSE {:.3} δ1 {:.3} (reference {want:?})", got[0], got[1], got[2]);
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 0.01, "{group}: {got:?} vs {want:?}");
    }
}

#[test]
fn eval_reproduces_the_reference_numbers() {
    let r = edgeplay(&["--backend", "cpu", "depth", "--eval", "models/fastdepth/reference", "--json"]);
    check(&r, "nyu", [0.140, 0.618, 0.777]);
    assert_eq!(r["overall"]["images"], 1);

    let datasets = std::env::var("EDGEPLAY_DATASETS").unwrap_or_else(|_| format!("{ROOT}/../shared/datasets"));
    let depth = format!("{datasets}/depth");
    if !std::path::Path::new(&depth).is_dir() {
        assert!(std::env::var("EDGEPLAY_REQUIRE_DATA").as_deref() != Ok("1"), "EDGEPLAY_REQUIRE_DATA=1 but {depth} is missing");
        eprintln!("{depth} is missing: only the shipped NYU frame was evaluated");
        return;
    }
    let r = edgeplay(&["--backend", "cpu", "depth", "--eval", &depth, "--json"]);
    check(&r, "7scenes-kitchen", [0.201, 0.494, 0.683]);
    check(&r, "nyu-sample", [0.140, 0.618, 0.777]);
    check(&r, "middlebury-motorcycle", [0.184, 0.667, 0.624]);
    assert_eq!(r["overall"]["images"], 302);
}

#[test]
fn picture_to_png16_and_ply_on_both_paths() {
    let dir = std::env::temp_dir().join(format!("edgeplay-depth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = format!("{ROOT}/www/samples/kodim23.png");
    let mut maps = Vec::new();
    for backend in ["cpu", "gpu"] {
        let png = dir.join(format!("{backend}.png"));
        let ply = dir.join(format!("{backend}.ply"));
        let out = Command::new(env!("CARGO_BIN_EXE_edgeplay"))
            .current_dir(ROOT)
            .args(["--backend", backend, "depth", &input, "--out", png.to_str().unwrap(), "--ply", ply.to_str().unwrap(), "--json"])
            .output()
            .unwrap();
        if !out.status.success() {
            assert_eq!(backend, "gpu", "{}", String::from_utf8_lossy(&out.stderr));
            assert!(std::env::var("EDGEPLAY_REQUIRE_GPU").as_deref() != Ok("1"), "no GPU: {}", String::from_utf8_lossy(&out.stderr));
            eprintln!("skipping the GPU path: {}", String::from_utf8_lossy(&out.stderr));
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["path"], if backend == "cpu" { "CPU (tract)" } else { "GPU" });
        let img = image::open(&png).unwrap();
        assert!(matches!(img, image::DynamicImage::ImageLuma16(_)), "16-bit greyscale");
        let mm = img.into_luma16();
        assert_eq!(mm.dimensions(), (768, 512), "the picture's own size");
        let (lo, hi) = (v["min"].as_f64().unwrap(), v["max"].as_f64().unwrap());
        let (mlo, mhi) = (*mm.as_raw().iter().min().unwrap(), *mm.as_raw().iter().max().unwrap());
        assert!(((mlo as f64) - lo * 1000.0).abs() <= 0.5 && ((mhi as f64) - hi * 1000.0).abs() <= 0.5, "{mlo}..{mhi} mm vs {lo}..{hi} m");
        assert!(lo > 0.3 && hi < 15.0 && hi > lo + 0.5, "a plausible depth range: {lo}..{hi}");
        let bytes = std::fs::read(&ply).unwrap();
        let end = bytes.windows(11).position(|w| w == b"end_header\n").unwrap() + 11;
        let header = std::str::from_utf8(&bytes[..end]).unwrap();
        assert!(header.contains(&format!("element vertex {}\n", 768 * 512)), "one vertex per valid pixel");
        assert_eq!(bytes.len() - end, 768 * 512 * 15);
        maps.push(mm.into_raw());
    }
    if let [cpu, gpu] = maps.as_slice() {
        let worst = cpu.iter().zip(gpu).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
        eprintln!("CPU vs GPU: at most {worst} mm apart");
        assert!(worst <= 10, "CPU and GPU depth differ by {worst} mm");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn frames_and_bench() {
    // --frames keeps only the pairs numbered in the range: the shipped NYU pair has no number.
    let err = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_edgeplay")).current_dir(ROOT).args(args).output().unwrap();
        assert!(!out.status.success(), "edgeplay {args:?} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = err(&["--backend", "cpu", "depth", "--eval", "models/fastdepth/reference", "--frames", "0..10"]);
    assert!(e.contains("numbered 0..10"), "{e}");
    assert!(err(&["--backend", "cpu", "depth", "--eval", "models/fastdepth/reference", "--frames", "9..2"]).contains("empty"));
    assert!(err(&["--backend", "cpu", "depth", "--frames", "1..2"]).contains("--eval"));
    assert!(err(&["--backend", "cpu", "depth", "--bench", "0"]).contains("1..1000"));
    // Bench: every number present and sane; the student has fewer MACs than FastDepth.
    let b = edgeplay(&["--backend", "cpu", "depth", "--bench", "2", "--json"]);
    assert_eq!((b["width"].as_u64(), b["height"].as_u64(), b["runs"].as_u64()), (Some(640), Some(480), Some(2)));
    let (frame, net) = (b["frame_ms"].as_f64().unwrap(), b["net_ms"].as_f64().unwrap());
    assert!(frame > 0.0 && net > 0.0 && b["fps"].as_f64().unwrap() > 0.0, "{b}");
    let fastdepth_macs = b["macs"].as_u64().unwrap();
    assert!((360_000_000..370_000_000).contains(&fastdepth_macs), "FastDepth ≈ 0.37 GMAC: {fastdepth_macs}");
    let s = edgeplay(&["--backend", "cpu", "--model", "models/depth/student.onnx", "depth", "--bench", "1", "--json"]);
    let student_macs = s["macs"].as_u64().unwrap();
    assert!(student_macs * 2 <= fastdepth_macs + 1_000_000, "the student has ≤ 50 % of FastDepth's MACs: {student_macs}");
}
