//! The tutorials' client/server systems behind `unstick echo|file|rexec|time|demo`. Each
//! program's logic lives here so `demo` can run every server in-process.

pub mod cli;
pub mod echo;
pub mod file;
pub mod rexec;
pub mod time;
