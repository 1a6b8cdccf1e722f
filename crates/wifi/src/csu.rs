//! The CSUIndoorLoc-CSI-RSSI layout (Wang & Pasricha, IPIN 2022): `DIR/locations/
//! {ref,test}_coord_pathN.csv` (location, x_m, y_m), `DIR/locations/{ref,test}_pathN.csv`
//! (location, mac, RSSI, …) and `DIR/data/{ref,test}/{ref,test}_<location>_<count>.pcap`.
//! Rooms are the zones (`204_1` is room 204, point 1).

use std::path::Path;

use crate::data::{point_of_file, zone_of_name, PointInput, PointTable};

/// Reads path `path` (1–5) of the dataset in `dir` into points with their captures.
pub fn load(dir: &Path, path: u32) -> Result<Vec<PointInput>, String> {
    let read_text = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let mut points = Vec::new();
    for (kind, test) in [("ref", false), ("test", true)] {
        let loc = dir.join("locations");
        let mut table = PointTable::parse(&read_text(&loc.join(format!("{kind}_coord_path{path}.csv")))?)?;
        if let Ok(info) = read_text(&loc.join(format!("{kind}_path{path}.csv"))) {
            table.merge(&PointTable::parse(&info)?);
        }
        let data = dir.join("data").join(kind);
        let mut files: Vec<_> = std::fs::read_dir(&data).map_err(|e| format!("{}: {e}", data.display()))?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let Some((t, location)) = point_of_file(name) else { continue };
            let Some(row) = table.get(&location).filter(|_| t == test) else { continue };
            let (Some(x), Some(y)) = (row.x, row.y) else { continue };
            let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            let capture = crate::capture::read(&bytes).map_err(|e| format!("{}: {e}", f.display()))?;
            points.push(PointInput {
                name: location.clone(),
                zone: row.zone.clone().unwrap_or_else(|| zone_of_name(&location)),
                test,
                pos: [x, y, row.z.unwrap_or(0.0)],
                rssi: row.rssi,
                capture,
            });
        }
    }
    if points.is_empty() {
        return Err(format!("no captures of path {path} under {}", dir.display()));
    }
    Ok(points)
}
