//! The tutorials' client/server systems, shared by the `echo`, `file`, `rexec`, `time` and
//! `demo` examples. Each program's logic lives here so `demo` can run every server in-process.

// Each example binary uses only its own program; `demo` uses them all.
#![allow(dead_code, unreachable_pub)]

pub mod cli;
pub mod echo;
pub mod file;
pub mod rexec;
pub mod time;
