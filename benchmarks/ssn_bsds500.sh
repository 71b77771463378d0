#!/usr/bin/env bash
# HC paper Sec. 4.3 (Figs. 8-9), CPU-sized: SSN and HCSSN trained on BSDS500 train for each
# seed (configs/ssn/*_1xb8-500i: the paper's protocol, 500 iterations), the superpixel FCN
# trained once on train (configs/ti/spixelfcn, its val half pointed at train), then all of
# them and SLIC scored on BSDS500 val against the number of superpixels: ASA, BR, BP, UE and
# the measured count N per method, seed and K, with the seeds' mean, as JSON.
#   bash benchmarks/ssn_bsds500.sh [BSDS_ROOT] [WORK] [ITERS] [FCN_ITERS] [SEEDS]
# defaults: data/bsds500 work_dirs/ssn_bsds500 500 1000 "0 1 2"; environment: COUNTS (the
# K values, "200 400 600 800 1000"), NUM (val images scored, 100 = all; the trainings'
# own end-of-run validation uses as many), OMP_NUM_THREADS (1).
# A training whose last checkpoint exists is skipped, so the script can be re-run to continue.
# Results: WORK/curves.json and WORK/curves.md (the printed table), WORK/fig10/*.png (the
# paper's Fig. 10, first seed); logs next to each run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-data/bsds500}
work=${2:-work_dirs/ssn_bsds500}
it=${3:-500}
fcn_it=${4:-1000}
seeds=${5:-"0 1 2"}
counts=${COUNTS:-"200 400 600 800 1000"}
num=${NUM:-100}
[ -d "$root/images/train" ] && [ -d "$root/images/val" ] || {
  echo "BSDS500 not found at $root (images/train, images/val): see docs/datasets.md" >&2
  exit 2
}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

# train CONFIG DIR SEED ITERS [KEY=VALUE ...]: one training into DIR (log DIR.log, commit
# DIR.commit), skipped when DIR/iter_ITERS.pth exists
train() {
  local cfg=$1 dir=$2 seed=$3 n=$4
  shift 4
  [ -f "$dir/iter_$n.pth" ] && return 0
  mkdir -p "$dir"
  echo "== $(basename "$cfg" .py) seed $seed, $n iterations, $(date -u +%H:%M:%S)"
  git describe --always --dirty --abbrev=7 > "$dir.commit" 2>/dev/null || rm -f "$dir.commit"
  nice -n 5 python tools/train.py "$cfg" --work-dir "$dir" --cfg-options randomness.seed="$seed" \
    val_dataloader.dataset.data_root="$root" test_dataloader.dataset.data_root="$root" \
    val_dataloader.dataset.indices="$num" train_cfg.max_iters="$n" train_cfg.val_interval="$n" \
    default_hooks.checkpoint.interval="$n" "$@" > "$dir.log" 2>&1 \
    || { echo "failed: $dir.log" >&2; tail -5 "$dir.log" >&2; exit 1; }
  grep -E "Iter\(val\)" "$dir.log" | tail -1 || true
}

for seed in $seeds; do
  for m in ssn hcssn; do
    train "configs/ssn/${m}_1xb8-500i_bsds500-208x208.py" "$work/$m/seed$seed" "$seed" "$it" \
      train_dataloader.dataset.data_root="$root" param_scheduler.0.T_max="$it" \
      param_scheduler.0.end="$it"
  done
done
# the superpixel FCN on train only: its config's second training set (val) pointed at train;
# its 50 warm-up iterations (fewer for a short check run)
warm=$(( fcn_it > 100 ? 50 : (fcn_it + 1) / 2 ))
train configs/ti/spixelfcn_1xb8-1k_bsds500-208x208.py "$work/fcn" 0 "$fcn_it" \
  param_scheduler.0.end="$warm" param_scheduler.1.begin="$warm" \
  train_dataloader.dataset.datasets.0.data_root="$root" \
  train_dataloader.dataset.datasets.1.data_root="$root" \
  train_dataloader.dataset.datasets.1.data_prefix.img_path=images/train \
  train_dataloader.dataset.datasets.1.data_prefix.seg_map_path=groundTruth/train \
  param_scheduler.1.end="$fcn_it"

ssn=() hcssn=()
for seed in $seeds; do
  ssn+=("$work/ssn/seed$seed/iter_$it.pth")
  hcssn+=("$work/hcssn/seed$seed/iter_$it.pth")
done
# shellcheck disable=SC2086  # COUNTS is a list
python benchmarks/superpixel_curves_bsds500.py "$work/fcn/iter_$fcn_it.pth" \
  --methods SLIC FCN SSN HCSSN --ssn "${ssn[@]}" --hcssn "${hcssn[@]}" --counts $counts \
  --num "$num" --data-root "$root" --out "$work/curves.json" | tee "$work/curves.md"

# Fig. 10: leakage of the first seed's HCSSN (left) and SSN on the first 5 val images, K = 600
first=${seeds%% *}
python tools/analysis/show_undersegmentation.py \
  --model HCSSN configs/ssn/hcssn_1xb8-500i_bsds500-208x208.py "$work/hcssn/seed$first/iter_$it.pth" \
  --model SSN configs/ssn/ssn_1xb8-500i_bsds500-208x208.py "$work/ssn/seed$first/iter_$it.pth" \
  --data-root "$root" --num 5 --count 600 --out-dir "$work/fig10"
