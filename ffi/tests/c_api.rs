//! The C API from C: `tests/c/test.c` built against `include/unstick.h` and the staticlib with
//! `-std=c99 -Wall -Wextra -Werror`, run under AddressSanitizer and UndefinedBehaviorSanitizer.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The staticlib of this crate, built for the test's profile (a no-op when already built).
fn staticlib() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--lib", "--manifest-path"])
        .arg(&manifest)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the staticlib failed");
    // target/<profile>/deps/<test> -> target/<profile>/libunstick_ffi.a
    let exe = std::env::current_exe().expect("test binary path");
    let lib = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .join("libunstick_ffi.a");
    assert!(lib.exists(), "{} was not built", lib.display());
    lib
}

#[test]
fn c_program_passes_under_sanitizers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("unstick-c-test");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let build = Command::new(&cc)
        .args([
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-g",
            "-O1",
        ])
        .args(["-fsanitize=address,undefined", "-fno-sanitize-recover=all"])
        .args(["-fno-omit-frame-pointer"])
        .arg("-I")
        .arg(dir.join("include"))
        .arg(dir.join("tests/c/test.c"))
        .arg(staticlib())
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&out)
        .output()
        .expect("a C compiler runs");
    assert!(
        build.status.success(),
        "{cc} failed:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let run = Command::new(&out)
        .env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        .output()
        .expect("the C test runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success() && stdout.contains("RESULT: PASS"),
        "{stdout}\n{stderr}"
    );
    assert!(!stderr.contains("runtime error"), "{stderr}");
}
