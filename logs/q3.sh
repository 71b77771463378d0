#!/usr/bin/env bash
# after q1 (pid 28181): the speed table on the idle machine, then HCFCN-32 + assignment loss, seeds 0-2
while kill -0 28181 2>/dev/null; do sleep 15; done
cd /work/main
echo "speed $(date -u +%H:%M:%S) at $(git rev-parse --short HEAD)"
python benchmarks/hc_in1k_speed.py --rounds 5 --iters 3 --json docs/results/hc_camvid_in1k_speed.json 2>&1 | grep -v Warning | tail -12
echo "speed done $(date -u +%H:%M:%S)"
SEEDS="0 1 2" VARIANTS="hcfcn32-assign" bash benchmarks/hc_camvid_in1k.sh /work/shared/data/camvid work_dirs/hc_camvid_in1k
