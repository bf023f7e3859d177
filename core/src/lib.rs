//! Framing for byte streams, without I/O, allocation or panics.
//!
//! TCP delivers a byte stream: two `send`s may arrive as one `recv` and one `send` as many
//! (the "sticky packet" problem, 粘包). unstick puts a length header in front of every frame
//! and reassembles frames from chunks split anywhere:
//!
//! ```
//! use unstick::{DecoderConfig, Event, LengthDecoder, LengthEncoder, LengthHeader};
//!
//! // Sender: three messages, glued into one stream.
//! let encoder = LengthEncoder::new(LengthHeader::U32_BE); // struct.pack("!I", len)
//! let mut stream = [0u8; 64];
//! let mut n = 0;
//! for msg in [&b"hello"[..], b"", b"sticky packets"] {
//!     n += encoder.encode(msg, &mut stream[n..])?;
//! }
//!
//! // Receiver: the stream arrives 3 bytes at a time.
//! let mut buf = [0u8; 1024]; // only frames split across chunks are copied here
//! let mut decoder = LengthDecoder::new(DecoderConfig::new().max_frame_len(1024), &mut buf[..])?;
//! let mut frames = Vec::new();
//! for chunk in stream[..n].chunks(3) {
//!     decoder.decode_all(chunk, |event| {
//!         if let Event::Frame(frame) = event {
//!             frames.push(frame.to_vec());
//!         }
//!     })?;
//! }
//! decoder.finish()?; // ended on a frame boundary
//! assert_eq!(frames, [&b"hello"[..], b"", b"sticky packets"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Shape
//!
//! - [`LengthDecoder::decode`] takes a chunk and returns one [`Event`] and the number of bytes it
//!   consumed; call it again with the rest until it returns no event. A frame that lies inside
//!   the chunk is returned as a slice of the chunk (zero-copy); only a frame that straddles chunks
//!   is copied, into a [`FrameBuffer`] the caller provides (`&mut [u8]`, `[u8; N]`,
//!   `heapless::Vec`, or `Vec<u8>` under `alloc`).
//! - Frames longer than the buffer can be streamed ([`DecoderConfig::streaming`]): a start event
//!   with the length, pieces borrowed from the input, and an end event, so a device with a
//!   1 KiB buffer can receive a 4 GiB frame.
//! - Every length is checked against [`DecoderConfig::max_frame_len`] before a byte is buffered.
//!   Over-limit frames are refused or skipped ([`Oversize`]); errors say which frame, at which
//!   stream offset, and which limit ([`DecodeError`]).
//! - [`LengthEncoder`] writes frames into a caller buffer, or just the header for a vectored
//!   write; it refuses a length the header cannot carry instead of truncating it.
//!
//! # Footprint
//!
//! A `LengthDecoder<&mut [u8]>` is 72 bytes on a 64-bit target, of which 16 are the buffer
//! reference: the decoder's own state is 56 bytes. The crate is `#![no_std]`, has no required
//! dependencies and forbids `unsafe`.
//!
//! # Features
//!
//! - `alloc`: `Vec<u8>` as a frame buffer (grows only with bytes that arrived).
//! - `heapless`: `heapless::Vec<u8, N>` as a frame buffer.
//! - `defmt`: `defmt::Format` for the public types.
//! - `embedded-io` / `embedded-io-async`: [`eio`] helpers that read frames straight into the
//!   decoder's buffer from `embedded_io` / `embedded_io_async` transports and write frames.
//! - `json`: JSON-described header frames ([`JsonHeaderDecoder`], [`JsonHeaderEncoder`]): a
//!   length-prefixed UTF-8 JSON object whose `total_size` gives the length of a streamed body.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(
    clippy::std_instead_of_core,
    clippy::alloc_instead_of_core,
    clippy::std_instead_of_alloc
)]
#![cfg_attr(
    not(test),
    warn(
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unwrap_used,
        clippy::expect_used
    )
)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(test)]
extern crate std;

mod buffer;
mod decoder;
#[cfg(feature = "embedded-io")]
pub mod eio;
mod encoder;
mod error;
mod header;
#[cfg(feature = "json")]
mod json;

pub use buffer::FrameBuffer;
pub use decoder::{DEFAULT_MAX_FRAME_LEN, Decoded, DecoderConfig, Event, LengthDecoder, Oversize};
pub use encoder::LengthEncoder;
pub use error::{ConfigError, DecodeError, EncodeError};
pub use header::{ByteOrder, HeaderBytes, HeaderWidth, LengthHeader, ParseHeaderError};
#[cfg(feature = "json")]
pub use json::{
    DEFAULT_MAX_BODY_LEN, DEFAULT_MAX_DEPTH, DEFAULT_MAX_HEADER_LEN, EncodedHeader, HeaderProblem,
    JsonDecoded, JsonEncodeError, JsonEvent, JsonHeader, JsonHeaderConfig, JsonHeaderDecoder,
    JsonHeaderEncoder, JsonHeaderError, JsonSyntax, join_surrogate_escapes,
};
