#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 30) each, starting from the committed seeds.
#
#   fuzz/run.sh [SECONDS]
#
# New inputs go to fuzz/corpus/<target>/ (git-ignored); a failure leaves its input in
# fuzz/artifacts/<target>/ and makes this script exit non-zero. Needs the nightly
# toolchain; installs cargo-fuzz if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: fuzz/run.sh [SECONDS]   (SECONDS: a positive integer, default 30)" >&2
    exit 2
fi

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

cargo +nightly fuzz build

# Per-target libFuzzer flags. ring_concurrent, queue_concurrent, stack_concurrent,
# priority_concurrent and lock_concurrent read at most 1 + 3 * 48 bytes, and their interesting inputs are the
# long ones: let inputs reach that length at once.
flags_for() {
    case $1 in
        ring_concurrent | queue_concurrent | stack_concurrent | priority_concurrent | lock_concurrent)
            echo "-max_len=145 -len_control=0"
            ;;
        *) echo "" ;;
    esac
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
summary=()
for target in $(cargo +nightly fuzz list); do
    mkdir -p "fuzz/corpus/$target" "fuzz/seeds/$target"
    printf '\n=== fuzzing %s for %ss\n' "$target" "$seconds"
    # -timeout: an input that runs this long is reported as a hang (a lost wake-up).
    # shellcheck disable=SC2046 # the flags are meant to split into words
    if cargo +nightly fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 $(flags_for "$target") 2>&1 | tee "$log"; then
        summary+=("$target: ok, $(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)")
    else
        status=1
        summary+=("$target: FAILED (input saved under fuzz/artifacts/$target/)")
    fi
done

printf '\n=== summary\n'
printf '%s\n' "${summary[@]}"
exit "$status"
