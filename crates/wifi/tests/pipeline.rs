//! The WiCluster-style pipeline and its baselines end to end: on the widget's sample of the
//! real CSUIndoorLoc captures (shipped in www/wifi/data) and on both simulated scenes.

use std::path::PathBuf;

use edgeplay_wifi::baselines::floor_centre;
use edgeplay_wifi::compare::compare;
use edgeplay_wifi::eval::score;
use edgeplay_wifi::wicluster::{run, Config};
use edgeplay_wifi::{csu, sim, Dataset};

fn sample_path(path: u32) -> Dataset {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../www/wifi/data");
    let points = csu::load(&dir, path).unwrap();
    Dataset::from_points(&format!("path {path}"), &points, 10, usize::MAX).unwrap()
}

#[test]
fn sample_is_read_with_zones_sketch_and_rssi() {
    let ds = sample_path(3);
    // 26 reference and 20 test points, 11 rooms; 50 and 20 packets → 5 and 2 windows of 10.
    assert_eq!((ds.train.groups.len(), ds.test.groups.len(), ds.sketch.zones.len()), (26, 20, 11));
    assert_eq!((ds.train.samples.len(), ds.test.samples.len()), (130, 40));
    assert_eq!(ds.csi_len(), 52);
    assert!(ds.has_rssi());
    for z in &ds.sketch.zones {
        assert!(z.hi[0] - z.lo[0] >= 2.0 && z.hi[1] - z.lo[1] >= 2.0, "{z:?}");
    }
    // The access point is placed in the room with the strongest RSSI (254: -41 dBm).
    assert!(ds.sketch.ap_note.contains("254"), "{}", ds.sketch.ap_note);
}

#[test]
fn same_seed_same_result_other_seed_other_result() {
    let ds = sample_path(3);
    let cfg = Config { steps: 200, ..Config::default() };
    let a = run(&ds, &cfg, &mut |_| true).unwrap();
    let b = run(&ds, &cfg, &mut |_| true).unwrap();
    let c = run(&ds, &Config { seed: 2, ..cfg.clone() }, &mut |_| true).unwrap();
    assert_eq!(a.prediction.pos, b.prediction.pos);
    assert_eq!(a.metrics, b.metrics);
    assert_ne!(a.prediction.pos, c.prediction.pos);
    assert_eq!(a.history.len(), 8);
    assert!(a.finished);
    // Stopping from the callback ends training early.
    let d = run(&ds, &cfg, &mut |p| p.step < 50).unwrap();
    assert!(!d.finished && d.history.len() == 2);
}

#[test]
fn real_data_table_beats_guessing() {
    let ds = sample_path(3);
    let r = compare(&ds, &Config::default(), &mut |_| true).unwrap();
    let row = |name: &str| r.rows.iter().find(|x| x.method.starts_with(name)).unwrap_or_else(|| panic!("{name}")).metrics;
    let wic = row("WiCluster-style (CSI + RSSI)");
    let centre = row("floor centre");
    assert_eq!(wic.points, 20);
    assert!(wic.median_m < 0.5 * centre.median_m, "{wic:?} vs {centre:?}");
    assert!(wic.zone_accuracy > centre.zone_accuracy, "{wic:?} vs {centre:?}");
    assert_eq!(r.rows.len(), 8);
    // The chart has every test sample and a label per point.
    assert_eq!(r.wicluster.chart.iter().filter(|p| p.test).count(), 40);
}

#[test]
fn fewer_labels_use_fewer_labelled_samples() {
    let ds = sample_path(3);
    let out = run(&ds, &Config { steps: 50, labelled_per_zone: 10, ..Config::default() }, &mut |_| true).unwrap();
    assert_eq!(out.labelled_samples, 11);
}

#[test]
fn simulated_scenes_are_learnable() {
    for name in ["office", "home"] {
        let ds = sim::scene(name, 1).unwrap();
        assert!(ds.simulated);
        assert_eq!(ds.dims, if name == "office" { 2 } else { 3 });
        let out = run(&ds, &Config::default(), &mut |_| true).unwrap();
        let centre = score(&ds.test.groups, &floor_centre(&ds), ds.dims);
        assert!(out.metrics.median_m < 0.75 * centre.median_m, "{name}: {:?} vs {centre:?}", out.metrics);
        assert!(out.metrics.zone_accuracy > centre.zone_accuracy + 0.1, "{name}: {:?} vs {centre:?}", out.metrics);
    }
}
