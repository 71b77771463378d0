#!/usr/bin/env bash
# The upsampler comparison on the FPN head (ResNet-18 from scratch, same schedule, one seed
# after another): bilinear, HC (HC backbone), DySample, CARAFE, and bilinear on the HC
# backbone; full CamVid train, evaluated on val at 360x480 (mIoU, per-class IoU, boundary F
# in the BSDS convention). Runs already finished (iter_$ITERS.pth present) are skipped, so
# the script can be re-run to continue; then ms/image at 360x480 for each variant.
#   bash benchmarks/upsamplers_camvid.sh [CAMVID_ROOT] [WORK_ROOT]
#   SEEDS="0 1 2" ITERS=600 bash benchmarks/upsamplers_camvid.sh ...
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-data/camvid}
. benchmarks/_check_camvid_root.sh
work=${2:-work_dirs/upsamplers_camvid}
it=${ITERS:-600}
variants=${VARIANTS:-"fpn-bilinear_r18-v1c fpn-hc_hcr18-v1c fpn-dysample_r18-v1c fpn-carafe_r18-v1c fpn-bilinear_hcr18-v1c"}
for seed in ${SEEDS:-0 1 2}; do
  for m in $variants; do
    dir=$work/$m/seed$seed
    mkdir -p "$work/$m"
    [ -f "$dir/iter_$it.pth" ] && continue
    echo "== $m seed $seed $(date -u +%H:%M:%S)"
    nice -n 5 python tools/train.py configs/upsamplers/${m}_1xb4-600i_camvid-256x256.py \
      --work-dir "$dir" --cfg-options randomness.seed=$seed \
      train_dataloader.dataset.data_root="$root" val_dataloader.dataset.data_root="$root" \
      test_dataloader.dataset.data_root="$root" train_cfg.max_iters=$it \
      train_cfg.val_interval=$it param_scheduler.1.end=$it \
      default_hooks.checkpoint.interval=$(( it < 200 ? it : 200 )) \
      > "$dir.log" 2>&1 || { echo "failed: $dir.log"; tail -5 "$dir.log"; }
    grep -E "Iter\(val\)" "$dir.log" | tail -1
  done
done
for m in $variants; do
  ckpt=$work/$m/seed0/iter_$it.pth
  [ -f "$ckpt" ] || continue
  nice -n 5 python tools/benchmark.py configs/upsamplers/${m}_1xb4-600i_camvid-256x256.py \
    "$ckpt" --shape 360 480 --iters 10 --repeat 2 --json "$work/$m/bench.json" \
    2>/dev/null | grep -E "ms/image|config"
done
