#!/usr/bin/env python3
"""Builds the <ep-wifi> widget's sample: the CSUIndoorLoc captures trimmed to their first
packets (50 per reference point, 20 per test point), the location tables, and an index.

    python3 scripts/wifi-sample.py [../shared/datasets/csi-csu] [www/wifi/data]

The sample keeps the dataset's layout, so `edgeplay wifi --data www/wifi/data` reproduces
the widget's numbers from a terminal."""
import json, os, shutil, struct, sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets/csi-csu"
DST = sys.argv[2] if len(sys.argv) > 2 else "www/wifi/data"
KEEP = {"ref": 50, "test": 20}


def trim(src, dst, n):
    b = open(src, "rb").read()
    magic = struct.unpack("<I", b[:4])[0]
    assert magic in (0xA1B2C3D4, 0xA1B23C4D), f"{src}: not a little-endian pcap"
    off, count = 24, 0
    while off + 16 <= len(b) and count < n:
        incl = struct.unpack("<I", b[off + 8:off + 12])[0]
        off += 16 + incl
        count += 1
    open(dst, "wb").write(b[:off])


def main():
    os.makedirs(os.path.join(DST, "locations"), exist_ok=True)
    for f in sorted(os.listdir(os.path.join(SRC, "locations"))):
        shutil.copy(os.path.join(SRC, "locations", f), os.path.join(DST, "locations", f))
    shutil.copy(os.path.join(SRC, "LICENSE"), os.path.join(DST, "LICENSE"))
    index = {}
    for kind, n in KEEP.items():
        os.makedirs(os.path.join(DST, "data", kind), exist_ok=True)
        for f in sorted(os.listdir(os.path.join(SRC, "data", kind))):
            if f.startswith(kind + "_") and f.endswith(".pcap"):
                trim(os.path.join(SRC, "data", kind, f), os.path.join(DST, "data", kind, f), n)
    for path in range(1, 6):
        files = []
        for kind in KEEP:
            coords = open(os.path.join(SRC, "locations", f"{kind}_coord_path{path}.csv")).read().split("\n")[1:]
            names = {line.split(",")[0] for line in coords if line.strip()}
            for f in sorted(os.listdir(os.path.join(DST, "data", kind))):
                stem = f[len(kind) + 1:-len(".pcap")]
                if stem.rsplit("_", 1)[0] in names:
                    files.append(f"data/{kind}/{f}")
        index[str(path)] = {"files": files, "tables": [f"locations/{k}{s}_path{path}.csv" for k in KEEP for s in ("_coord", "")]}
    json.dump({"source": "CSUIndoorLoc-CSI-RSSI (Wang & Pasricha, IPIN 2022), BSD-3-Clause, see LICENSE",
               "packets": KEEP, "paths": index}, open(os.path.join(DST, "index.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
