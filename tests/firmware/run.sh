#!/usr/bin/env bash
# Builds the firmware in every feature variant at opt-level "s" and "z", runs each under QEMU
# (lm3s6965evb, semihosting), checks that no panic path is reachable from any decode call, and
# prints the flash table (.text + .rodata, minus the same harness without unstick).
#
# Needs: rustup target thumbv7m-none-eabi, rustup component llvm-tools, qemu-system-arm.
set -euo pipefail
cd "$(dirname "$0")"

host=$(rustc -vV | sed -n 's/^host: //p')
tools="$(rustc --print sysroot)/lib/rustlib/$host/bin"
qemu=(qemu-system-arm -cpu cortex-m3 -machine lm3s6965evb -nographic
      -semihosting-config enable=on,target=native -kernel)

variants=("baseline:" "decoder:decoder" "decoder, format chosen at run time:runtime-format" "decoder, LEB128 varint:varint" "decoder, head + adjustment:headed" "decoder+encoder:encoder" "decoder+json:json" "all:decoder,encoder,json")
declare -A flash
for opt in s z; do
  for v in "${variants[@]}"; do
    name=${v%%:*}; feats=${v#*:}
    dir="target/size/$opt"  # shared by the variants: dependencies build once per opt-level
    args=(--release --locked --quiet --target-dir "$dir" --no-default-features)
    [[ -n $feats ]] && args+=(--features "$feats")
    CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt cargo build "${args[@]}" --bins
    bin="$dir/thumbv7m-none-eabi/release"
    # The checker: must pass under QEMU, and no decode call may reach a panic.
    out=$(timeout 60 "${qemu[@]}" "$bin/unstick-firmware" 2>&1) \
      || { echo "$out"; echo "firmware $opt-$name FAILED under QEMU"; exit 1; }
    grep -q "RESULT: PASS" <<<"$out" || { echo "$out"; echo "firmware $opt-$name did not pass"; exit 1; }
    if [[ $name != baseline ]]; then
      # Two decode calls (read_event, decode) for each of the four decoder types checked.
      roots=8; [[ $feats == *json* ]] && roots=9
      python3 check-no-panic.py "$tools/llvm-objdump" "$bin/unstick-firmware" "$roots" >/dev/null \
        || { python3 check-no-panic.py "$tools/llvm-objdump" "$bin/unstick-firmware" "$roots"; echo "panic path in $opt-$name"; exit 1; }
    fi
    if [[ $opt == s && $name == all ]]; then grep -v "Timer with period zero" <<<"$out"; fi
    # The probe: flash is .text + .rodata (the vector table is the same in every image).
    timeout 60 "${qemu[@]}" "$bin/probe" >/dev/null 2>&1 || { echo "probe $opt-$name failed"; exit 1; }
    read -r text rodata < <("$tools/llvm-size" -A "$bin/probe" | awk '$1==".text"{t=$2} $1==".rodata"{r=$2} END{print t, r}')
    flash["$opt-$name"]=$((text + rodata))
  done
done

echo
echo "Flash unstick adds to a minimal frame-reading program (probe minus the same program without unstick):"
echo
echo "| image (thumbv7m-none-eabi, LTO) | opt-level \"s\" | opt-level \"z\" |"
echo "|---|---|---|"
for v in "${variants[@]}"; do
  name=${v%%:*}
  if [[ $name == baseline ]]; then
    echo "| program without unstick (baseline) | ${flash[s-baseline]} B | ${flash[z-baseline]} B |"
  elif [[ $name != all ]]; then
    echo "| + $name | +$((flash["s-$name"] - flash[s-baseline])) B | +$((flash["z-$name"] - flash[z-baseline])) B |"
  fi
done
echo
echo "firmware: every variant passed under QEMU; no panic path reachable from any decode call"
