//! Every file in fuzz/regressions/ (crashers and hand-made hostile inputs) decodes to an
//! image or a clear error, at every prefix length, without panicking.

#[test]
fn regression_inputs_never_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        for cut in 0..=data.len() {
            let _ = edgeplay_spiht::decode(&data, Some(cut));
        }
        n += 1;
    }
    assert!(n >= 3, "expected the regression inputs in {dir}");
    let huge = std::fs::read(format!("{dir}/huge-100000x100000")).unwrap();
    assert_eq!(edgeplay_spiht::decode(&huge, None).err(), Some(edgeplay_spiht::Error::TooLarge(100_000, 100_000)));
}
