//! Puts the memory layout of the emulated board for the target being built where the runtime's
//! linker script finds it as `memory.x`.

use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let layout = match target.as_str() {
        // QEMU microbit: nRF51822, Cortex-M0, 256 KiB flash, 16 KiB RAM.
        "thumbv6m-none-eabi" => "memory-microbit.x",
        // QEMU virt: the image is loaded into RAM.
        t if t.starts_with("riscv32") => "memory-riscv-virt.x",
        // QEMU lm3s6965evb: Cortex-M3, 256 KiB flash, 64 KiB RAM.
        _ => "memory-lm3s6965.x",
    };
    fs::copy(layout, out.join("memory.x")).expect("memory layout copied");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed={layout}");
    println!("cargo:rerun-if-changed=build.rs");
}
