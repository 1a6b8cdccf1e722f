//! `edgeplay channel`: the report's shape and sense with the shipped networks, and networks
//! trained here from the seed, saved and loaded back, give the very same numbers.

use std::process::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn edgeplay(args: &[&str]) -> Result<serde_json::Value, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_edgeplay")).current_dir(ROOT).args(args).output().unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(serde_json::from_slice(&out.stdout).unwrap())
}

fn nmse(p: &serde_json::Value, tracker: usize) -> f64 {
    p["nmse_db"][tracker].as_f64().unwrap()
}

#[test]
fn shipped_networks_report_every_tracker() {
    let r = edgeplay(&["channel", "--seqs", "24", "--json"]).unwrap();
    assert_eq!(r["weights"], "shipped");
    let trackers: Vec<&str> = r["trackers"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(trackers.len(), 5);
    let idx = |name: &str| trackers.iter().position(|t| t.contains(name)).unwrap_or_else(|| panic!("no {name} in {trackers:?}"));
    let (pilots, fixed, genie) = (idx("pilot"), idx("fixed"), idx("genie"));
    for (key, n) in [("doppler", 8), ("snr", 8), ("spacing", 4)] {
        let rows = r[key].as_array().unwrap();
        assert_eq!(rows.len(), n, "{key}");
        for p in rows {
            for t in 0..5 {
                assert!(nmse(p, t).is_finite() && nmse(p, t) < 10.0, "{key}: {p}");
            }
            // Every filter beats the raw pilots; the genie Kalman filter (the true Doppler's
            // model) is at least as good as the fixed one, up to sampling noise.
            assert!(nmse(p, genie) < nmse(p, pilots), "{key}: {p}");
            assert!(nmse(p, genie) <= nmse(p, fixed) + 0.3, "{key}: {p}");
        }
    }
    // Doppler 0.1 lies outside the wide preset's 0.002–0.05, and there the fixed filter is far off.
    let d = r["doppler"].as_array().unwrap();
    let last = d.last().unwrap();
    assert_eq!(last["doppler"], 0.1);
    assert_eq!(last["seen"], false);
    assert!(d.iter().any(|p| p["seen"] == true));
    assert!(nmse(last, genie) + 3.0 < nmse(last, fixed), "{last}");
}

#[test]
fn training_from_the_seed_is_reproducible_through_saved_weights() {
    let dir = std::env::temp_dir().join(format!("edgeplay-channel-{}", std::process::id()));
    let d = dir.to_str().unwrap();
    let common = ["channel", "--preset", "narrow", "--steps", "3", "--seqs", "8", "--json"];
    let trained = edgeplay(&[&common[..], &["--train", "--save", d]].concat()).unwrap();
    assert_eq!(trained["weights"], "trained");
    let history = trained["train_history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0][1].as_array().unwrap().len(), 3);
    for f in ["setting.json", "hkf.safetensors", "lstm.safetensors"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let loaded = edgeplay(&[&common[..], &["--weights", d]].concat()).unwrap();
    assert_eq!(loaded["weights"], "shipped");
    for key in ["doppler", "snr", "spacing"] {
        assert_eq!(trained[key], loaded[key], "{key}");
    }
    let again = edgeplay(&[&common[..], &["--train"]].concat()).unwrap();
    assert_eq!(trained["doppler"], again["doppler"]);

    // A setting trained differently is not mistaken for these weights.
    let e = edgeplay(&["channel", "--preset", "narrow", "--steps", "4", "--seqs", "8", "--weights", d]).unwrap_err();
    assert!(e.contains("no shipped weights") && e.contains("--train"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_conditions_are_clear_errors() {
    for (args, want) in [
        (&["channel", "--train-doppler", "0.05..0.01"][..], "lower end"),
        (&["channel", "--train-doppler", "0.01"][..], "A..B"),
        (&["channel", "--train-doppler", "0.01..0.9"][..], "Doppler range"),
        (&["channel", "--preset", "tiny"][..], "presets are wide, narrow"),
    ] {
        let e = edgeplay(args).unwrap_err();
        assert!(e.contains(want), "{args:?}: {e}");
    }
}
