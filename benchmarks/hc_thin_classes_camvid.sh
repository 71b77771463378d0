#!/usr/bin/env bash
# Why HCFCN-32 loses thin classes on CamVid (issue: HC against learned upsamplers, part 3):
# FCN-32 and HCFCN-32 (tau 0.07 fixed), then HCFCN-32 with a learnable tau, with hc_levels 1
# and 3, and HCFPN (decoding features instead of logits), all on the same schedule; then for
# every HC model the cluster diagnosis on val (tools/analysis/hc_thin_classes.py: per level
# and class the share of pixels whose argmax seed has another class, the share with no
# candidate seed of their class, the assignment entropy, and the decoding ceiling: per class
# the IoU of the ground truth's stride-32 shares decoded by bilinear, the own cell, the
# learned and the oracle assignment) into WORK_ROOT/<variant>/thin.json.
#   bash benchmarks/hc_thin_classes_camvid.sh [CAMVID_ROOT] [WORK_ROOT]
#   ITERS=3000 SEEDS="0 1 2" bash benchmarks/hc_thin_classes_camvid.sh ...   (the defaults)
# Finished runs are skipped, so re-running continues. The table:
#   python benchmarks/upsamplers_table.py WORK_ROOT
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-data/camvid}
. benchmarks/_check_camvid_root.sh
. benchmarks/_camvid_train.sh
work=${2:-work_dirs/hc_thin_classes_camvid}
it=${ITERS:-3000}
hc=configs/hc/hcfcn32_r18-v1c_1xb4-600i_camvid-256x256.py
declare -A variant=(
  [fcn32]="configs/hc/fcn32_r18-v1c_1xb4-600i_camvid-256x256.py"
  [hcfcn32]="$hc"
  [hcfcn32-learnable-tau]="$hc model.backbone.learnable_tau=True"
  [hcfcn32-levels1]="$hc model.backbone.hc_levels=1"
  [hcfcn32-levels3]="$hc model.backbone.hc_levels=3"
  [hcfpn]="configs/hc/hcfpn_r18-v1c_1xb4-600i_camvid-256x256.py"
)
names=${VARIANTS:-"fcn32 hcfcn32 hcfcn32-learnable-tau hcfcn32-levels1 hcfcn32-levels3 hcfpn"}
for seed in ${SEEDS:-0 1 2}; do
  for name in $names; do
    # shellcheck disable=SC2086  # the config, then its --cfg-options
    camvid_train ${variant[$name]%% *} "$work/$name/seed$seed" "$seed" \
      $( [ "${variant[$name]}" = "${variant[$name]%% *}" ] || echo "${variant[$name]#* }" )
  done
done
for name in $names; do
  ckpt=$work/$name/seed0/iter_$it.pth
  [ "$name" != fcn32 ] && [ -f "$ckpt" ] || continue
  cfg=$work/$name/seed0/$(basename "${variant[$name]%% *}")
  nice -n 5 python tools/analysis/hc_thin_classes.py "$cfg" "$ckpt" --data-root "$root" --ceiling \
    --json "$work/$name/thin.json" > "$work/$name/thin.txt"
  echo "== $name"; grep -E "^level|^decoding|^  [A-Za-z]" "$work/$name/thin.txt"
done
