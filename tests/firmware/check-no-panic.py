#!/usr/bin/env python3
"""Fails if any panic machinery is reachable from the firmware's decode calls.

Disassembles the image (Thumb or RISC-V), builds the static call graph (bl/b/cbz..., jal/j/
beqz... to named symbols) from
every `unstick_firmware::stack::call::<..>` instance (each wraps exactly one decode call:
`LengthDecoder::decode`, `eio::read_event` over the in-memory reader, `JsonHeaderDecoder::decode`)
and reports any reachable function from `core::panicking` or the slice/index/unwrap failure
paths. Indirect calls are listed: the decoders make none, and a new one would need a look.

usage: check-no-panic.py LLVM_OBJDUMP ELF [ROOTS]  (ROOTS: decode wrappers expected, default 3)
"""

import re
import subprocess
import sys

objdump, elf = sys.argv[1], sys.argv[2]
text = subprocess.run(
    [objdump, "-d", "-C", "--no-show-raw-insn", elf], check=True, capture_output=True, text=True
).stdout

func_re = re.compile(r"^[0-9a-f]+ <(.+)>:$")
# Thumb (Cortex-M) and RISC-V branches and calls to a named target.
call_re = re.compile(
    r"\s(bl|blx|b|b\.w|beq|bne|bhs|blo|bhi|bls|bge|blt|bgt|ble|cbz|cbnz|bcs|bcc|bmi|bpl"
    r"|jal|jalr|j|call|tail|beqz|bnez|bltz|bgez|blez|bgtz|bltu|bgeu)(\.w|\.n)?\s+.*<(.+?)(\+0x[0-9a-f]+)?>"
)
# Calls through a register. A jump through one (`mov pc, rN` on Cortex-M0, `jr` on RISC-V)
# is how those compile a jump table, within the function: not a call.
indirect_re = re.compile(r"\b(blx|bx)\s+r\d+|\sjalr\s+[a-z0-9]+$")

calls, indirect, current = {}, {}, None
for line in text.splitlines():
    m = func_re.match(line.strip())
    if m:
        current = m.group(1)
        calls.setdefault(current, set())
        continue
    if current is None:
        continue
    c = call_re.search(line)
    # A call or tail call enters a function at its start. A branch into the middle of another
    # function is padding or a literal pool after a return, decoded as an instruction.
    if c and c.group(3) != current and c.group(4) is None:
        calls[current].add(c.group(3))
    elif indirect_re.search(line) and "bx\tlr" not in line and "bx lr" not in line:
        indirect.setdefault(current, []).append(line.strip())

roots = [f for f in calls if f.startswith("unstick_firmware::stack::call::")]
if len(roots) != int(sys.argv[3] if len(sys.argv) > 3 else 3):
    sys.exit(f"expected the decode wrappers (stack::call instances), found {roots}")

forbidden = re.compile(
    r"panic|slice_index_fail|slice_start_index|slice_end_index|index_order_fail|len_mismatch"
    r"|unwrap_failed|expect_failed|assert_failed|unreachable|abort"
)
seen, stack, parent = set(roots), list(roots), {}
while stack:
    f = stack.pop()
    if forbidden.search(f):
        continue  # report it; what it calls is beside the point
    for g in calls.get(f, ()):
        if g not in seen:
            seen.add(g)
            parent[g] = f
            stack.append(g)

bad = sorted(f for f in seen if forbidden.search(f))
for f in bad:
    path, g = [f], f
    while g in parent:
        g = parent[g]
        path.append(g)
    print("reachable panic path: " + " <- ".join(path))
ind = {f: v for f, v in indirect.items() if f in seen}
for f, lines in ind.items():
    path, g = [f], f
    while g in parent:
        g = parent[g]
        path.append(g)
    print(f"indirect call in {f}: {lines[0]}; reached by " + " <- ".join(path[1:]))
print(f"decode paths: {len(roots)} roots, {len(seen)} reachable functions, {len(bad)} panic paths, {len(ind)} with indirect calls")
sys.exit(1 if bad or ind else 0)
