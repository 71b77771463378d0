#!/usr/bin/env bash
# segplug's GPU check: one prepared command for a short, offline GPU session.
#
#   bash tools/gpu_check.sh --prepare            # HERE (network): fill wheels/gpu/ (git-ignored)
#   bash tools/gpu_check.sh [--quick] [--quality] [--out DIR]   # THERE (GPU, no network)
#   bash tools/gpu_check.sh --device cpu --quick --out DIR      # dry run anywhere (CI does)
#
# --prepare downloads what a machine with Python 3.12 + torch + torchvision + timm + opencv +
# scipy + scikit-image + matplotlib + h5py + pytest lacks: pure-Python wheels (mmengine,
# mmsegmentation and their small dependencies) and the mmcv 2.1.0 sdist (a few MiB in all).
# Copy wheels/gpu/ with the repository (e.g. the device tool's `carry`).
#
# On the GPU machine the script installs those wheels with --no-deps (the machine's torch is
# never touched), builds mmcv's CPU ops from the sdist (segplug takes DCNv2 from torchvision,
# which has CUDA kernels; the GPU is hidden from mmcv's build so no nvcc is needed), then
# runs tools/analysis/device_check.py, which writes device_check.json / .md and logs into
# $OUT (or --out, or work_dirs/gpu_check).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
py="${PYTHON:-python3}"
wheels="${SEGPLUG_GPU_WHEELS:-$here/wheels/gpu}"
out="${OUT:-$here/work_dirs/gpu_check}"
device=cuda
prepare=0
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --prepare) prepare=1 ;;
    --device) device="$2"; shift ;;
    --out) out="$2"; shift ;;
    --quick|--quality) args+=("$1") ;;
    --iters) args+=("$1" "$2"); shift ;;
    *) echo "gpu_check.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done
log() { printf '[gpu_check] %s\n' "$*" >&2; }

# Pure-Python packages the GPU machine lacks (pinned as in requirements.txt where listed).
PURE=(mmengine==0.10.7 mmsegmentation==1.2.2 addict yapf termcolor prettytable ftfy wcwidth
      rich markdown-it-py mdurl pygments platformdirs setuptools==80.9.0)

if [[ $prepare == 1 ]]; then
  mkdir -p "$wheels"
  log "downloading pure-Python wheels into $wheels"
  "$py" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation py -d "$wheels" "${PURE[@]}" 2>/dev/null \
    || "$py" -m pip download -q --no-deps -d "$wheels" "${PURE[@]}"
  log "downloading the mmcv 2.1.0 sdist"
  "$py" -m pip download -q --no-deps --no-binary :all: --no-build-isolation mmcv==2.1.0 \
    -d "$wheels"
  du -sh "$wheels" >&2
  exit 0
fi

t0=$(date +%s)
if [[ $device == cuda ]]; then
  if ! "$py" -c 'import mmcv.ops, mmseg' 2>/dev/null; then
    [[ -d "$wheels" ]] || { log "error: $wheels not found: run 'bash tools/gpu_check.sh --prepare' where there is network and carry wheels/gpu"; exit 2; }
    log "installing pure-Python wheels from $wheels (--no-deps: torch stays as it is)"
    "$py" -m pip install -q --no-index --no-deps --find-links "$wheels" \
      "${PURE[@]%%==*}" 2>&1 | tail -3 >&2
    src="$(mktemp -d)"
    tar -xzf "$wheels"/mmcv-2.1.0.tar.gz -C "$src"
    # torch >= 2.14 headers require C++20 while mmcv 2.1.0 asks for C++17: patch only then
    if grep -rqs 'C++20 or later' "$("$py" -c 'import torch, os; print(os.path.dirname(torch.__file__))')/include/c10/macros/" ; then
      log "torch headers need C++20: patching mmcv's -std flag"
      sed -i -E 's/-std=c\+\+1[47]/-std=c++20/g' "$src/mmcv-2.1.0/setup.py"
    fi
    log "building mmcv 2.1.0 CPU ops ($(nproc) jobs)"
    (cd "$src" && CUDA_VISIBLE_DEVICES= FORCE_CUDA=0 MAX_JOBS="$(nproc)" \
      "$py" -m pip install -q --no-build-isolation --no-deps "$src/mmcv-2.1.0") 2>&1 | tail -5 >&2
    rm -rf "$src"
    "$py" -c 'import mmcv.ops, mmseg' || { log "error: mmcv / mmseg do not import after the install"; exit 1; }
  fi
  log "stack ready in $(( $(date +%s) - t0 )) s"
fi
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$out"
"$py" tools/analysis/device_check.py --device "$device" --out "$out" "${args[@]}"
