#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md, one after another (the machine is shared: never two at once).
# Results (JSON without per-turn samples, and the printed tables) go to bench/results/. ~45 minutes.
#   bench/run_all.sh            # everything
#   bench/run_all.sh load       # only the steps whose name contains "load"
set -uo pipefail  # a failed step is reported in its results file; the next one still runs
cd "$(dirname "$0")/.."
PY=.venv/bin/python
OUT=bench/results
FIXES=dispatch,tts_pool,persistent_db
only="${1:-}"

step() {
  local name="$1"; shift
  if [[ -n "$only" && "$name" != *"$only"* ]]; then return; fi
  echo "== $name: $* (load avg: $(cut -d' ' -f1-3 /proc/loadavg))" | tee "$OUT/$name.txt"
  "$@" 2>&1 | grep -v "^  log: .* INFO " | tee -a "$OUT/$name.txt"
}

for n in 1 2 3; do
  step "latency-$n" $PY bench/latency.py --turns 20
done
step load-1proc $PY bench/load.py --levels 1,10,50,100,200 --repeats 3 --out $OUT/load-1proc.json
step load-1proc-fixes $PY bench/load.py --levels 1,10,50,100,200 --repeats 3 --patches $FIXES \
  --out $OUT/load-1proc-fixes.json
step load-2proc-unpatched $PY bench/load.py --servers 2 --postgres --redis --levels 10 --repeats 3 \
  --out $OUT/load-2proc-unpatched.json
step load-1proc-staggered $PY bench/load.py --levels 100 --repeats 3 --ramp-seconds 5 \
  --out $OUT/load-1proc-staggered.json
step load-1proc-staggered-fixes $PY bench/load.py --levels 100 --repeats 3 --ramp-seconds 5 --patches $FIXES \
  --out $OUT/load-1proc-staggered-fixes.json
step load-1proc-staggered-dispatch $PY bench/load.py --levels 100 --repeats 3 --ramp-seconds 5 --patches dispatch \
  --out $OUT/load-1proc-staggered-dispatch.json
step load-1proc-pg-redis $PY bench/load.py --postgres --redis --levels 50,100 --repeats 3 \
  --patches redis_timeout --out $OUT/load-1proc-pg-redis.json
step load-2proc-pg-redis $PY bench/load.py --servers 2 --postgres --redis --levels 50,100 --repeats 3 \
  --patches redis_timeout --out $OUT/load-2proc-pg-redis.json
step profile-100 $PY bench/load.py --levels 100 --repeats 0 --profile-level 100 \
  --profile-out $OUT/profile-100.raw.txt --out $OUT/profile-100.json
step profile-100-summary $PY bench/profile_summary.py $OUT/profile-100.raw.txt
step profile-100-fixes $PY bench/load.py --levels 100 --repeats 0 --profile-level 100 --patches $FIXES \
  --profile-out $OUT/profile-100-fixes.raw.txt --out $OUT/profile-100-fixes.json
step profile-100-fixes-summary $PY bench/profile_summary.py $OUT/profile-100-fixes.raw.txt
step sdk-cost $PY bench/sdk_cost.py --calls 200
step memory $PY bench/memory.py --repeats 3 --out $OUT/memory.json
step local $PY bench/local_engines.py --repeats 3 --out $OUT/local.json
for n in 1 2 3; do
  step "latency-fixes-$n" $PY bench/latency.py --turns 20 --patches $FIXES
done
