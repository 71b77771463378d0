# Sourced by the CamVid comparisons after they set $root (CamVid) and $it (iterations):
#   camvid_train CONFIG DIR SEED [KEY=VALUE ...]
# trains CONFIG into DIR (log: DIR.log) on $root with $it iterations, one validation at the
# end, unless DIR/iter_$it.pth exists (so a comparison can be re-run to continue), and prints
# the validation row. DIR.commit records the commit it ran at. A run stopped part-way
# (checkpoints in DIR, no iter_$it.pth) resumes from its newest checkpoint; the log appends.
camvid_train() {
  local cfg=$1 dir=$2 seed=$3
  shift 3
  mkdir -p "$(dirname "$dir")"
  [ -f "$dir/iter_$it.pth" ] && return 0
  # a run stopped part-way continues from its newest checkpoint (not when the extra
  # options set load_from: --resume would then resume that file's run instead)
  local resume=()
  if compgen -G "$dir/iter_*.pth" > /dev/null && [[ " $* " != *" load_from="* ]]; then
    resume=(--resume)
  fi
  echo "== $(basename "$cfg" .py) $dir seed $seed $(date -u +%H:%M:%S) ${resume[*]}"
  # the commit that trained it (with -dirty when the tree had changes), read by the tables;
  # a resumed run lists both, "first+then"
  local commit
  commit=$(git describe --always --dirty --abbrev=7 2>/dev/null || echo '?')
  if [ ${#resume[@]} -gt 0 ] && [ -f "$dir.commit" ]; then
    commit="$(cat "$dir.commit")+$commit"
  fi
  echo "$commit" > "$dir.commit"
  nice -n 5 python tools/train.py "$cfg" --work-dir "$dir" "${resume[@]}" --cfg-options randomness.seed=$seed \
    train_dataloader.dataset.data_root="$root" val_dataloader.dataset.data_root="$root" \
    test_dataloader.dataset.data_root="$root" train_cfg.max_iters=$it \
    train_cfg.val_interval=$it param_scheduler.1.end=$it \
    default_hooks.checkpoint.interval=$(( it < 200 ? it : 200 )) "$@" \
    >> "$dir.log" 2>&1 || { echo "failed: $dir.log"; tail -5 "$dir.log"; }
  grep -E "Iter\(val\)" "$dir.log" | tail -1 || true  # none after a failed run
}
