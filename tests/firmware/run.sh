#!/usr/bin/env bash
# Builds the firmware in every feature variant at opt-level "s" and "z", runs each under QEMU
# (lm3s6965evb, semihosting), checks that no panic path is reachable from any decode call, and
# prints the flash table (.text + .rodata, minus the same harness without unstick).
#
# Then the same checks, flash and stack on a Cortex-M0 (QEMU microbit) and a RISC-V core (QEMU
# virt, riscv32imc).
#
# Needs: rustup targets thumbv7m-none-eabi, thumbv6m-none-eabi, riscv32imc-unknown-none-elf,
# rustup component llvm-tools, qemu-system-arm, qemu-system-riscv32 (Debian qemu-system-misc),
# and for the C firmware arm-none-eabi-gcc with newlib (Debian gcc-arm-none-eabi,
# libnewlib-arm-none-eabi).
set -euo pipefail
cd "$(dirname "$0")"

host=$(rustc -vV | sed -n 's/^host: //p')
tools="$(rustc --print sysroot)/lib/rustlib/$host/bin"
qemu=(qemu-system-arm -cpu cortex-m3 -machine lm3s6965evb -nographic
      -semihosting-config enable=on,target=native -kernel)

declare -A flash
# Builds variant NAME (features FEATS) for TARGET at OPT into target/size/KEY, runs the checker
# under QEMU (the machine in the array `q`), which must pass, checks that no decode call can
# reach a panic, and records the probe's flash as flash[KEY-NAME]; the checker's output is left
# in $out.
variant() {
  local target=$1 opt=$2 key=$3 name=$4 feats=$5
  local dir="target/size/$key"  # shared by the variants: dependencies build once per key
  local args=(--release --locked --quiet --target "$target" --target-dir "$dir" --no-default-features)
  [[ -n $feats ]] && args+=(--features "$feats")
  CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt cargo build "${args[@]}" --bins
  local bin="$dir/$target/release"
  out=$(timeout 60 "${q[@]}" "$bin/unstick-firmware" 2>&1) \
    || { echo "$out"; echo "firmware $key $name FAILED under QEMU"; exit 1; }
  grep -q "RESULT: PASS" <<<"$out" || { echo "$out"; echo "firmware $key $name did not pass"; exit 1; }
  if [[ $name != baseline ]]; then
    # Two decode calls (read_event, decode) for each of the four decoder types checked.
    local roots=8; [[ $feats == *json* ]] && roots=9
    python3 check-no-panic.py "$tools/llvm-objdump" "$bin/unstick-firmware" "$roots" >/dev/null \
      || { python3 check-no-panic.py "$tools/llvm-objdump" "$bin/unstick-firmware" "$roots"; echo "panic path in $key $name"; exit 1; }
  fi
  # The probe: flash is .text + .rodata (the vector table is the same in every image).
  timeout 60 "${q[@]}" "$bin/probe" >/dev/null 2>&1 || { echo "probe $key $name failed"; exit 1; }
  local text rodata
  read -r text rodata < <("$tools/llvm-size" -A "$bin/probe" | awk '$1==".text"{t=$2} $1==".rodata"{r=$2} END{print t, r}')
  flash["$key-$name"]=$((text + rodata))
}

variants=("baseline:" "decoder:decoder" "decoder, format chosen at run time:runtime-format" "decoder, LEB128 varint:varint" "decoder, head + adjustment:headed" "decoder+encoder:encoder" "decoder+json:json" "all:decoder,encoder,json")
q=("${qemu[@]}")
for opt in s z; do
  for v in "${variants[@]}"; do
    variant thumbv7m-none-eabi "$opt" "$opt" "${v%%:*}" "${v#*:}"
    if [[ $opt == s && ${v%%:*} == all ]]; then grep -v "Timer with period zero" <<<"$out"; v7m_all=$out; fi
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

# The smallest Cortex-M (M0: no unaligned access, no divide) and RISC-V: the same checks, and
# flash and RAM at opt-level "s".
declare -A machine=(
  [thumbv6m-none-eabi]="qemu-system-arm -machine microbit"
  [riscv32imc-unknown-none-elf]="qemu-system-riscv32 -machine virt -bios none"
)
small_variants=("baseline:" "decoder:decoder" "decoder, format chosen at run time:runtime-format" "decoder+json:json" "all:decoder,encoder,json")
declare -A ram
# The decoder sizes and peak stacks the full firmware printed.
ram_of() {
  ram["$1-state"]=$(sed -n 's/^LengthDecoder state: \([0-9]*\) B.*/\1/p' <<<"$2")
  ram["$1-json-state"]=$(sed -n 's/^json::Decoder state: \([0-9]*\) B.*/\1/p' <<<"$2")
  ram["$1-length"]=$(sed -n 's/^peak stack: LengthDecoder::decode \([0-9]*\) B.*/\1/p' <<<"$2")
  ram["$1-json"]=$(sed -n 's/^peak stack: json::Decoder::decode \([0-9]*\) B.*/\1/p' <<<"$2")
}
for target in thumbv6m-none-eabi riscv32imc-unknown-none-elf; do
  read -r -a q <<<"${machine[$target]}"
  q+=(-nographic -semihosting-config enable=on,target=native -kernel)
  for v in "${small_variants[@]}"; do
    variant "$target" s "$target" "${v%%:*}" "${v#*:}"
    if [[ ${v%%:*} == all ]]; then
      echo "$target: $(grep checks <<<"$out"), RESULT: PASS"
      ram_of "$target" "$out"
    fi
  done
done
ram_of thumbv7m "$v7m_all"

echo
echo "Per architecture, opt-level \"s\" (flash: probe minus the program without unstick; RAM: the decoder"
echo "state besides its buffer, and the peak stack of one decode call):"
echo
echo "| | Cortex-M3 (thumbv7m) | Cortex-M0 (thumbv6m) | RISC-V (riscv32imc) |"
echo "|---|---|---|---|"
for v in "${small_variants[@]}"; do
  name=${v%%:*}
  [[ $name == baseline || $name == all ]] && continue
  echo "| flash: $name | +$((flash[s-$name] - flash[s-baseline])) B | +$((flash[thumbv6m-none-eabi-$name] - flash[thumbv6m-none-eabi-baseline])) B | +$((flash[riscv32imc-unknown-none-elf-$name] - flash[riscv32imc-unknown-none-elf-baseline])) B |"
done
echo "| RAM: LengthDecoder / json::Decoder state | ${ram[thumbv7m-state]} B / ${ram[thumbv7m-json-state]} B | ${ram[thumbv6m-none-eabi-state]} B / ${ram[thumbv6m-none-eabi-json-state]} B | ${ram[riscv32imc-unknown-none-elf-state]} B / ${ram[riscv32imc-unknown-none-elf-json-state]} B |"
echo "| RAM: peak stack of LengthDecoder::decode (format chosen at run time) | ${ram[thumbv7m-length]} B | ${ram[thumbv6m-none-eabi-length]} B | ${ram[riscv32imc-unknown-none-elf-length]} B |"
echo "| RAM: peak stack of json::Decoder::decode | ${ram[thumbv7m-json]} B | ${ram[thumbv6m-none-eabi-json]} B | ${ram[riscv32imc-unknown-none-elf-json]} B |"

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
