#!/usr/bin/env bash
# Runs the Rust pricing bench and the numpy kernel back to back and prints the speed ratio.
# Usage: benches/pricing_vs_numpy.sh   (from anywhere; takes a minute or two)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import numpy' 2>/dev/null || { echo "numpy missing: pip install numpy" >&2; exit 2; }
rust_out=$(cargo bench --bench pricing -- --noplot 2>&1 | tee /dev/stderr)
numpy_out=$(python3 benches/numpy_baseline.py)
echo "$numpy_out"
rust_ns=$(echo "$rust_out" | sed -n 's/^RUST_NS_PER_GAME=\([0-9.]*\).*/\1/p')
pool_ns=$(echo "$rust_out" | sed -n 's/^RUST_NS_PER_GAME_POOL=\([0-9.]*\).*/\1/p')
threads=$(echo "$rust_out" | sed -n 's/^RUST_NS_PER_GAME_POOL=.* threads=\([0-9]*\).*/\1/p')
exact_ms=$(echo "$rust_out" | sed -n 's/^RUST_EXACT_SLATE_MS=\([0-9.]*\).*/\1/p')
check_ms=$(echo "$rust_out" | sed -n 's/^RUST_CHECK_SLATE_MS=\([0-9.]*\).*/\1/p')
numpy_ns=$(echo "$numpy_out" | sed -n 's/^NUMPY_NS_PER_GAME=\([0-9.]*\).*/\1/p')
numpy_check_ms=$(echo "$numpy_out" | sed -n 's/^NUMPY_CHECK_SLATE_MS=\([0-9.]*\).*/\1/p')
python3 - "$rust_ns" "$numpy_ns" "$exact_ms" "$pool_ns" "$threads" "$check_ms" "$numpy_check_ms" <<'PY'
import sys
rust, numpy, exact, pool, threads, check, npcheck = map(float, sys.argv[1:])
print(f"kernel: rust {rust:.2f} ns/game (1 thread), {pool:.2f} ns/game ({threads:.0f} threads) | numpy {numpy:.2f} ns/game | "
      f"ratio {numpy / rust:.1f}x (1 thread), {numpy / pool:.1f}x ({threads:.0f} threads)")
print(f"16-game slate, every market and scope: exact {exact:.2f} ms | exact + Monte Carlo check at 20k draws {check:.1f} ms "
      f"(check alone {check - exact:.1f} ms) | numpy twin of the check {npcheck:.1f} ms: {npcheck / max(check - exact, 1e-9):.0f}x")
PY
