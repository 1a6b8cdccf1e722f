#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests (GPU kernels on Mesa lavapipe), the wasm
# build, the embeddable package, and the browser end-to-end tests in Debian's Chromium with
# WebGPU (SwiftShader) and without it (CPU path).
set -euo pipefail
cd "$(dirname "$0")/.."
# cargo-installed tools (trunk, wasm-bindgen) live here; wasm-opt comes from npm's binaryen.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh --test
say() { printf '\033[1m[test]\033[0m %s\n' "$*"; }

# lavapipe wants a runtime dir; the GPU tests must not silently skip here.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/edgeplay-xdg}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export EDGEPLAY_REQUIRE_GPU=1 EDGEPLAY_REQUIRE_TOOLS=1

# The big datasets (evaluations, training) are not needed: tests use what the repository ships
# and run the full-data checks too when $EDGEPLAY_DATASETS (default ../shared/datasets) is there.
# CI sets EDGEPLAY_REQUIRE_DATA=1 so a missing folder fails instead of skipping.
export EDGEPLAY_DATASETS="${EDGEPLAY_DATASETS:-$PWD/../shared/datasets}"
if [ -d "$EDGEPLAY_DATASETS" ]; then say "datasets: $EDGEPLAY_DATASETS (full-data checks run)"
else say "datasets: $EDGEPLAY_DATASETS is missing — full-data checks are skipped; shipped samples are used"; fi

# Native tests and the CLI: optimised, but without (thin) LTO and with more codegen units —
# linking every test binary with LTO cost minutes on 2 cores. The published numbers and the
# wasm build use the plain release profile (results do not depend on it: no fast-math).
say "cargo test (native; GPU kernels on lavapipe)"
CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo test --workspace --release
say "building the edgeplay CLI"
CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo build --release -p edgeplay-cli
say "progressive codec pipeline smoke test (train a few steps → ONNX → Rust encode/decode)"
bash scripts/pcodec-smoke.sh
say "depth training pipeline smoke test (every loss a few steps, search, student → ONNX → Rust CLI)"
bash scripts/depth-smoke.sh
say "trunk build (seven wasm modules: wasm32 + wasm-bindgen + wasm-opt; with the test hooks) and the embeddable package"
trunk build --features test-hooks
node scripts/build-pkg.mjs
say "browser tests (Chromium: WebGPU on SwiftShader, and CPU only)"
node --test --test-concurrency=1 tests/
