#!/usr/bin/env bash
# The README's inference picture: HCFCN-32 (ResNet-18, from scratch) trained briefly on CamVid
# (200 iterations, batch 4, 160x160 crops: minutes on a CPU), evaluated on the 40 frames of
# data/camvid_demo/val, then one of those frames segmented through MMSegmentation's
# MMSegInferencer (tools/misc/image_demo.py) into docs/images/inference_demo.png.
#   bash benchmarks/inference_demo.sh [CAMVID_ROOT] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(realpath "${1:-data/camvid}")
. benchmarks/_check_camvid_root.sh
work=${2:-work_dirs/inference_demo}
mkdir -p "$work"
cat > "$work/hcfcn32_demo.py" <<CFG
_base_ = ['$(pwd)/configs/hc/hcfcn32_r18-v1c_1xb4-600i_camvid-256x256.py']
crop_size = (160, 160)
max_iters = 200
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(num_workers=1, dataset=dict(
    data_root='$root',
    pipeline=[
        dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
        dict(type='RandomResize', scale=(480, 360), ratio_range=(0.5, 1.0), keep_ratio=True),
        dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
        dict(type='RandomFlip', prob=0.5), dict(type='PackSegInputs')]))
val_dataloader = dict(num_workers=1, dataset=dict(data_root='$(pwd)/data/camvid_demo'))
test_dataloader = val_dataloader
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=20, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=20, end=max_iters, by_epoch=False)]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=max_iters))
CFG
python tools/train.py "$work/hcfcn32_demo.py" --work-dir "$work" 2>&1 | grep -E "Iter\(val\)|Error" | tail -1
python tools/misc/image_demo.py configs/hc/hcfcn32_r18-v1c_1xb4-600i_camvid-256x256.py \
  "$work/iter_200.pth" data/camvid_demo/images/val/0016E5_07959.jpg \
  --out docs/images/inference_demo.png --device cpu
