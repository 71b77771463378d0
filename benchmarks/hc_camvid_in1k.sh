#!/usr/bin/env bash
# HC under its paper's conditions: FCN-32, HCFCN-32 (also with its assignments supervised,
# hcfcn32-assign, and with separable DCN offset predictors, hcfcn32-sepoff) and AtrousFCN (output stride 8), and FPN
# with bilinear / HC / DySample upsampling, on EfficientNet-Lite0 started from ImageNet (the
# packaged weights), same schedule, seeds one after another (paired by seed); full CamVid
# train, evaluated on val at 360x480 (mIoU, per-class IoU, boundary F in the BSDS convention). Finished runs (iter_$ITERS.pth present)
# are skipped, so the script can be re-run to continue. The table:
#   python benchmarks/hc_in1k_table.py [WORK_ROOT]
#   bash benchmarks/hc_camvid_in1k.sh [CAMVID_ROOT] [WORK_ROOT]
#   SEEDS="0 1 2" ITERS=1000 VARIANTS="fcn32 hcfcn32" bash benchmarks/hc_camvid_in1k.sh ...
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-data/camvid}
. benchmarks/_check_camvid_root.sh
. benchmarks/_camvid_train.sh
work=${2:-work_dirs/hc_camvid_in1k}
it=${ITERS:-1000}
declare -A cfg=(
  [fcn32]=configs/hc/fcn32_efflite0-in1k_1xb8-1k_camvid-256x256.py
  [hcfcn32]=configs/hc/hcfcn32_efflite0-in1k_1xb8-1k_camvid-256x256.py
  [hcfcn32-offlr1]=configs/hc/hcfcn32-offlr1_efflite0-in1k_1xb8-1k_camvid-256x256.py
  [hcfcn32-assign]=configs/hc/hcfcn32-assign_efflite0-in1k_1xb8-1k_camvid-256x256.py
  [hcfcn32-sepoff]=configs/hc/hcfcn32-sepoff_efflite0-in1k_1xb8-1k_camvid-256x256.py
  [atrousfcn]=configs/hc/atrousfcn_efflite0-in1k-d8_1xb8-1k_camvid-256x256.py
  [fpn-bilinear]=configs/upsamplers/fpn-bilinear_efflite0-in1k_1xb8-1k_camvid-256x256.py
  [fpn-hc]=configs/upsamplers/fpn-hc_hcefflite0-in1k_1xb8-1k_camvid-256x256.py
  [fpn-dysample]=configs/upsamplers/fpn-dysample_efflite0-in1k_1xb8-1k_camvid-256x256.py
)
for seed in ${SEEDS:-0 1 2}; do
  for m in ${VARIANTS:-fcn32 hcfcn32 atrousfcn}; do
    camvid_train "${cfg[$m]}" "$work/$m/seed$seed" "$seed"
  done
done
