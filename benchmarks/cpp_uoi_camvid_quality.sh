#!/usr/bin/env bash
# Plain CE, CE + CPP-KL auxiliary and 0.7 UOI + 0.3 CE: PSPNet on a stride-32 ResNetV1c-18
# (from scratch, same schedule and seed: configs/cpp/_camvid_schedule.py) on the full CamVid
# train split, evaluated on val with per-class IoU.
#   bash benchmarks/cpp_uoi_camvid_quality.sh [CAMVID_ROOT] [WORK_ROOT] [EXTRA cfg-options...]
# Runs one model after the other; each prints its val line (mIoU, aAcc, per-class IoU).
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-data/camvid}
. benchmarks/_check_camvid_root.sh
work=${2:-work_dirs/cpp_uoi_camvid}
shift $(( $# > 2 ? 2 : $# )) || true
for cfg in configs/cpp/pspnet32_r18-v1c_1xb4-500i_camvid-256x256.py \
           configs/cpp/pspnet32-cpp_r18-v1c_1xb4-500i_camvid-256x256.py \
           configs/uoi/pspnet32-uoi_r18-v1c_1xb4-500i_camvid-256x256.py; do
  name=$(basename "$cfg" .py); mkdir -p "$work"
  python tools/train.py "$cfg" --work-dir "$work/$name" --cfg-options \
    train_dataloader.dataset.data_root="$root" val_dataloader.dataset.data_root="$root" \
    test_dataloader.dataset.data_root="$root" "$@" > "$work/$name.log" 2>&1 \
    || { echo "$name failed, see $work/$name.log"; tail -5 "$work/$name.log"; exit 1; }
  echo "== $name"; grep -E "Iter\(val\)" "$work/$name.log" | tail -1
done
