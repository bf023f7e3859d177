//! What a person sees: help for every subcommand, shell completions, colour only on a terminal
//! and never with `NO_COLOR`.

mod common;

use std::process::Command;

use common::{error_text, text, unstick};

#[test]
fn every_subcommand_explains_itself() {
    let top = unstick(&["--help"], b"");
    assert!(top.status.success());
    for (sub, flags) in [
        (
            "inspect",
            &[
                "--format",
                "--json",
                "--guess",
                "--raw",
                "--max-rows",
                "--color",
            ][..],
        ),
        (
            "frame",
            &["--format", "--chunk", "--keep-newlines", "--head"],
        ),
        ("unframe", &["--format", "--lines", "--with-head"]),
        (
            "dissector",
            &[
                "--format",
                "--json-header",
                "--size-field",
                "--port",
                "--name",
            ],
        ),
        ("formats", &[]),
        ("completions", &[]),
        ("echo", &[]),
        ("file", &[]),
        ("rexec", &[]),
        ("time", &[]),
        ("demo", &[]),
    ] {
        assert!(text(&top).contains(sub), "unstick --help lacks {sub}");
        let help = unstick(&[sub, "--help"], b"");
        assert!(help.status.success(), "{sub}: {}", error_text(&help));
        for flag in flags {
            assert!(
                text(&help).contains(flag),
                "unstick {sub} --help lacks {flag}"
            );
        }
    }
    let out = unstick(&["no-such-command"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = unstick(&["completions", shell], b"");
        assert!(out.status.success());
        let script = text(&out);
        for word in ["inspect", "unframe", "dissector", "guess", "json-header"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    // Bash accepts the script and registers the completion.
    let script = text(&unstick(&["completions", "bash"], b""));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unstick.bash");
    std::fs::write(&path, script).unwrap();
    let out = Command::new("bash")
        .args([
            "-c",
            &format!("source '{}' && complete -p unstick", path.display()),
        ])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("_unstick"));
}

/// `unstick inspect` of a small stream on a pseudo-terminal (`script` from util-linux).
fn on_a_terminal(no_color: bool) -> Option<String> {
    inspect_on_a_terminal(b"\0\0\0\x02hi", no_color)
}

/// `unstick inspect --max-rows 1 FILE` on a pseudo-terminal: what the terminal showed.
fn inspect_on_a_terminal(stream: &[u8], no_color: bool) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("stream.bin");
    std::fs::write(&input, stream).unwrap();
    let program = format!(
        "{} inspect --max-rows 1 {}",
        env!("CARGO_BIN_EXE_unstick"),
        input.display()
    );
    let mut command = Command::new("script");
    command.args(["-qec", &program, "/dev/null"]);
    if no_color {
        command.env("NO_COLOR", "1");
    } else {
        command.env_remove("NO_COLOR").env("TERM", "xterm");
    }
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let piped = unstick(&["inspect"], b"\0\0\0\x02hi");
    assert!(!text(&piped).contains('\x1b'));
    let Some(coloured) = on_a_terminal(false) else {
        panic!("`script` (util-linux) is needed to run on a pseudo-terminal");
    };
    assert!(coloured.contains("\x1b["), "{coloured:?}");
    let plain = on_a_terminal(true).expect("script runs");
    assert!(!plain.contains('\x1b'), "{plain:?}");
    assert!(plain.contains("|hi|"));
}

#[test]
fn long_inspections_show_progress_on_a_terminal_only() {
    // 20 MiB of 16-byte frames: over the 16 MiB from which progress is shown.
    let frame = [&16u32.to_be_bytes()[..], &[b'x'; 16]].concat();
    let stream = frame.repeat((20 << 20) / frame.len());
    let shown = inspect_on_a_terminal(&stream, true).expect("script runs");
    assert!(
        shown.contains("reading ["),
        "{}",
        &shown[..shown.len().min(300)]
    );
    assert!(shown.contains("decoding ["));
    let piped = unstick(&["inspect", "--max-rows", "1"], &stream);
    assert!(piped.status.success());
    assert!(piped.stderr.is_empty(), "{}", error_text(&piped));
}
