# Sourced by the CamVid benchmarks after they set $root: stop with exit 2 and say how to
# prepare CamVid when $root has no train.txt.
[ -f "$root/train.txt" ] || { echo "CamVid not found at $root (no train.txt): prepare data/camvid" \
  "with tools/dataset_converters/camvid.py (docs/datasets.md) or pass its folder as CAMVID_ROOT" >&2; exit 2; }
