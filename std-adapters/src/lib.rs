//! `std::io` adapters for [`unstick`].
//!
//! - [`FrameReader`] / [`FrameWriter`]: length frames over blocking or non-blocking streams,
//!   zero-copy from the read buffer, vectored writes, `WouldBlock` resumable.
//! - `LengthCodec` (feature `tokio`): a `tokio_util::codec` on the core, zero-copy, never
//!   reserving from an announced length.
//! - [`write_frame`]: one frame, prefix and payload in one vectored write.
//! - [`JsonFrameReader`] / [`JsonFrameWriter`]: JSON-header frames whose bodies stream as
//!   `io::Read`, never buffered whole.
//! - [`transfer`]: the tutorials' file upload with SHA-256 checking, temporary file and rename.
//!
//! ```
//! use unstick::{FrameFormat, LengthEncoder};
//! let mut wire = Vec::new();
//! unstick_std::write_frame(&mut wire, &LengthEncoder::new(FrameFormat::new()), b"ping")?;
//! assert_eq!(wire, b"\0\0\0\x04ping");
//! # Ok::<(), std::io::Error>(())
//! ```

// docs.rs: label each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

#[cfg(feature = "tokio")]
mod codec;
mod frames;
mod json;
pub mod transfer;
mod window;
mod write;

#[cfg(feature = "tokio")]
pub use codec::LengthCodec;
pub use frames::{DEFAULT_READ_BUFFER_LEN, FrameReader, FrameWriter, decode_io_error};
pub use json::{DEFAULT_BUFFER_LEN, JsonFrame, JsonFrameReader, JsonFrameWriter};
pub use unstick;
pub use write::{write_frame, write_frame_with_head};

/// The README's examples, run as doctests so the registry page stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
