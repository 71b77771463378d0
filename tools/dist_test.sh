#!/usr/bin/env bash
# Distributed testing over torchrun: bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [options]
# Several machines: NNODES, NODE_RANK, MASTER_ADDR and PORT, as for dist_train.sh.
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
here="$(cd "$(dirname "$0")" && pwd)"
PYTHONPATH="$here/..:${PYTHONPATH:-}" exec "${PYTHON:-python}" -m torch.distributed.run \
  --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
  --nproc_per_node="$GPUS" --master_port="$PORT" \
  "$here/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
