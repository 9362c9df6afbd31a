#!/usr/bin/env bash
# Fuzzes the parsers a client's text reaches (issue 11), each target for a bounded time:
#
#   cql2_text        `filter` as CQL2-Text, and `bbox`, `datetime` and property equality, parsed and
#                    translated to SQL for every collection, geometry literals in every CRS
#   cql2_json        `filter` as CQL2-JSON, the same way
#   geojson_outline  a write's body (a GeoJSON Feature or a merge patch) as the server reads it:
#                    its properties checked for plots and buildings, its geometry (or the body
#                    as a geometry, and as the importer's GeoJSON text) read in every CRS
#
# The targets are in fuzz/ (cargo-fuzz, libFuzzer); none needs a database. A finding is a
# panic, an input that takes over 10 s (a hang), over 1 GiB in one allocation or 2 GiB in all,
# or translated SQL with unbalanced parentheses or an unbound value; an error answer is fine.
# Not part of `make test`: the instrumented build takes several minutes.
#
#   scripts/fuzz.sh [SECONDS [TARGET...]]   SECONDS per target (default 60), all targets by default
#
#   FUZZ_SANITIZER  address (default) or none
#   FUZZ_MAX_LEN    the longest input tried, in bytes (default 16384)
#
# Needs cargo-fuzz (installed from crates.io when missing). It runs on stable Rust: the
# nightly flags it passes are allowed by RUSTC_BOOTSTRAP=1. New inputs that reach new code
# go to fuzz/corpus-grown/ (not tracked; the seeds in fuzz/corpus/ are), a crashing input to
# fuzz/artifacts/TARGET/; `cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-…` replays it.
# Prints executions, coverage and findings per target; exits 1 when a target found something.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
say() { echo "fuzz: $*" >&2; }

seconds=${1:-60}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(cql2_text cql2_json geojson_outline)
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { say "SECONDS must be a whole number above 0"; exit 2; }
sanitizer=${FUZZ_SANITIZER:-address}
max_len=${FUZZ_MAX_LEN:-16384}

# The fuzz crate builds into its own fuzz/target with its own instrumentation.
unset CARGO_TARGET_DIR
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

say "building ${targets[*]} (sanitizer: $sanitizer)"
for t in "${targets[@]}"; do
  cargo fuzz build --sanitizer "$sanitizer" "$t"
done

summary=()
failed=0
for t in "${targets[@]}"; do
  grown=fuzz/corpus-grown/$t
  mkdir -p "$grown" "fuzz/artifacts/$t"
  log=fuzz/artifacts/$t.log
  say "running $t for $seconds s"
  start=$(date +%s)
  set +e
  # The first corpus folder is where libFuzzer writes; the seeds are only read.
  cargo fuzz run --sanitizer "$sanitizer" "$t" "$grown" "fuzz/corpus/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -max_len="$max_len" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  took=$(($(date +%s) - start))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")
  if [[ $rc -eq 0 ]]; then
    verdict="no crash"
  else
    failed=1
    what=$(grep -m1 -E '^==[0-9]+== ?ERROR|panicked at|deadly signal|ERROR: libFuzzer' "$log" || echo "exit $rc")
    artifact=$(sed -nE 's/.*Test unit written to (.*)/\1/p' "$log" | tail -1)
    verdict="FOUND: $what${artifact:+ (input: $artifact)}"
    tail -40 "$log" >&2
  fi
  summary+=("$(printf '%-16s %4s s  %10s runs  %6s/s  cov %-5s ft %-6s corpus %-5s rss %4s MB  %s' \
    "$t" "$took" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}" "$verdict")")
done

echo
echo "fuzz: $seconds s per target, sanitizer $sanitizer, inputs up to $max_len bytes"
printf '%s\n' "${summary[@]}"
exit $failed
