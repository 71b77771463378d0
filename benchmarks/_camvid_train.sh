# Sourced by the CamVid comparisons after they set $root (CamVid) and $it (iterations):
#   camvid_train CONFIG DIR SEED [KEY=VALUE ...]
# trains CONFIG into DIR (log: DIR.log) on $root with $it iterations, one validation at the
# end, unless DIR/iter_$it.pth exists (so a comparison can be re-run to continue), and prints
# the validation row. DIR.commit records the commit it ran at.
camvid_train() {
  local cfg=$1 dir=$2 seed=$3
  shift 3
  mkdir -p "$(dirname "$dir")"
  [ -f "$dir/iter_$it.pth" ] && return 0
  echo "== $(basename "$cfg" .py) $dir seed $seed $(date -u +%H:%M:%S)"
  # the commit that trained it (with -dirty when the tree had changes), read by the tables
  git describe --always --dirty --abbrev=7 > "$dir.commit" 2>/dev/null || rm -f "$dir.commit"
  nice -n 5 python tools/train.py "$cfg" --work-dir "$dir" --cfg-options randomness.seed=$seed \
    train_dataloader.dataset.data_root="$root" val_dataloader.dataset.data_root="$root" \
    test_dataloader.dataset.data_root="$root" train_cfg.max_iters=$it \
    train_cfg.val_interval=$it param_scheduler.1.end=$it \
    default_hooks.checkpoint.interval=$(( it < 200 ? it : 200 )) "$@" \
    > "$dir.log" 2>&1 || { echo "failed: $dir.log"; tail -5 "$dir.log"; }
  grep -E "Iter\(val\)" "$dir.log" | tail -1 || true  # none after a failed run
}
