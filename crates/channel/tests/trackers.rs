//! Trackers end to end: hostile weight files, the live run, and the shipped networks against
//! the classical filters (real outputs of the weights the page ships).

use edgeplay_channel::eval::{sweep, Fixed, Tracker, Trackers};
use edgeplay_channel::live::Live;
use edgeplay_channel::setting::{Setting, PRESETS};
use edgeplay_channel::{Kind, Net};

fn shipped(name: &str) -> (Setting, Trackers) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/channel").join(name);
    let setting = Setting::from_json(&std::fs::read_to_string(dir.join("setting.json")).unwrap()).unwrap();
    let tr = setting.trackers(&std::fs::read(dir.join("hkf.safetensors")).unwrap(), &std::fs::read(dir.join("lstm.safetensors")).unwrap()).unwrap();
    (setting, tr)
}

fn idx(t: Tracker) -> usize {
    Tracker::ALL.iter().position(|&x| x == t).unwrap()
}

#[test]
fn hostile_weight_files_are_errors() {
    let (net, _) = Net::init(Kind::Hkf, 8, 1).unwrap();
    let dir = std::env::temp_dir().join(format!("edgeplay-channel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hkf.safetensors");
    net.save(&path).unwrap();
    let good = std::fs::read(&path).unwrap();
    assert!(Net::from_safetensors(&good).is_ok());
    for cut in [0, 1, 8, 9, good.len() / 2, good.len() - 1] {
        assert!(Net::from_safetensors(&good[..cut]).is_err(), "cut at {cut}");
    }
    let mut garbage = good.clone();
    garbage[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(Net::from_safetensors(&garbage).is_err());
    // A non-finite weight is refused.
    let mut t = net.tensors();
    let w = t["head.b"].clone();
    t.insert("head.b".into(), (w * f64::NAN).unwrap());
    candle_core::safetensors::save(&t, &path).unwrap();
    assert!(Net::from_safetensors(&std::fs::read(&path).unwrap()).unwrap_err().to_string().contains("non-finite"));
    // A missing tensor is named.
    let mut t = net.tensors();
    t.remove("na.w");
    candle_core::safetensors::save(&t, &path).unwrap();
    assert!(Net::from_safetensors(&std::fs::read(&path).unwrap()).unwrap_err().to_string().contains("na.w"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn hostile_setting_files_are_errors() {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/channel/wide/setting.json")).unwrap();
    assert!(Setting::from_json(&text).is_ok());
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let edits: [(&str, fn(&mut serde_json::Value)); 8] = [
        ("seed", |v| v["seed"] = (1u64 << 40).into()),
        ("batch", |v| v["hkf"]["batch"] = 1_000_000_000.into()),
        ("hidden", |v| v["lstm"]["hidden"] = 0.into()),
        ("warm-up", |v| v["hkf"]["warmup"] = 500.into()),
        ("kind", |v| v["hkf"]["kind"] = "lstm".into()),
        ("Doppler", |v| v["ranges"]["doppler"][1] = 3.0.into()),
        ("spacing", |v| v["lstm"]["ranges"]["spacing"] = 0.into()),
        ("fixed", |v| v["fixed"]["doppler"] = (-1.0).into()),
    ];
    for (what, edit) in edits {
        let mut bad = v.clone();
        edit(&mut bad);
        let e = Setting::from_json(&bad.to_string()).unwrap_err().to_string();
        assert!(e.starts_with("weights: setting.json:"), "{what}: {e}");
    }
    for cut in [0, 1, text.len() / 2, text.len() - 3] {
        assert!(Setting::from_json(&text[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn live_run_follows_changes_of_conditions() {
    let (_, tr) = shipped("wide");
    let mut live = Live::new(tr, 3, 0.005, 10.0, 2).unwrap();
    let a = live.advance(300).unwrap();
    assert_eq!(a.h.len(), 300);
    assert!(a.y.iter().enumerate().all(|(n, y)| y.is_some() == (n % 2 == 0)));
    assert!(a.nmse_db.iter().all(|x| x.is_finite()));
    // Every tracker does better than nothing; the genie and HKF better than the raw pilots.
    assert!(a.nmse_db[idx(Tracker::Genie)] < a.nmse_db[idx(Tracker::Pilots)] - 3.0, "{:?}", a.nmse_db);
    assert!(a.nmse_db[idx(Tracker::Hkf)] < a.nmse_db[idx(Tracker::Pilots)] - 3.0, "{:?}", a.nmse_db);
    // Faster fading from the next step on: the channel is continuous, HKF raises its process noise.
    let q_before = a.hkf.last().unwrap()[2];
    live.set(0.05, 10.0, 2).unwrap();
    let b = live.advance(300).unwrap();
    let (h0, h1) = (a.h.last().unwrap(), b.h[0]);
    assert!((h0[0] - h1[0]).hypot(h0[1] - h1[1]) < 0.2, "jump {h0:?} → {h1:?}");
    assert_eq!(b.start, 300);
    let q_after = b.hkf.last().unwrap()[2];
    assert!(q_after > 5.0 * q_before, "HKF's q {q_before:e} → {q_after:e}");
    assert!(live.set(f64::NAN, 10.0, 2).is_err() && live.set(0.01, 10.0, 0).is_err());
}

/// The shipped networks, on fresh sequences: HKF beats the fixed filter inside the training
/// range and stays near the genie; outside it (Doppler 0.1) it degrades far less than the LSTM.
#[test]
fn shipped_hkf_keeps_the_papers_ordering() {
    let (s, tr) = shipped("wide");
    assert_eq!(s.ranges, PRESETS[0].1);
    let pts = sweep(&tr, &s.ranges, &[(0.005, 10.0, 2), (0.02, 10.0, 2), (0.1, 10.0, 2)], 128, 777).unwrap();
    let (h, f, g, l) = (idx(Tracker::Hkf), idx(Tracker::Fixed), idx(Tracker::Genie), idx(Tracker::Lstm));
    for p in &pts[..2] {
        assert!(p.seen);
        assert!(p.nmse_db[h] < p.nmse_db[f] - 0.3, "{p:?}");
        assert!(p.nmse_db[h] < p.nmse_db[g] + 1.5, "{p:?}");
    }
    let out = &pts[2];
    assert!(!out.seen);
    assert!(out.nmse_db[h] < out.nmse_db[l] - 2.0, "{out:?}");
    // The fixed filter is the one the setting names.
    assert_eq!(tr.fixed, Fixed { ..s.fixed });
}
