#!/usr/bin/env bash
# The TI before/after comparison on CamVid, CPU-sized: (1) the superpixel FCN pretrained on
# BSDS500 train+val, scored on BSDS500 val (ASA, boundary recall) beside SLIC at about the
# same number of superpixels; (2) the base DeepLabV3+ R-18 trained from scratch; (3) the two
# joined (TI fusion + logit consistency) and fine-tuned jointly. mIoU and boundary F of (2)
# and (3) on the 101 CamVid val frames, with a fine-tuning control and step 0 of (3).
#   bash benchmarks/ti_camvid_quality.sh [CAMVID_ROOT] [WORK_ROOT] [SP_ITERS] [BASE_ITERS] [JOINT_ITERS]
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-data/camvid}
. benchmarks/_check_camvid_root.sh
[ -d data/bsds500/images/train ] || { echo "BSDS500 not found at data/bsds500 (the superpixel" \
  "config's data_root): see docs/datasets.md" >&2; exit 2; }
work=${2:-work_dirs/ti_camvid}
sp_iters=${3:-150}
base_iters=${4:-200}
joint_iters=${5:-100}
data="train_dataloader.dataset.data_root=$root val_dataloader.dataset.data_root=$root
      test_dataloader.dataset.data_root=$root"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
# (1) superpixel FCN on BSDS500 (batch 4, 128x128 crops)
python tools/train.py configs/ti/spixelfcn_1xb8-1k_bsds500-208x208.py \
  --work-dir "$work/bsds" --cfg-options train_cfg.max_iters=$sp_iters \
  train_cfg.val_interval=$sp_iters default_hooks.checkpoint.interval=$sp_iters \
  param_scheduler.1.end=$sp_iters train_dataloader.batch_size=4 \
  'model.data_preprocessor.size=(128,128)' \
  'train_dataloader.dataset.datasets.0.pipeline.3.crop_size=(128,128)' \
  'train_dataloader.dataset.datasets.1.pipeline.3.crop_size=(128,128)' \
  2>&1 | grep -E "Iter\(val\)|Error" | tail -1
python benchmarks/superpixels_bsds500.py --n-segments 600 --tolerance 2
# (2) base model
python tools/train.py configs/ti/deeplabv3plus_r18-v1c_1xb4-400i_camvid-256x256.py \
  --work-dir "$work/base" --cfg-options $data train_cfg.max_iters=$base_iters \
  train_cfg.val_interval=$base_iters default_hooks.checkpoint.interval=$base_iters \
  param_scheduler.1.end=$base_iters 2>&1 | grep -E "Iter\(val\)|Error" | tail -1
# (2b) control: (2) fine-tuned as (3) is, without superpixels
python tools/train.py configs/ti/ft-deeplabv3plus_r18-v1c_1xb4-200i_camvid-256x256.py \
  --work-dir "$work/control" --cfg-options $data train_cfg.max_iters=$joint_iters \
  train_cfg.val_interval=$joint_iters default_hooks.checkpoint.interval=$joint_iters \
  load_from="$work/base/iter_$base_iters.pth" 2>&1 | grep -E "Iter\(val\)|Error" | tail -1
# (2c) step 0 of (3): (2) + (1) joined by TI, with logit consistency, before any update
python tools/join_checkpoints.py "$work/base/iter_$base_iters.pth" \
  "$work/bsds/iter_$sp_iters.pth" "$work/base_plus_spfcn.pth" --force
python tools/test.py configs/ti/ti-deeplabv3plus_r18-v1c_1xb4-200i_camvid-256x256.py \
  "$work/base_plus_spfcn.pth" --work-dir "$work/step0" --cfg-options $data \
  2>&1 | grep -E "Iter\(test\)|Error" | tail -1
# (3) joint fine-tuning from (1) and (2)
python tools/train.py configs/ti/ti-deeplabv3plus_r18-v1c_1xb4-200i_camvid-256x256.py \
  --work-dir "$work/joint" --cfg-options $data train_cfg.max_iters=$joint_iters \
  train_cfg.val_interval=$joint_iters default_hooks.checkpoint.interval=$joint_iters \
  load_from="$work/base/iter_$base_iters.pth" \
  model.superpixel_net.init_cfg.type=Pretrained model.superpixel_net.init_cfg.prefix=superpixel_net. \
  model.superpixel_net.init_cfg.checkpoint="$work/bsds/iter_$sp_iters.pth" \
  2>&1 | grep -E "Iter\(val\)|Error" | tail -1
