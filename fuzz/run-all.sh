#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) one after the other, niced, each from
# its committed seeds (fuzz/corpus/TARGET, read only) into fuzz/corpus-run/TARGET (what
# the run adds; not committed). A crash stops that target's run and leaves its input in
# fuzz/artifacts/TARGET/; copy it to fuzz/regressions/TARGET/ once fixed (the workspace
# test crates/spor/tests/fuzz_inputs.rs runs every file there).
#
#   cargo install cargo-fuzz
#   fuzz/run-all.sh 600 [TARGET…]
#
# -s none: no AddressSanitizer. The code fuzzed forbids `unsafe`, the sanitizer needs
# nightly flags (RUSTC_BOOTSTRAP) and halves the executions; a panic, an allocation over
# the RSS limit or an input slower than the timeout is what is looked for.
# RUSTC_BOOTSTRAP=1: cargo-fuzz passes a few unstable flags to rustc; the stable 1.95
# toolchain takes them with it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv xlsx policy web_form)
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus-run/$t" "fuzz/artifacts/$t"
  echo "== $t: $seconds s"
  RUSTC_BOOTSTRAP=1 nice -n 10 cargo fuzz run -s none --codegen-units 16 "$t" \
    "fuzz/corpus-run/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    2>&1 | tee "fuzz/artifacts/$t/last-run.log" | grep -E "^#[0-9]+ +(DONE|INITED)|^stat::|ERROR|panicked|Test unit written" || true
done
