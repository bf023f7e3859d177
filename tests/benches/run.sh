#!/usr/bin/env bash
# Runs the decode benchmark and prints frames/s, GB/s and ratios per cell.
# glibc's rep-movsb memcpy collapses on these machines when source and destination differ by
# 1-16 bytes modulo 4096; the tunable turns it off so figures do not depend on buffer placement.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=4294967295
cargo bench -p unstick-tests --bench decode -- "$@"
python3 - <<'PY'
import json, pathlib
root = pathlib.Path("target/criterion")
rows = []
for payload in [16, 256, 4096, 65536, 1048576]:
    for chunk in [1460, 16384, 65536]:
        group = f"decode_{payload}B_chunk{chunk}"
        def ns(name):
            p = root / group / name / "new" / "estimates.json"
            return json.loads(p.read_text())["median"]["point_estimate"] if p.exists() else None
        u, t, m, mf = ns("unstick"), ns("tokio-util"), ns("memcpy"), ns("memcpy-frame")
        if None in (u, t, m, mf):
            continue
        count = max((4 << 20) // (payload + 4), 4)
        stream = count * (payload + 4)
        rows.append((payload, chunk, count / u * 1e9, stream / u, count / t * 1e9, stream / t, stream / m, stream / mf, t / u, m / u, mf / u))
print("| payload | chunk | unstick frames/s | unstick GB/s | tokio frames/s | tokio GB/s | memcpy GB/s | memcpy-frame GB/s | unstick/tokio | unstick/memcpy | unstick/memcpy-frame |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for p, c, uf, ug, tf, tg, mg, mfg, rt, rm, rmf in rows:
    print(f"| {p} | {c} | {uf:.3e} | {ug:.2f} | {tf:.3e} | {tg:.2f} | {mg:.2f} | {mfg:.2f} | {rt:.2f}x | {rm:.2f}x | {rmf:.2f}x |")
PY
