#!/usr/bin/env bash
# The upsampler comparison on the FPN head (ResNet-18 from scratch, same schedule, one seed
# after another): bilinear, HC (HC backbone), DySample, CARAFE, and bilinear on the HC
# backbone; full CamVid train, evaluated on val at 360x480 (mIoU, per-class IoU, boundary F
# in the BSDS convention). Runs already finished (iter_$ITERS.pth present) are skipped, so
# the script can be re-run to continue. The table: python benchmarks/upsamplers_table.py
# [WORK_ROOT]; time, side by side: python benchmarks/upsamplers_speed.py.
#   bash benchmarks/upsamplers_camvid.sh [CAMVID_ROOT] [WORK_ROOT]
#   SEEDS="0 1 2" ITERS=600 bash benchmarks/upsamplers_camvid.sh ...
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-data/camvid}
. benchmarks/_check_camvid_root.sh
. benchmarks/_camvid_train.sh
work=${2:-work_dirs/upsamplers_camvid}
it=${ITERS:-600}
variants=${VARIANTS:-"fpn-bilinear_r18-v1c fpn-hc_hcr18-v1c fpn-dysample_r18-v1c fpn-carafe_r18-v1c fpn-bilinear_hcr18-v1c"}
for seed in ${SEEDS:-0 1 2}; do
  for m in $variants; do
    camvid_train configs/upsamplers/${m}_1xb4-600i_camvid-256x256.py "$work/$m/seed$seed" "$seed"
  done
done
