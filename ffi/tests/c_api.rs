//! The C API from C: `tests/c/test.c` built against `include/unstick.h` and the staticlib with
//! `-std=c99 -Wall -Wextra -Werror`, run under AddressSanitizer and UndefinedBehaviorSanitizer;
//! and from Python through ctypes, against the tutorials' Python echo server.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A library of this crate (`libunstick_ffi.a`, or the shared one), built for the test's
/// profile (a no-op when already built).
fn library(file: &str) -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--lib", "--manifest-path"])
        .arg(&manifest)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the staticlib failed");
    // target/<profile>/deps/<test> -> target/<profile>/<file>
    let exe = std::env::current_exe().expect("test binary path");
    let lib = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .join(file);
    assert!(lib.exists(), "{} was not built", lib.display());
    lib
}

fn staticlib() -> PathBuf {
    library("libunstick_ffi.a")
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

#[test]
fn python_ctypes_client_talks_to_the_tutorials_server() {
    let shared = library(&format!(
        "{}unstick_ffi{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut server = Command::new("python3")
        .arg(root.join("tests/python/loop_server.py"))
        .arg("1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("the server's first line");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_string();
    let client = Command::new("python3")
        .arg(root.join("ffi/examples/ctypes_client.py"))
        .arg(&shared)
        .arg(&addr)
        // (Not an empty message: the tutorial's server hangs up on one.)
        .args(["hello", "sticky packets", &"x".repeat(5000), "end"])
        .output()
        .expect("the ctypes client runs");
    let end = Instant::now() + Duration::from_secs(30);
    while server.try_wait().expect("waits").is_none() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = server.kill();
    let stdout = String::from_utf8_lossy(&client.stdout);
    assert!(
        client.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&client.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines, ["HELLO", "STICKY PACKETS", &"X".repeat(5000), "END"]);
}
