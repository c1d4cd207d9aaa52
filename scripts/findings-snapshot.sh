#!/usr/bin/env bash
# Write the JSON report of every fixture, scenario, the shipped example and the real corpus into
# one directory, to compare two builds byte for byte across a refactor:
#   bash scripts/findings-snapshot.sh /tmp/before        # on the old commit
#   bash scripts/findings-snapshot.sh /tmp/after         # on the new one
#   diff -r /tmp/before /tmp/after && echo identical
# Uses the release binary (built if missing). CUTOVER_BIN overrides it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: findings-snapshot.sh OUTPUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
bin="${CUTOVER_BIN:-}"
if [[ -z "$bin" ]]; then
  (cd "$root" && cargo build --release --locked -q -p cutover)
  bin="$root/target/release/cutover"
fi
run() { # name dir args...
  local name="$1" dir="$2"; shift 2
  (cd "$dir" && "$bin" check --format json --fail-on never "$@" >"$out/$name.json" 2>"$out/$name.stderr") || true
}
for d in "$root"/test-corpus/rules/*/; do
  n="$(basename "$d")"
  for f in "$d"*; do
    case "$f" in *.expected) continue ;; esac
    [[ -f "$f" ]] || continue
    run "rules__${n}__$(basename "$f")" "$d" "$(basename "$f")"
  done
done
for d in "$root"/test-corpus/scenarios/*/; do
  run "scenario__$(basename "$d")" "$d" .
done
run "hostile" "$root/test-corpus/hostile" .
run "example-migration" "$root" examples/migration
if [[ -d "$root/../shared/corpus/real" ]]; then
  run "real-corpus" "$root/../shared/corpus/real" .
fi
echo "findings-snapshot: $(ls "$out" | grep -c '\.json$') reports in $out"
