#!/usr/bin/env bash
# Paired A/B of the length decoder against the release before frame formats (fa5884c): both
# crates linked into one program, old and new alternating over the same stream, and the
# median of the per-round time ratios printed per cell (it cancels the drift that makes
# separate benchmark runs on a shared machine differ by tens of percent).
#
#   tests/ab/run.sh [rounds]      (default 41; about a minute per 10 rounds)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="${AB_DIR:-${TMPDIR:-/tmp}/unstick-ab}"
base=fa5884c
mkdir -p "$work"
if [ ! -d "$work/old" ]; then
  git -C "$repo" worktree add --detach "$work/old" "$base" >/dev/null
fi
# Two packages named `unstick` need different versions to be linked together.
sed -i 's/^version.workspace = true/version = "0.0.1-old"/' "$work/old/core/Cargo.toml"
mkdir -p "$work/pair/src"
cp "$repo/tests/ab/decode.rs" "$work/pair/src/main.rs"
cat > "$work/pair/Cargo.toml" <<TOML
[package]
name = "pair"
version = "0.0.0"
edition = "2024"
[dependencies]
unew = { package = "unstick", path = "$repo/core" }
uold = { package = "unstick", path = "$work/old/core" }
[workspace]
TOML
cargo build --release --quiet --manifest-path "$work/pair/Cargo.toml"
export GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=4294967295
"$work/pair/target/release/pair" "${1:-41}"
