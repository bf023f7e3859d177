#!/usr/bin/env bash
# Writes ffi/include/unstick.h from ffi/src/lib.rs with cbindgen (the version CI pins).
set -euo pipefail
cd "$(dirname "$0")"
cbindgen --config cbindgen.toml --crate unstick-ffi --output include/unstick.h
