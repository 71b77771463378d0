#!/usr/bin/env bash
# FCN-32, HCFCN-32 and AtrousFCN (ResNet-18, from scratch, same schedule and seed) on the
# full CamVid train split, evaluated on val; then their ms/image at 360x480.
#   bash benchmarks/hc_camvid_quality.sh [CAMVID_ROOT] [WORK_ROOT]
#   ITERS=3000 bash benchmarks/hc_camvid_quality.sh ...   (the longer schedule, same shape)
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-data/camvid}
. benchmarks/_check_camvid_root.sh
. benchmarks/_camvid_train.sh
work=${2:-work_dirs/hc_camvid}
it=${ITERS:-600}
for m in fcn32_r18-v1c hcfcn32_r18-v1c atrousfcn_r18-v1c-d8; do
  camvid_train configs/hc/${m}_1xb4-600i_camvid-256x256.py "$work/$m" 0
done
for m in fcn32_r18-v1c hcfcn32_r18-v1c atrousfcn_r18-v1c-d8; do
  python tools/benchmark.py configs/hc/${m}_1xb4-600i_camvid-256x256.py \
    "$work/$m/iter_$it.pth" --shape 360 480 --iters 10 --repeat 2 --json "$work/$m/bench.json" \
    2>/dev/null | grep -E "ms/image|config"
done
