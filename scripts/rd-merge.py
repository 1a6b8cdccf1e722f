"""Replace some codecs' rows of an `edgeplay rd --json` result with a newer run's.

    python3 scripts/rd-merge.py docs/rd-kodak-progressive.json new.json [-o OUT]

Every codec that appears in new.json replaces that codec's points and means in the base file
(e.g. the progressive rows after a new model export, while the baselines' rows, which do not
depend on the model, are kept). Both runs must cover the same images and colour mode.
Writes OUT (default: the base file) as compact JSON.
"""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("new")
    ap.add_argument("-o", "--out")
    a = ap.parse_args()
    base, new = json.load(open(a.base)), json.load(open(a.new))
    if base["grey"] != new["grey"] or base["images"] != new["images"]:
        sys.exit(f"runs differ: base {base['images']} images grey={base['grey']}, new {new['images']} grey={new['grey']}")
    imgs = lambda d: sorted({p["image"] for p in d["points"]})
    if imgs(base) != imgs(new):
        sys.exit("runs cover different images")
    codecs = {p["codec"] for p in new["points"]}
    for key in ("points", "mean"):
        base[key] = [p for p in base[key] if p["codec"] not in codecs] + new[key]
    with open(a.out or a.base, "w") as f:
        json.dump(base, f, separators=(",", ":"))
        f.write("\n")
    print(f"replaced {', '.join(sorted(codecs))} in {a.out or a.base}")


if __name__ == "__main__":
    main()
