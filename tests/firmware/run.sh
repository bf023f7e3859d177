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

# The C API in a C firmware: the staticlib (opt-level "s", LTO) linked by arm-none-eabi-gcc into
# the C test program (newlib, semihosting) and into a minimal frame-reading C program.
lib_dir=target/ffi/thumbv7m-none-eabi/release
CARGO_PROFILE_RELEASE_OPT_LEVEL=s CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
  cargo build --manifest-path ../../Cargo.toml -p unstick-ffi --lib --release --locked --quiet \
  --target thumbv7m-none-eabi --target-dir target/ffi 2>&1 | { grep -v "dropping unsupported crate type" || true; }
cc_arm=(arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -Os -std=c99 -Wall -Wextra -Werror
        -ffunction-sections -fdata-sections -I ../../ffi/include --specs=rdimon.specs -nostartfiles
        -T c/link.ld -Wl,--gc-sections -Wl,--no-warn-execstack)
mkdir -p target/c
"${cc_arm[@]}" -DUNSTICK_SMALL c/startup.c ../../ffi/tests/c/test.c "$lib_dir/libunstick_ffi.a" -o target/c/test.elf
out=$(timeout 120 "${qemu[@]}" target/c/test.elf 2>&1) || { echo "$out"; echo "C firmware FAILED under QEMU"; exit 1; }
grep -q "RESULT: PASS" <<<"$out" || { echo "$out"; echo "C firmware did not pass"; exit 1; }
echo "C firmware (ffi/tests/c/test.c on the Cortex-M3): $(grep checks <<<"$out"), RESULT: PASS"
declare -A cflash
for v in with without; do
  def=(); [[ $v == with ]] && def=(-DWITH_UNSTICK)
  "${cc_arm[@]}" "${def[@]}" c/startup.c c/probe.c "$lib_dir/libunstick_ffi.a" -o "target/c/probe-$v.elf"
  timeout 60 "${qemu[@]}" "target/c/probe-$v.elf" 2>&1 | grep -q "frames: 3" || { echo "C probe ($v unstick) failed"; exit 1; }
  read -r text rodata < <(arm-none-eabi-size -A "target/c/probe-$v.elf" | awk '$1==".text"{t=$2} $1==".rodata"{r=$2} END{print t, r}')
  cflash[$v]=$((text + rodata))
done
echo
echo "Flash unstick's C API adds to a minimal C program reading frames (arm-none-eabi-gcc -Os, newlib):"
echo
echo "| image (thumbv7m-none-eabi) | flash |"
echo "|---|---|"
echo "| C program without unstick (baseline) | ${cflash[without]} B |"
echo "| + unstick C API (decoder, any format at run time) | +$((cflash[with] - cflash[without])) B |"

echo
echo "firmware: every variant passed under QEMU; no panic path reachable from any decode call; the C firmware passed"
