#!/usr/bin/env bash
# Every method's CamVid row from the ImageNet start (issue 34): each method against its
# control on EfficientNet-Lite0 started from ImageNet, the shared schedule
# (configs/hc/_camvid_in1k_schedule.py: batch 8, 256x256 crops, AdamW), full CamVid train,
# evaluated on val at 360x480 (mIoU, per-class IoU, boundary F in the BSDS convention),
# seeds one after another (paired by seed). ITERS iterations per stage:
#   deeplabv3plus             DeepLabV3+ (stride 32), CE; stage 1 of UOI and TI
#   deeplabv3plus-cpp         CPP-KL auxiliary loss          | control: deeplabv3plus-nearest
#   deeplabv3plus-nearest     CE on nearest-downsampled labels at the auxiliary head
#   ft-deeplabv3plus          stage 1 + ITERS more with CE: the control of UOI and of TI
#   ft-deeplabv3plus-uoi      stage 1 + ITERS with 0.7 UOI + 0.3 CE
#   ti-deeplabv3plus          stage 1 + superpixel FCN + TI + logit consistency, ITERS jointly
#   semantic-features-fcn32   FCN-32 + hypercolumn head with Eq. 1 | control: ...-w0-fcn32
#   semantic-features-w0-fcn32  the same, Eq. 1 at weight 0 (cross-entropy alone)
# A stage-2 variant trains its stage 1 first (same seed) and loads its last checkpoint; TI
# also pretrains the superpixel FCN on BSDS500 once (SP_ITERS, default ITERS; seed 0), shared
# by every seed like the ImageNet weights. Finished runs (iter_$ITERS.pth present) are
# skipped, so the script can be re-run to continue. The table (and the feature probes):
#   python benchmarks/methods_in1k_table.py WORK_ROOT --camvid-root CAMVID_ROOT
#   bash benchmarks/methods_camvid_in1k.sh [CAMVID_ROOT] [WORK_ROOT] [BSDS500_ROOT]
#   SEEDS="0 1 2" ITERS=1000 VARIANTS="deeplabv3plus-cpp deeplabv3plus-nearest" bash ...
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-data/camvid}
. benchmarks/_check_camvid_root.sh
. benchmarks/_camvid_train.sh
work=${2:-work_dirs/methods_camvid_in1k}
bsds=${3:-data/bsds500}
it=${ITERS:-1000}
sp_it=${SP_ITERS:-$it}
declare -A cfg=(
  [deeplabv3plus]=configs/ti/deeplabv3plus_efflite0-in1k_1xb8-1k_camvid-256x256.py
  [deeplabv3plus-cpp]=configs/cpp/deeplabv3plus-cpp_efflite0-in1k_1xb8-1k_camvid-256x256.py
  [deeplabv3plus-nearest]=configs/cpp/deeplabv3plus-nearest_efflite0-in1k_1xb8-1k_camvid-256x256.py
  [ft-deeplabv3plus]=configs/ti/ft-deeplabv3plus_efflite0-in1k_1xb8-1k_camvid-256x256.py
  [ft-deeplabv3plus-uoi]=configs/uoi/ft-deeplabv3plus-uoi_efflite0-in1k_1xb8-1k_camvid-256x256.py
  [ti-deeplabv3plus]=configs/ti/ti-deeplabv3plus_efflite0-in1k_1xb8-1k_camvid-256x256.py
  [semantic-features-fcn32]=configs/semantic_features/semantic-features-fcn32_efflite0-in1k_1xb8-1k_camvid-256x256.py
  [semantic-features-w0-fcn32]=configs/semantic_features/semantic-features-w0-fcn32_efflite0-in1k_1xb8-1k_camvid-256x256.py
)
# the stage each stage-2 variant starts from (its checkpoint at the same seed)
declare -A stage1=(
  [ft-deeplabv3plus]=deeplabv3plus
  [ft-deeplabv3plus-uoi]=deeplabv3plus
  [ti-deeplabv3plus]=deeplabv3plus
)
all="deeplabv3plus deeplabv3plus-cpp deeplabv3plus-nearest ft-deeplabv3plus ft-deeplabv3plus-uoi
     ti-deeplabv3plus semantic-features-fcn32 semantic-features-w0-fcn32"
variants=${VARIANTS:-$all}
for m in $variants; do
  [ -n "${cfg[$m]:-}" ] || { echo "unknown variant $m (one of: $(echo $all))" >&2; exit 2; }
done
# ITERS or SP_ITERS shorter than the schedules' warm-ups (30 and 50 iterations; a quick check
# of this script, ITERS >= 2): one warm-up iteration, then the decay
warmup() { [ "$1" -ge 60 ] || echo param_scheduler.0.end=1 param_scheduler.1.begin=1; }
sp=$work/spixelfcn-bsds500
# the superpixel FCN on BSDS500 train + val at the Lite0 normalisation, once for all seeds
spixelfcn_train() {
  [ -f "$sp/iter_$sp_it.pth" ] && return 0
  [ -d "$bsds/images/train" ] || { echo "BSDS500 not found at $bsds (TI pretrains its" \
    "superpixel FCN there): pass its folder as BSDS500_ROOT, see docs/datasets.md" >&2; exit 2; }
  echo "== spixelfcn-norm127 $sp $(date -u +%H:%M:%S)"
  mkdir -p "$work"
  git describe --always --dirty --abbrev=7 > "$sp.commit" 2>/dev/null || rm -f "$sp.commit"
  nice -n 5 python tools/train.py configs/ti/spixelfcn-norm127_1xb8-1k_bsds500-208x208.py \
    --work-dir "$sp" --cfg-options randomness.seed=0 train_cfg.max_iters=$sp_it \
    train_cfg.val_interval=$sp_it param_scheduler.1.end=$sp_it \
    default_hooks.checkpoint.interval=$sp_it $(warmup $sp_it) \
    train_dataloader.dataset.datasets.0.data_root="$bsds" \
    train_dataloader.dataset.datasets.1.data_root="$bsds" \
    val_dataloader.dataset.data_root="$bsds" test_dataloader.dataset.data_root="$bsds" \
    > "$sp.log" 2>&1 || { echo "failed: $sp.log"; tail -5 "$sp.log"; exit 1; }
  grep -E "Iter\(val\)" "$sp.log" | tail -1 || true
}
for seed in ${SEEDS:-0 1 2}; do
  for m in $variants; do
    extra=($(warmup $it))
    first=${stage1[$m]:-}
    if [ -n "$first" ]; then
      camvid_train "${cfg[$first]}" "$work/$first/seed$seed" "$seed" $(warmup $it)
      ckpt=$work/$first/seed$seed/iter_$it.pth
      [ -f "$ckpt" ] || { echo "skipped $m seed $seed: no $ckpt"; continue; }
      extra+=(load_from="$ckpt")
    fi
    if [ "$m" = ti-deeplabv3plus ]; then
      spixelfcn_train
      extra+=(model.superpixel_net.init_cfg.type=Pretrained
              model.superpixel_net.init_cfg.prefix=superpixel_net.
              model.superpixel_net.init_cfg.checkpoint="$sp/iter_$sp_it.pth")
    fi
    camvid_train "${cfg[$m]}" "$work/$m/seed$seed" "$seed" "${extra[@]}"
  done
done
