#!/usr/bin/env bash
# FCN-32, HCFCN-32 and AtrousFCN (ResNet-18, from scratch, same schedule and seed) on the
# full CamVid train split, evaluated on val; then their ms/image at 360x480.
#   bash benchmarks/hc_camvid_quality.sh [CAMVID_ROOT] [WORK_ROOT]
#   ITERS=3000 bash benchmarks/hc_camvid_quality.sh ...   (the longer schedule, same shape)
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-data/camvid}
. benchmarks/_check_camvid_root.sh
work=${2:-work_dirs/hc_camvid}
it=${ITERS:-600}
for m in fcn32_r18-v1c hcfcn32_r18-v1c atrousfcn_r18-v1c-d8; do
  cfg=configs/hc/${m}_1xb4-600i_camvid-256x256.py
  python tools/train.py "$cfg" --work-dir "$work/$m" --cfg-options \
    train_dataloader.dataset.data_root="$root" val_dataloader.dataset.data_root="$root" \
    test_dataloader.dataset.data_root="$root" train_cfg.max_iters=$it \
    train_cfg.val_interval=$it param_scheduler.1.end=$it \
    default_hooks.checkpoint.interval=$(( it < 200 ? it : 200 )) \
    2>&1 | grep -E "Iter\(val\)|Error" | tail -1
done
for m in fcn32_r18-v1c hcfcn32_r18-v1c atrousfcn_r18-v1c-d8; do
  python tools/benchmark.py configs/hc/${m}_1xb4-600i_camvid-256x256.py \
    "$work/$m/iter_$it.pth" --shape 360 480 --iters 10 --repeat 2 --json "$work/$m/bench.json" \
    2>/dev/null | grep -E "ms/image|config"
done
