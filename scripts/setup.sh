#!/usr/bin/env bash
# Installs what building (and, with --test, testing) Edgeplay needs on a Debian machine that
# has Rust (rustup) and Node.js. Skips everything already present at the right version.
# Only registries are used: crates.io, npm, Debian's apt.
set -euo pipefail
cd "$(dirname "$0")/.."
# cargo-installed tools (trunk, wasm-bindgen) live here; wasm-opt comes from npm's binaryen.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
TEST=0; [ "${1:-}" = "--test" ] && TEST=1
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"; rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WB=$(awk '$0=="name = \"wasm-bindgen\"" {getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB" ]; then
  say "installing wasm-bindgen-cli $WB"; cargo install wasm-bindgen-cli --version "$WB"
fi
if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "0.21.14" ]; then
  say "installing trunk 0.21.14 (about 8 minutes)"; cargo install trunk --version 0.21.14 --locked
fi

if [ $TEST = 1 ]; then
  missing=()
  for p in chromium mesa-vulkan-drivers libopenjp2-tools; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

if [ $TEST = 1 ]; then
  # The training smoke test needs the pinned PyTorch (CPU training; PyPI's wheel, ~5 GB).
  if ! python3 -c "import torch, onnx, onnxruntime, numpy, PIL; assert torch.__version__.split('+')[0] == '2.15.0'" 2>/dev/null; then
    say "installing the model-training requirements (PyTorch 2.15, onnx, onnxruntime)"
    python3 -m pip install --quiet -r models/pcodec/requirements.txt -r models/depth/requirements.txt
  fi
fi

if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"; npm ci --no-audit --no-fund --loglevel=error
fi
