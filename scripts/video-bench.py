#!/usr/bin/env python3
"""B-frames vs P-frames, ours and x264's: BD-rate tables for README.

For each clip (.y4m, made by --make from the shipped sample and ../shared/datasets) codes the
first 33 frames with `edgeplay video` (IPP and hierarchical B, GOP 8, the quantizer ladder)
and with Debian ffmpeg's libx264 (4:4:4, --tune psnr, one I-frame, CRF 16..41; without
B-frames and with up to 7 B-frames in a pyramid), decodes everything to RGB and measures
PSNR-Y (BT.601 luma of the RGB frames) and PSNR-RGB the same way for all. Prints the
BD-rates (Bjøntegaard, cubic fit of log-rate vs PSNR) and writes JSON.

Needs Debian's ffmpeg (`apt-get install ffmpeg`, with libx264), numpy and Pillow, and a
release build of the CLI (`cargo build --release -p edgeplay-cli`).

    python3 scripts/video-bench.py --make /tmp/clips      # clips: pan, kitchen, bbb
    python3 scripts/video-bench.py /tmp/clips/*.y4m --json video-bench.json
"""
import argparse, json, os, subprocess, sys, tempfile
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EDGEPLAY = os.path.join(ROOT, 'target', 'release', 'edgeplay')
LADDER = [48, 28, 16, 9, 5, 3]
CRFS = [16, 21, 26, 31, 36, 41]
FRAMES = 33


def run(*a):
    subprocess.run(a, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make(out):
    os.makedirs(out, exist_ok=True)
    data = os.environ.get('EDGEPLAY_DATASETS', os.path.join(ROOT, '..', 'shared', 'datasets'))
    ff = ['ffmpeg', '-v', 'error', '-y']
    run(*ff, '-loop', '1', '-i', os.path.join(ROOT, 'www/samples/kodim23.png'), '-vf',
        "crop=640:384:'40+4*n':'40+2*n',scale=320:192:flags=area,format=yuv444p", '-frames:v', str(FRAMES), '-strict', '-1', f'{out}/pan.y4m')
    run(*ff, '-i', os.path.join(ROOT, 'www/samples/bigbuckbunny.mp4'), '-frames:v', str(FRAMES), '-vf',
        'scale=640:360:flags=area,format=yuv444p', '-strict', '-1', f'{out}/bbb.y4m')
    kitchen = os.path.join(data, 'depth', '7scenes-kitchen')
    if os.path.isdir(kitchen):
        run(*ff, '-start_number', '0', '-i', f'{kitchen}/frame-%06d.color.jpg', '-frames:v', str(FRAMES), '-vf', 'format=yuv444p', '-strict', '-1', f'{out}/kitchen.y4m')
    else:
        print(f'{kitchen} is missing: no kitchen clip (see ../shared/datasets/README.md)', file=sys.stderr)


def rgb_frames(path, w, h, n):
    raw = subprocess.run(['ffmpeg', '-v', 'error', '-i', path, '-frames:v', str(n), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3).astype(np.float64)


def size(path):
    out = subprocess.run(['ffprobe', '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', path], check=True, capture_output=True, text=True).stdout
    w, h = out.strip().split(',')[:2]
    return int(w), int(h)


def quality(ref, dec):
    def psnr(a, b):
        mse = np.mean((a - b) ** 2)
        return 10 * np.log10(255 ** 2 / mse) if mse > 0 else 99.0
    luma = lambda x: x @ np.array([0.299, 0.587, 0.114])
    n = min(len(ref), len(dec))
    return (float(np.mean([psnr(luma(ref[i]), luma(dec[i])) for i in range(n)])),
            float(np.mean([psnr(ref[i], dec[i]) for i in range(n)])))


def bd_rate(a, b):
    """a, b: lists of (bpp, psnr). Bjøntegaard delta rate of b vs a in %."""
    a, b = sorted(a), sorted(b)
    pa = np.polyfit([p[1] for p in a], np.log([p[0] for p in a]), 3)
    pb = np.polyfit([p[1] for p in b], np.log([p[0] for p in b]), 3)
    lo = max(min(p[1] for p in a), min(p[1] for p in b))
    hi = min(max(p[1] for p in a), max(p[1] for p in b))
    if hi <= lo:
        return None
    ia, ib = np.polyint(pa), np.polyint(pb)
    d = ((np.polyval(ib, hi) - np.polyval(ib, lo)) - (np.polyval(ia, hi) - np.polyval(ia, lo))) / (hi - lo)
    return float((np.exp(d) - 1) * 100)


def ours(clip, ref, w, h, gop, tmp):
    pts = []
    for q in LADDER:
        s, d = os.path.join(tmp, 'o.epv'), os.path.join(tmp, 'dec')
        run(EDGEPLAY, '--backend', 'cpu', 'video', clip, '--frames', str(FRAMES), '--gop', gop, '--q', str(q), '--save', s, '--out', d)
        dec = np.stack([np.asarray(__import__('PIL.Image', fromlist=['Image']).open(os.path.join(d, f'frame-{i:04d}.png')).convert('RGB'), np.float64) for i in range(len(ref))])
        y, rgb = quality(ref, dec)
        pts.append({'q': q, 'bpp': os.path.getsize(s) * 8 / (w * h * len(ref)), 'psnr_y': y, 'psnr_rgb': rgb})
    return pts


def x264(clip, ref, w, h, bframes, tmp):
    pts = []
    for crf in CRFS:
        out = os.path.join(tmp, 'x.264')
        run('ffmpeg', '-v', 'error', '-y', '-i', clip, '-frames:v', str(len(ref)), '-c:v', 'libx264', '-pix_fmt', 'yuv444p', '-profile:v', 'high444',
            '-preset', 'medium', '-tune', 'psnr', '-crf', str(crf), '-g', '1000', '-bf', str(bframes), '-b_strategy', '2' if bframes else '0',
            '-x264-params', 'b-pyramid=normal' if bframes else 'b-pyramid=none', '-f', 'h264', out)
        dec = rgb_frames(out, w, h, len(ref))
        y, rgb = quality(ref, dec)
        pts.append({'crf': crf, 'bpp': os.path.getsize(out) * 8 / (w * h * len(ref)), 'psnr_y': y, 'psnr_rgb': rgb})
    return pts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('clips', nargs='*')
    ap.add_argument('--make')
    ap.add_argument('--json')
    a = ap.parse_args()
    if a.make:
        make(a.make)
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for clip in a.clips:
            w, h = size(clip)
            ref = rgb_frames(clip, w, h, FRAMES)
            r = {'size': f'{w}x{h}', 'frames': len(ref),
                 'ours_ipp': ours(clip, ref, w, h, 'ipp', tmp), 'ours_ib': ours(clip, ref, w, h, 'ib', tmp),
                 'x264_p': x264(clip, ref, w, h, 0, tmp), 'x264_b': x264(clip, ref, w, h, 7, tmp)}
            for m in ['psnr_y', 'psnr_rgb']:
                c = {k: [(p['bpp'], p[m]) for p in r[k]] for k in ['ours_ipp', 'ours_ib', 'x264_p', 'x264_b']}
                r[f'bd_{m}'] = {'ours_ib_vs_ipp': bd_rate(c['ours_ipp'], c['ours_ib']), 'x264_b_vs_p': bd_rate(c['x264_p'], c['x264_b']),
                                'ours_ib_vs_x264_b': bd_rate(c['x264_b'], c['ours_ib']), 'ours_ipp_vs_x264_p': bd_rate(c['x264_p'], c['ours_ipp'])}
            name = os.path.splitext(os.path.basename(clip))[0]
            results[name] = r
            f = lambda v: 'n/a' if v is None else f'{v:+.1f} %'
            print(f"{name} ({r['size']}, {r['frames']} frames): ours IB vs IPP {f(r['bd_psnr_y']['ours_ib_vs_ipp'])} (Y) {f(r['bd_psnr_rgb']['ours_ib_vs_ipp'])} (RGB); "
                  f"x264 B vs P {f(r['bd_psnr_y']['x264_b_vs_p'])} (Y) {f(r['bd_psnr_rgb']['x264_b_vs_p'])} (RGB); "
                  f"ours IB vs x264 B {f(r['bd_psnr_y']['ours_ib_vs_x264_b'])} (Y); ours IPP vs x264 P {f(r['bd_psnr_y']['ours_ipp_vs_x264_p'])} (Y)", flush=True)
    if a.json:
        with open(a.json, 'w') as fh:
            json.dump(results, fh, indent=1)


if __name__ == '__main__':
    main()
