//! The tutorial programs' command lines: one module per subcommand, each parsing its flags
//! and running the system in `crate::tutorial`.

pub mod demo;
pub mod echo;
pub mod file;
pub mod rexec;
pub mod time;
