#!/usr/bin/env bash
# after q1 (pid 28181): HCFCN-32 with supervised assignments, seeds 0-2
while kill -0 28181 2>/dev/null; do sleep 20; done
cd /work/main
SEEDS="0 1 2" VARIANTS="hcfcn32-assign" bash benchmarks/hc_camvid_in1k.sh /work/shared/data/camvid work_dirs/hc_camvid_in1k
