#!/usr/bin/env bash
# Mutation testing of the core: cargo-mutants changes core/src one mutant at a time (an
# operator flipped, a return value replaced, a match arm deleted) and runs the tests that pin
# the core down; a mutant no test notices is a gap, or an equivalent listed with its reason in
# .cargo/mutants.toml. Prints the counts.
#
#   tests/mutants.sh -j 2                 # every mutant of core/src (about 1,350; 2.5 hours on 2 cores)
#   tests/mutants.sh --in-diff FILE.diff  # the mutants of changed lines (what CI runs)
#   tests/mutants.sh --shard 1/8          # a fixed eighth
#   tests/mutants.sh --install            # only install the pinned cargo-mutants
#
# Extra arguments go to cargo mutants. PROPTEST_CASES (default 256) sets the property tests'
# cases per mutant; each mutant gets at most 60 s of tests (about 10 s is usual; a hang is a
# caught mutant).
set -euo pipefail
cd "$(dirname "$0")/.."

version=27.1.0
if ! cargo mutants --version 2>/dev/null | grep -q " $version\$"; then
  cargo install cargo-mutants --version "$version" --locked
fi
[ "${1:-}" = --install ] && exit 0
export PROPTEST_CASES="${PROPTEST_CASES:-256}"
out=target/mutants
mkdir -p "$out"
status=0
# The core's own unit tests and doctests run with the workspace's tests of the core: the
# property tests against the reference decoder, the oracles, the contract, the fixtures.
# The test targets go to every cargo call (-C), so a mutant builds only them: linking the whole
# workspace's test binaries for each mutant took most of its time. No debug info, for the same
# reason. No baseline run: cargo-mutants 27.1 builds it without the --test-package list, so
# it cannot find the test targets; the check after the run stands in for it.
targets=()
for t in length_props format_props regressions json_props json_scanner_oracle contract \
  embedded_io protocol_fixtures; do
  targets+=(-C "--test=$t")
done
CARGO_PROFILE_DEV_DEBUG=0 cargo mutants --package unstick --baseline skip --timeout 60 \
  --output "$out" --test-package unstick --test-package unstick-tests "${targets[@]}" -C --lib \
  "$@" || status=$?
# cargo mutants exits 2 when mutants were missed, 3 on timeouts: the counts say which.
# A mutant changes only the core, so a test crate that fails to compile is the tree's fault,
# not the mutant's: without this check, a test that did not build once marked 190 mutants
# "unviable" without a word. Exit 5 then.
python3 - "$out/mutants.out" <<'PY' || status=$?
import json, os, sys
from collections import Counter
o = json.load(open(os.path.join(sys.argv[1], "outcomes.json")))
counts = Counter(x.get("summary", "?") for x in o["outcomes"] if x.get("scenario") != "Baseline")
total = sum(counts.values())
print(f"mutants: {total}  " + "  ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
for x in o["outcomes"]:
    if x.get("summary") == "MissedMutant":
        print("  missed: " + x["scenario"]["Mutant"]["name"])
broken = [
    x["scenario"]["Mutant"]["name"]
    for x in o["outcomes"]
    if x.get("summary") == "Unviable"
    and "could not compile `unstick-tests`" in open(os.path.join(sys.argv[1], x["log_path"])).read()
]
if broken:
    print(f"!!! {len(broken)} mutants unviable because the tests do not compile, first: {broken[0]}")
    print("!!! fix the tree (cargo test --no-run -p unstick-tests) and run again")
    sys.exit(5)
PY
exit "$status"
