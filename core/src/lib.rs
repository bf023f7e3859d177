//! Framing for byte streams, without I/O, allocation or panics.
//!
//! TCP delivers a byte stream: two `send`s may arrive as one `recv` and one `send` as many
//! (the "sticky packet" problem, 粘包). unstick puts a length prefix in front of every frame
//! and reassembles frames from chunks split anywhere:
//!
//! ```
//! use unstick::{Event, FrameFormat, LengthDecoder, LengthEncoder};
//!
//! // One format for both directions: struct.pack("!I", len), then the payload.
//! let format = FrameFormat::new().with_max_frame_len(1024);
//!
//! // Sender: three messages, glued into one stream.
//! let encoder = LengthEncoder::new(format);
//! let mut stream = [0u8; 64];
//! let mut n = 0;
//! for msg in [&b"hello"[..], b"", b"sticky packets"] {
//!     n += encoder.encode(msg, &mut stream[n..])?;
//! }
//!
//! // Receiver: the stream arrives 3 bytes at a time.
//! let mut buf = [0u8; 1024]; // only frames split across chunks are copied here
//! let mut decoder = LengthDecoder::new(format, &mut buf[..])?;
//! let mut frames = Vec::new();
//! for chunk in stream[..n].chunks(3) {
//!     decoder.decode_all(chunk, |event| {
//!         if let Event::Frame(frame) = event {
//!             frames.push(frame.payload.to_vec());
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
//! - A [`FrameFormat`] says how a frame looks on the wire: bytes before the length field (the
//!   head), the length field ([`LengthField`]: fixed widths, LEB128, MQTT's and QUIC's
//!   varints), an adjustment, the maximum frame length. One value serves both directions;
//!   presets cover gRPC, Postgres, Kafka, MySQL, HTTP/2, TLS, DNS, Modbus, MQTT, protobuf and
//!   Bitcoin.
//! - [`LengthDecoder::decode`] takes a chunk and returns one [`Event`] and the number of bytes it
//!   consumed; call it again with the rest until it returns no event. A frame that lies inside
//!   the chunk is returned as slices of the chunk (zero-copy); only a frame that straddles chunks
//!   is copied, into a [`FrameBuffer`] the caller provides (`&mut [u8]`, `[u8; N]`,
//!   `heapless::Vec`, or `Vec<u8>` under `alloc`).
//! - Frames longer than the buffer can be streamed ([`FrameFormat::with_streaming`]): a start
//!   event with the head and the length, pieces borrowed from the input, and an end event, so a
//!   device with a 1 KiB buffer can receive a 4 GiB frame.
//! - Every length is checked against [`FrameFormat::max_frame_len`] before a byte is buffered.
//!   Over-limit frames are refused or skipped ([`Oversize`]); errors say which frame, at which
//!   stream offset, and which limit ([`DecodeError`]).
//! - [`LengthEncoder`] writes frames into a caller buffer, or just the prefix for a vectored
//!   write; it refuses a length the field cannot carry instead of truncating it.
//!
//! Which entry point when:
//!
//! | you have | call | frames come out |
//! |---|---|---|
//! | chunks from a socket, one event at a time | [`decode`](LengthDecoder::decode) | borrowed from the chunk, or copied once into the buffer |
//! | chunks, and a callback is fine | [`decode_all`](LengthDecoder::decode_all) | the same, in one call per chunk |
//! | your own growing buffer (tokio `BytesMut`) | [`decode_whole`](LengthDecoder::decode_whole) | always borrowed from your buffer; nothing is consumed until a frame is whole |
//! | a transport that reads into a buffer you give it (UART, DMA, `embedded_io`) | [`spare`](LengthDecoder::spare) then [`commit`](LengthDecoder::commit) | read straight into the decoder's buffer, never copied |
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
//! - `embedded-io` / `embedded-io-async`: [`eio`](eio/index.html) helpers that read frames
//!   straight into the decoder's buffer from `embedded_io` / `embedded_io_async` transports and
//!   write frames.
//! - `json`: JSON-described header frames (the [`json`](json/index.html) module: `json::Decoder`,
//!   `json::Encoder`): a length-prefixed UTF-8 JSON object whose `total_size` gives the length
//!   of a streamed body.

#![no_std]
// docs.rs: label each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]
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
mod field;
mod format;
#[cfg(feature = "json")]
pub mod json;
mod spec;

pub use buffer::FrameBuffer;
pub use decoder::{Decoded, Event, Frame, LengthDecoder};
pub use encoder::{LengthEncoder, Prefix};
pub use error::{ConfigError, DecodeError, EncodeError};
pub use field::{ByteOrder, FixedInt, LengthField, MAX_FIELD_LEN, ParseFieldError, Width};
pub use format::{
    DEFAULT_MAX_FRAME_LEN, Format, FrameFormat, MAX_HEAD_LEN, MAX_PAYLOAD_LEN, MAX_PREFIX_LEN,
    Oversize,
};
pub use spec::{ParseFormatError, ParseFormatErrorKind, Preset};

/// The README's examples, run as doctests so the registry page stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
