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
        u, a, t, m, mf = (ns(n) for n in ("unstick", "unstick-all", "tokio-util", "memcpy", "memcpy-frame"))
        if None in (u, a, t, m, mf):
            continue
        count = max((4 << 20) // (payload + 4), 4)
        stream = count * (payload + 4)
        rows.append((payload, chunk, count, stream, u, a, t, m, mf, ns("unstick-stream")))
print("Per cell: frames/s (GB/s of stream). `decode` = a decode() loop, `decode_all` = the callback API.")
print("Ratios are time(peer) / time(unstick): above 1 means unstick is faster.")
print()
print("| payload | chunk | unstick decode | unstick decode_all | unstick streaming | tokio-util | memcpy | memcpy-frame | decode/tokio | decode_all/tokio | streaming/tokio | decode_all/memcpy | decode_all/memcpy-frame |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
def cell(count, stream, t):
    return f"{count / t * 1e9:.3g} ({stream / t:.1f})"
for p, c, count, stream, u, a, t, m, mf, st in rows:
    s_cell = cell(count, stream, st) if st else "-"
    s_ratio = f"{t / st:.2f}x" if st else "-"
    print(f"| {p} | {c} | {cell(count, stream, u)} | {cell(count, stream, a)} | {s_cell} | {cell(count, stream, t)} | {stream / m:.1f} GB/s | {stream / mf:.1f} GB/s "
          f"| {t / u:.2f}x | {t / a:.2f}x | {s_ratio} | {m / a:.2f}x | {mf / a:.2f}x |")
PY
