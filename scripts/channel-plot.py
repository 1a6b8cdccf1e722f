#!/usr/bin/env python3
"""NMSE plots of `edgeplay channel --json` reports (README figure).

    edgeplay channel --json > /tmp/wide.json
    edgeplay channel --preset narrow --json > /tmp/narrow.json
    python3 scripts/channel-plot.py /tmp/wide.json /tmp/narrow.json -o docs/channel-nmse.png

One row of three panels per report: NMSE vs Doppler, vs SNR, vs pilot spacing; the
training range is shaded, conditions outside it are drawn with hollow markers.
(needs matplotlib: pip install matplotlib)
"""
import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {  # tracker label -> colour, line style (www/channel/meta.js)
    "pilots (held)": ("#adb5bd", ":"),
    "KF, fixed Doppler": ("#e8590c", "-"),
    "LSTM": ("#7048e8", "-"),
    "HKF": ("#2b8a3e", "-"),
    "KF, genie Doppler": ("#1c7ed6", "--"),
}


def panel(ax, rep, key, x, xlabel, log=False):
    pts = rep[key]
    xs = [p[x] for p in pts]
    for k, name in enumerate(rep["trackers"]):
        colour, ls = STYLE.get(name, ("k", "-"))
        ys = [p["nmse_db"][k] for p in pts]
        ax.plot(xs, ys, ls, color=colour, label=name, lw=1.8)
        ax.scatter(xs, ys, s=18, color=[colour if p["seen"] else "white" for p in pts], edgecolors=colour, zorder=3)
    r = rep["setting"]["ranges"]
    if key == "doppler":
        ax.axvspan(*r["doppler"], color="#2b8a3e", alpha=0.08)
    elif key == "snr":
        ax.axvspan(*r["snr_db"], color="#2b8a3e", alpha=0.08)
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("NMSE (dB)")
    ax.grid(alpha=0.3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reports", nargs="+")
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args()
    reps = [json.load(open(f)) for f in a.reports]
    fig, axes = plt.subplots(len(reps), 3, figsize=(13, 3.6 * len(reps)), squeeze=False)
    for row, rep in zip(axes, reps):
        s = rep["setting"]
        r = s["ranges"]
        snr = rep["doppler"][0]["snr_db"]
        d = rep["snr"][0]["doppler"]
        panel(row[0], rep, "doppler", "doppler", f"normalised Doppler (SNR {snr:g} dB, pilot every {r['spacing']})", log=True)
        panel(row[1], rep, "snr", "snr_db", f"SNR, dB (Doppler {d:g})")
        panel(row[2], rep, "spacing", "spacing", f"pilot spacing (Doppler {d:g}, SNR {snr:g} dB)", log=True)
        row[2].set_xticks([1, 2, 4, 8], ["1", "2", "4", "8"])
        row[2].set_xticks([], minor=True)
        row[0].set_title(f"networks trained on Doppler {r['doppler'][0]:g}–{r['doppler'][1]:g}, SNR {r['snr_db'][0]:g}–{r['snr_db'][1]:g} dB, spacing {r['spacing']}", loc="left", fontsize=10)
    axes[0][0].legend(fontsize=8, loc="lower right")
    fig.text(0.99, 0.005, "hollow markers: outside the training conditions · edgeplay channel --json | scripts/channel-plot.py", ha="right", fontsize=7, color="#666")
    fig.tight_layout()
    fig.savefig(a.out, dpi=110)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
