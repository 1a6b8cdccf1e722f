//! The CSUIndoorLoc-CSI-RSSI layout (Wang & Pasricha, IPIN 2022): `DIR/locations/
//! {ref,test}_coord_pathN.csv` (location, x_m, y_m), `DIR/locations/{ref,test}_pathN.csv`
//! (location, mac, RSSI, …) and `DIR/data/{ref,test}/{ref,test}_<location>_<count>.pcap`.
//! Rooms are the zones (`204_1` is room 204, point 1).

use std::path::Path;

use crate::data::{points_from_files, FilesError, PointInput};

/// Reads path `path` (1–5) of the dataset in `dir` into points with their captures.
pub fn load(dir: &Path, path: u32) -> Result<Vec<PointInput>, FilesError> {
    let mut tables = Vec::new();
    for kind in ["ref", "test"] {
        for t in [format!("{kind}_coord_path{path}.csv"), format!("{kind}_path{path}.csv")] {
            let f = dir.join("locations").join(&t);
            match std::fs::read_to_string(&f) {
                Ok(text) => tables.push((t, text)),
                Err(source) if t.contains("coord") => return Err(FilesError::Io { path: f.display().to_string(), source }),
                Err(_) => {} // RSSI tables are optional
            }
        }
    }
    // Only this path's points: the coordinate tables list them.
    let mut files = Vec::new();
    for kind in ["ref", "test"] {
        let data = dir.join("data").join(kind);
        let mut names: Vec<_> = std::fs::read_dir(&data).map_err(|source| FilesError::Io { path: data.display().to_string(), source })?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        names.sort();
        for f in names {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
            let Some((_, location)) = crate::data::point_of_file(&name) else { continue };
            let listed = tables.iter().any(|(t, text)| t.starts_with(kind) && t.contains("coord") && text.lines().any(|l| l.split(',').next() == Some(location.as_str())));
            if listed {
                files.push((name, std::fs::read(&f).map_err(|source| FilesError::Io { path: f.display().to_string(), source })?));
            }
        }
    }
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let tables: Vec<(&str, &str)> = tables.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let (points, _notes) = points_from_files(&files, &tables)?;
    if points.is_empty() {
        return Err(FilesError::NoCaptures { path, dir: dir.display().to_string() });
    }
    Ok(points)
}
