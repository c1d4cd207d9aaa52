#!/usr/bin/env bash
# Run every fuzz target for SECONDS_PER_TARGET seconds (default 600), JOBS targets at a time
# (default 2), from the seed corpora (run ./seed.sh first). Logs go to fuzz/logs/<target>.log;
# crashes to fuzz/artifacts/<target>/. Needs cargo-fuzz; on a stable toolchain it sets
# RUSTC_BOOTSTRAP=1 so that the sanitizer flags cargo-fuzz passes are accepted.
set -uo pipefail
cd "$(dirname "$0")"
secs="${SECONDS_PER_TARGET:-600}"
jobs="${JOBS:-2}"
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(yaml json embedded classify tfref hcl tfeval)
export RUSTC_BOOTSTRAP=1
cargo fuzz build || exit 2
mkdir -p logs
run() {
  local t="$1"
  mkdir -p "corpus/$t"
  cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -max_len=16384 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 >"logs/$t.log" 2>&1
  echo "$t: exit $? after $(grep -c . "logs/$t.log") log lines; $(grep -E 'stat::number_of_executed_units' "logs/$t.log" | tr -s ' ')"
}
running=0
for t in "${targets[@]}"; do
  run "$t" &
  running=$((running + 1))
  if [[ $running -ge $jobs ]]; then
    wait -n
    running=$((running - 1))
  fi
done
wait
