//! A C API for unstick: the framing state machine for C firmware and C transports.
//!
//! The decoder lives in storage the caller provides ([`UNSTICK_DECODER_SIZE`] bytes aligned to
//! [`UNSTICK_DECODER_ALIGN`], such as a `static unstick_decoder_storage`), over a buffer the
//! caller provides. It is fed chunks and returns one event at a time with the bytes it
//! consumed, poll style, as the Rust `LengthDecoder::decode` does. The encoder writes frames
//! or prefixes into caller buffers. Nothing allocates; nothing panics; every function checks
//! its pointers and lengths and answers bad input with an [`unstick_code`].
//!
//! `unstick.h` is generated from this crate by cbindgen. From Rust, the same calls work:
//!
//! ```
//! use unstick_ffi::*;
//! let mut storage = unstick_decoder_storage { bytes: [0; UNSTICK_DECODER_SIZE] };
//! let mut buffer = [0u8; 256];
//! let mut format = unstick_format::default();
//! let mut err = unstick_error::default();
//! let dec = &raw mut storage as *mut core::ffi::c_void;
//! unsafe {
//!     assert_eq!(unstick_format_preset(c"grpc".as_ptr(), &mut format), unstick_code::UNSTICK_OK);
//!     format.max_frame_len = 200; // what the 256-byte buffer can hold with the head
//!     let code = unstick_decoder_init(dec, UNSTICK_DECODER_SIZE, &format, buffer.as_mut_ptr(), buffer.len(), &mut err);
//!     assert_eq!(code, unstick_code::UNSTICK_OK);
//!     let wire = b"\x00\x00\x00\x00\x02hi";
//!     let mut event = unstick_event::default();
//!     let code = unstick_decode(dec, wire.as_ptr(), wire.len(), &mut event, &mut err);
//!     assert_eq!(code, unstick_code::UNSTICK_OK);
//!     assert_eq!(event.kind, unstick_event_kind::UNSTICK_EVENT_FRAME);
//!     assert_eq!(core::slice::from_raw_parts(event.data, event.data_len), b"hi");
//! }
//! ```

#![no_std]
// The one crate of the workspace with `unsafe`: every block says why it holds.
#![allow(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
// C names, as the header spells them.
#![allow(non_camel_case_types)]

// Hosted builds (the C tests, the cdylib for Python) take std's panic handler; a bare-metal
// image brings its own, as the Rust firmware does. No panic is reachable either way.
#[cfg(not(target_os = "none"))]
extern crate std;

/// A C firmware image has no Rust panic handler, so the staticlib brings one. No panic is
/// reachable (the core checks every index; `tests/firmware` proves it has no panic path).
#[cfg(target_os = "none")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}

use core::ffi::{CStr, c_char, c_void};
use core::ops::ControlFlow;

mod json;
pub use json::*;

use unstick::{
    ByteOrder, ConfigError, DecodeError, EncodeError, Event, FixedInt, FrameFormat, LengthDecoder,
    LengthEncoder, LengthField, Oversize, Width,
};

/// What a call did: `UNSTICK_OK`, or why it did nothing (or stopped).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum unstick_code {
    /// Done.
    UNSTICK_OK = 0,
    /// A pointer the call needs was null (a chunk may be null only with length 0).
    UNSTICK_ERR_NULL = 1,
    /// The decoder storage is too small. `length`: its size; `limit`: the size needed
    /// (`UNSTICK_DECODER_SIZE` or `UNSTICK_JSON_DECODER_SIZE`).
    UNSTICK_ERR_STORAGE_TOO_SMALL = 2,
    /// The decoder storage is not aligned to `UNSTICK_DECODER_ALIGN`.
    UNSTICK_ERR_MISALIGNED = 3,
    /// The storage does not hold a decoder: `unstick_decoder_init` was not called on it (or
    /// it was overwritten).
    UNSTICK_ERR_NOT_INITIALIZED = 4,
    /// The format is not one unstick can use: an unknown length kind or flag, a width other
    /// than 1, 2, 3, 4 or 8, a head over 16 bytes.
    UNSTICK_ERR_BAD_FORMAT = 5,
    /// The decoder's buffer cannot hold a head and a payload up to the limit (without
    /// streaming), or a head (with it). `length`: the buffer's size; `value`: the head
    /// length; `limit`: the payload it must hold (0 with streaming).
    UNSTICK_ERR_BUFFER_TOO_SMALL = 6,
    /// A format's text or a preset's name was not understood.
    UNSTICK_ERR_PARSE = 7,
    /// A frame announced a payload over the limit. `length`: the announced length;
    /// `limit`: the maximum frame length.
    UNSTICK_ERR_FRAME_TOO_LARGE = 10,
    /// A signed length field carried a negative number. `value`: it.
    UNSTICK_ERR_NEGATIVE_LENGTH = 11,
    /// The adjustment takes the field's value below zero. `length`: the field's value;
    /// `value`: the adjustment.
    UNSTICK_ERR_LENGTH_BELOW_ADJUSTMENT = 12,
    /// A length does not fit in 64 bits.
    UNSTICK_ERR_LENGTH_OVERFLOW = 13,
    /// A varint length ran past the most bytes its encoding allows. `limit`: that many.
    UNSTICK_ERR_OVERLONG_LENGTH = 14,
    /// A varint length used more bytes than its value needs, which the format refuses.
    UNSTICK_ERR_NON_MINIMAL_LENGTH = 15,
    /// The stream ended inside a frame's head or length field. `length`: bytes received.
    UNSTICK_ERR_TRUNCATED_PREFIX = 16,
    /// The stream ended inside a payload. `length`: the payload length; `value`: the bytes
    /// missing.
    UNSTICK_ERR_TRUNCATED_FRAME = 17,
    /// The encoder's head is not the format's head length. `length`: the head given;
    /// `limit`: the format's head length.
    UNSTICK_ERR_HEAD_LENGTH = 20,
    /// A positive adjustment needs more payload bytes. `length`: the payload length;
    /// `limit`: the adjustment.
    UNSTICK_ERR_PAYLOAD_BELOW_ADJUSTMENT = 21,
    /// The length field cannot carry the length. `value`: the field value; `limit`: the most
    /// the field carries.
    UNSTICK_ERR_LENGTH_OVERFLOWS_FIELD = 22,
    /// The output buffer is too small; nothing was written. `length`: bytes needed; `limit`:
    /// bytes available.
    UNSTICK_ERR_OUTPUT_TOO_SMALL = 23,
    /// A JSON-header frame's length prefix announces a header over the limit. `length`: the
    /// announced length; `limit`: the header limit.
    UNSTICK_ERR_HEADER_TOO_LONG = 30,
    /// A JSON header was refused: `value` says why (`UNSTICK_HEADER_*`), `length` and `limit`
    /// give its numbers.
    UNSTICK_ERR_INVALID_HEADER = 31,
    /// A varint length prefix of a JSON-header frame is over-long, over 64 bits or not minimal.
    UNSTICK_ERR_MALFORMED_LENGTH_PREFIX = 32,
    /// The stream ended inside a JSON header. `length`: its length; `value`: bytes missing.
    UNSTICK_ERR_TRUNCATED_HEADER = 33,
}

use unstick_code::*;

/// An error and the numbers that explain it; which fields mean what is documented per code.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct unstick_error {
    /// What went wrong: an `unstick_code` (`UNSTICK_OK` when nothing did). An integer, so that
    /// any value C stores here is safe to pass back.
    pub code: i32,
    /// Index of the frame (decoding errors; `UINT64_MAX` for the encoder's).
    pub frame: u64,
    /// Stream offset of that frame's first byte (decoding errors; for `UNSTICK_ERR_PARSE`, of
    /// the offending item in the text; `UINT64_MAX` for the encoder's).
    pub offset: u64,
    /// A length: see the code.
    pub length: u64,
    /// A limit: see the code.
    pub limit: u64,
    /// A signed value: see the code.
    pub value: i64,
}

impl Default for unstick_error {
    fn default() -> Self {
        Self {
            code: UNSTICK_OK as i32,
            frame: 0,
            offset: 0,
            length: 0,
            limit: 0,
            value: 0,
        }
    }
}

impl unstick_error {
    fn code(code: unstick_code) -> Self {
        Self {
            code: code as i32,
            ..Self::default()
        }
    }

    fn decode(e: DecodeError) -> Self {
        let (frame, offset) = (e.frame(), e.offset());
        let at = |code: unstick_code| Self {
            code: code as i32,
            frame,
            offset,
            ..Self::default()
        };
        match e {
            DecodeError::FrameTooLarge { len, max, .. } => Self {
                length: len,
                limit: max,
                ..at(UNSTICK_ERR_FRAME_TOO_LARGE)
            },
            DecodeError::NegativeLength { value, .. } => Self {
                value,
                ..at(UNSTICK_ERR_NEGATIVE_LENGTH)
            },
            DecodeError::LengthBelowAdjustment {
                value, adjustment, ..
            } => Self {
                length: value,
                value: i64::from(adjustment),
                ..at(UNSTICK_ERR_LENGTH_BELOW_ADJUSTMENT)
            },
            DecodeError::LengthOverflow { .. } => at(UNSTICK_ERR_LENGTH_OVERFLOW),
            DecodeError::OverlongLength { max_bytes, .. } => Self {
                limit: max_bytes as u64,
                ..at(UNSTICK_ERR_OVERLONG_LENGTH)
            },
            DecodeError::NonMinimalLength { .. } => at(UNSTICK_ERR_NON_MINIMAL_LENGTH),
            DecodeError::TruncatedPrefix { have, .. } => Self {
                length: have as u64,
                ..at(UNSTICK_ERR_TRUNCATED_PREFIX)
            },
            DecodeError::TruncatedFrame { len, missing, .. } => Self {
                length: len,
                value: saturate(missing),
                ..at(UNSTICK_ERR_TRUNCATED_FRAME)
            },
            // Not reachable through this API (no commit), and not a failure of the stream.
            _ => at(UNSTICK_ERR_LENGTH_OVERFLOW),
        }
    }

    fn encode(e: EncodeError) -> Self {
        let e = Self::encode_numbers(e);
        Self {
            frame: NOT_IN_A_STREAM,
            offset: NOT_IN_A_STREAM,
            ..e
        }
    }

    fn encode_numbers(e: EncodeError) -> Self {
        match e {
            EncodeError::LengthOverflowsField { value, max } => Self {
                length: value,
                value: value as i64,
                limit: max,
                ..Self::code(UNSTICK_ERR_LENGTH_OVERFLOWS_FIELD)
            },
            EncodeError::FrameTooLarge { len, max } => Self {
                length: len,
                limit: max,
                ..Self::code(UNSTICK_ERR_FRAME_TOO_LARGE)
            },
            EncodeError::PayloadBelowAdjustment { len, adjustment } => Self {
                length: len,
                limit: i64::from(adjustment) as u64,
                ..Self::code(UNSTICK_ERR_PAYLOAD_BELOW_ADJUSTMENT)
            },
            EncodeError::HeadLength { expected, got } => Self {
                length: got as u64,
                limit: expected as u64,
                ..Self::code(UNSTICK_ERR_HEAD_LENGTH)
            },
            EncodeError::BufferTooSmall {
                required,
                available,
            } => Self {
                length: required as u64,
                limit: available as u64,
                ..Self::code(UNSTICK_ERR_OUTPUT_TOO_SMALL)
            },
            EncodeError::Format(c) => Self::config(c),
            _ => Self::code(UNSTICK_ERR_BAD_FORMAT),
        }
    }

    fn config(e: ConfigError) -> Self {
        match e {
            ConfigError::BufferTooSmall {
                capacity,
                max_frame_len,
                head_len,
            } => Self {
                length: capacity as u64,
                limit: max_frame_len,
                value: head_len as i64,
                ..Self::code(UNSTICK_ERR_BUFFER_TOO_SMALL)
            },
            _ => Self::code(UNSTICK_ERR_BAD_FORMAT),
        }
    }
}

/// Reports `e` through `err` (when not null) and returns its code.
///
/// # Safety
/// `err` is null or valid for a write.
unsafe fn report(err: *mut unstick_error, e: unstick_error) -> unstick_code {
    if !err.is_null() {
        // SAFETY: the caller passes null or a pointer valid for writing one `unstick_error`.
        unsafe { err.write(e) };
    }
    code_of(e.code).unwrap_or(UNSTICK_ERR_BAD_FORMAT)
}

/// A count as `unstick_error.value`, saturated.
pub(crate) fn saturate(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Every code, to map an integer back without trusting it.
const CODES: [unstick_code; 24] = [
    UNSTICK_OK,
    UNSTICK_ERR_NULL,
    UNSTICK_ERR_STORAGE_TOO_SMALL,
    UNSTICK_ERR_MISALIGNED,
    UNSTICK_ERR_NOT_INITIALIZED,
    UNSTICK_ERR_BAD_FORMAT,
    UNSTICK_ERR_BUFFER_TOO_SMALL,
    UNSTICK_ERR_PARSE,
    UNSTICK_ERR_FRAME_TOO_LARGE,
    UNSTICK_ERR_NEGATIVE_LENGTH,
    UNSTICK_ERR_LENGTH_BELOW_ADJUSTMENT,
    UNSTICK_ERR_LENGTH_OVERFLOW,
    UNSTICK_ERR_OVERLONG_LENGTH,
    UNSTICK_ERR_NON_MINIMAL_LENGTH,
    UNSTICK_ERR_TRUNCATED_PREFIX,
    UNSTICK_ERR_TRUNCATED_FRAME,
    UNSTICK_ERR_HEAD_LENGTH,
    UNSTICK_ERR_PAYLOAD_BELOW_ADJUSTMENT,
    UNSTICK_ERR_LENGTH_OVERFLOWS_FIELD,
    UNSTICK_ERR_OUTPUT_TOO_SMALL,
    UNSTICK_ERR_HEADER_TOO_LONG,
    UNSTICK_ERR_INVALID_HEADER,
    UNSTICK_ERR_MALFORMED_LENGTH_PREFIX,
    UNSTICK_ERR_TRUNCATED_HEADER,
];

fn code_of(value: i32) -> Option<unstick_code> {
    CODES.iter().copied().find(|&c| c as i32 == value)
}

// ---------------------------------------------------------------------------------------
// Formats

/// `unstick_format.length`: a fixed-width integer (`width`, `flags`).
pub const UNSTICK_LENGTH_FIXED: u8 = 0;
/// `unstick_format.length`: LEB128, as protobuf's delimited streams.
pub const UNSTICK_LENGTH_LEB128: u8 = 1;
/// `unstick_format.length`: MQTT's Variable Byte Integer.
pub const UNSTICK_LENGTH_MQTT: u8 = 2;
/// `unstick_format.length`: QUIC's variable-length integer.
pub const UNSTICK_LENGTH_QUIC: u8 = 3;

/// `unstick_format.flags`: a fixed field is little-endian.
pub const UNSTICK_FLAG_LITTLE_ENDIAN: u8 = 1;
/// `unstick_format.flags`: a fixed field is signed (a negative length is an error).
pub const UNSTICK_FLAG_SIGNED: u8 = 2;
/// `unstick_format.flags`: skip over-limit frames (reported as `UNSTICK_EVENT_SKIPPED`)
/// instead of failing.
pub const UNSTICK_FLAG_SKIP_OVERSIZE: u8 = 4;
/// `unstick_format.flags`: frames larger than the buffer arrive as a start, pieces and an end.
pub const UNSTICK_FLAG_STREAMING: u8 = 8;
/// `unstick_format.flags`: accept varint lengths longer than necessary.
pub const UNSTICK_FLAG_NON_MINIMAL: u8 = 16;
const KNOWN_FLAGS: u8 = 31;

/// The most bytes a prefix (head and length field) takes.
pub const UNSTICK_MAX_PREFIX_LEN: usize = 26;
const _: () = assert!(UNSTICK_MAX_PREFIX_LEN == unstick::MAX_PREFIX_LEN);

/// How frames look on the wire: `[head][length field][payload]`. Fill it from a preset
/// (`unstick_format_preset`), from text (`unstick_format_parse`), or field by field.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct unstick_format {
    /// The maximum frame length: payload bytes after the adjustment.
    pub max_frame_len: u64,
    /// Added to the field's value to give the payload length (Postgres -4, HTTP/2 +6).
    pub adjustment: i32,
    /// Bytes before the length field, at most 16.
    pub head_len: u8,
    /// `UNSTICK_LENGTH_FIXED`, `_LEB128`, `_MQTT` or `_QUIC`.
    pub length: u8,
    /// For a fixed field: 1, 2, 3, 4 or 8 bytes.
    pub width: u8,
    /// `UNSTICK_FLAG_*` bits.
    pub flags: u8,
}

impl Default for unstick_format {
    /// The tutorials' frame: a 4-byte big-endian unsigned length, 64 KiB.
    fn default() -> Self {
        from_format(FrameFormat::new())
    }
}

fn from_format(f: FrameFormat) -> unstick_format {
    let (length, width, mut flags) = match f.length() {
        LengthField::Fixed(int) => {
            let mut flags = 0;
            if matches!(int.order(), ByteOrder::Little) {
                flags |= UNSTICK_FLAG_LITTLE_ENDIAN;
            }
            if int.signed() {
                flags |= UNSTICK_FLAG_SIGNED;
            }
            (UNSTICK_LENGTH_FIXED, int.len() as u8, flags)
        }
        LengthField::Leb128 => (UNSTICK_LENGTH_LEB128, 0, 0),
        LengthField::MqttVbi => (UNSTICK_LENGTH_MQTT, 0, 0),
        LengthField::QuicVarint => (UNSTICK_LENGTH_QUIC, 0, 0),
    };
    if f.oversize() == Oversize::Skip {
        flags |= UNSTICK_FLAG_SKIP_OVERSIZE;
    }
    if f.streaming() {
        flags |= UNSTICK_FLAG_STREAMING;
    }
    if f.non_minimal_lengths() {
        flags |= UNSTICK_FLAG_NON_MINIMAL;
    }
    unstick_format {
        max_frame_len: f.max_frame_len(),
        adjustment: f.adjustment(),
        head_len: f.head_len() as u8,
        length,
        width,
        flags,
    }
}

/// The length field a C description names (`UNSTICK_LENGTH_*`; for a fixed one its width and
/// the order and sign flags), or `None`.
pub(crate) fn length_field(length: u8, width: u8, flags: u8) -> Option<LengthField> {
    Some(match length {
        UNSTICK_LENGTH_FIXED => {
            let width = match width {
                1 => Width::W1,
                2 => Width::W2,
                3 => Width::W3,
                4 => Width::W4,
                8 => Width::W8,
                _ => return None,
            };
            let order = if flags & UNSTICK_FLAG_LITTLE_ENDIAN != 0 {
                ByteOrder::Little
            } else {
                ByteOrder::Big
            };
            LengthField::Fixed(FixedInt::new(
                width,
                order,
                flags & UNSTICK_FLAG_SIGNED != 0,
            ))
        }
        UNSTICK_LENGTH_LEB128 => LengthField::Leb128,
        UNSTICK_LENGTH_MQTT => LengthField::MqttVbi,
        UNSTICK_LENGTH_QUIC => LengthField::QuicVarint,
        _ => return None,
    })
}

/// The Rust format a C one describes, or why it describes none.
fn to_format(f: &unstick_format) -> Result<FrameFormat, unstick_error> {
    let bad = unstick_error::code(UNSTICK_ERR_BAD_FORMAT);
    if f.flags & !KNOWN_FLAGS != 0 || usize::from(f.head_len) > unstick::MAX_HEAD_LEN {
        return Err(bad);
    }
    let length = length_field(f.length, f.width, f.flags).ok_or(bad)?;
    let oversize = if f.flags & UNSTICK_FLAG_SKIP_OVERSIZE != 0 {
        Oversize::Skip
    } else {
        Oversize::Reject
    };
    let format = FrameFormat::new()
        .with_head_len(usize::from(f.head_len))
        .with_length(length)
        .with_adjustment(f.adjustment)
        .with_max_frame_len(f.max_frame_len)
        .with_oversize(oversize)
        .with_streaming(f.flags & UNSTICK_FLAG_STREAMING != 0)
        .with_non_minimal_lengths(f.flags & UNSTICK_FLAG_NON_MINIMAL != 0);
    format.check().map_err(unstick_error::config)?;
    Ok(format)
}

/// Reads a C format, or reports why it cannot be used.
///
/// # Safety
/// `format` is null or valid for a read; `err` is null or valid for a write.
unsafe fn read_format(
    format: *const unstick_format,
    err: *mut unstick_error,
) -> Result<FrameFormat, unstick_code> {
    // SAFETY: the caller passes null or a pointer valid for reading one `unstick_format`.
    let Some(format) = (unsafe { format.as_ref() }) else {
        // SAFETY: `err` is null or valid for a write (the caller's contract).
        return Err(unsafe { report(err, unstick_error::code(UNSTICK_ERR_NULL)) });
    };
    // SAFETY: as above.
    to_format(format).map_err(|e| unsafe { report(err, e) })
}

/// Fills `out` with the default format: the tutorials' 4-byte big-endian length, 64 KiB.
///
/// # Safety
/// `out` is null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_format_default(out: *mut unstick_format) -> unstick_code {
    if out.is_null() {
        return UNSTICK_ERR_NULL;
    }
    // SAFETY: checked not null; the caller passes a pointer valid for a write.
    unsafe { out.write(unstick_format::default()) };
    UNSTICK_OK
}

/// Fills `out` with the preset called `name` (a NUL-terminated string: `grpc`, `postgres`,
/// `postgres-startup`, `kafka`, `mysql`, `http2`, `tls`, `dns-tcp`, `modbus-tcp`, `mqtt`,
/// `protobuf`, `bitcoin`). `UNSTICK_ERR_PARSE` for another name.
///
/// # Safety
/// `name` is null or a NUL-terminated string; `out` is null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_format_preset(
    name: *const c_char,
    out: *mut unstick_format,
) -> unstick_code {
    if name.is_null() || out.is_null() {
        return UNSTICK_ERR_NULL;
    }
    // SAFETY: checked not null; the caller passes a NUL-terminated string.
    let name = unsafe { CStr::from_ptr(name) };
    let Some(format) = name.to_str().ok().and_then(FrameFormat::preset) else {
        return UNSTICK_ERR_PARSE;
    };
    // SAFETY: checked not null; the caller passes a pointer valid for a write.
    unsafe { out.write(from_format(format)) };
    UNSTICK_OK
}

/// Fills `out` from a format's text, `len` bytes at `text` (no NUL needed): a preset or a
/// length field, then settings (`grpc,max=4MiB`, `u16le,head=2,adjust=-2`). On
/// `UNSTICK_ERR_PARSE`, `err.offset` and `err.length` give the offending item's place.
///
/// # Safety
/// `text` is null or valid for reading `len` bytes; `out` is null or valid for a write; `err`
/// is null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_format_parse(
    text: *const c_char,
    len: usize,
    out: *mut unstick_format,
    err: *mut unstick_error,
) -> unstick_code {
    // SAFETY: `text` is null or valid for `len` bytes (the caller's contract).
    let Some(bytes) = (unsafe { bytes_in(text.cast(), len) }) else {
        // SAFETY: `err` is null or valid for a write.
        return unsafe { report(err, unstick_error::code(UNSTICK_ERR_NULL)) };
    };
    if out.is_null() {
        // SAFETY: as above.
        return unsafe { report(err, unstick_error::code(UNSTICK_ERR_NULL)) };
    }
    let parsed = core::str::from_utf8(bytes)
        .map_err(|e| unstick_error {
            offset: e.valid_up_to() as u64,
            length: 1,
            ..unstick_error::code(UNSTICK_ERR_PARSE)
        })
        .and_then(|text| {
            text.parse::<FrameFormat>().map_err(|e| unstick_error {
                offset: e.at as u64,
                length: e.len as u64,
                ..unstick_error::code(UNSTICK_ERR_PARSE)
            })
        });
    match parsed {
        Ok(format) => {
            // SAFETY: checked not null; the caller passes a pointer valid for a write.
            unsafe { out.write(from_format(format)) };
            // SAFETY: `err` is null or valid for a write.
            unsafe { report(err, unstick_error::default()) }
        }
        // SAFETY: `err` is null or valid for a write.
        Err(e) => unsafe { report(err, e) },
    }
}

/// `len` bytes at `ptr` as a slice: empty for length 0 (any pointer), `None` for a null
/// pointer with a length.
///
/// # Safety
/// `ptr` is null or valid for reading `len` bytes, which nothing writes while the slice lives.
unsafe fn bytes_in<'a>(ptr: *const u8, len: usize) -> Option<&'a [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if ptr.is_null() {
        return None;
    }
    // SAFETY: not null, and valid for reading `len` bytes (the caller's contract); a valid
    // object is at most isize::MAX bytes.
    Some(unsafe { core::slice::from_raw_parts(ptr, len) })
}

// ---------------------------------------------------------------------------------------
// Decoder

/// What a decoder in caller storage holds; `magic` first in every kind of decoder, so one
/// kind's storage re-initialised as another never passes for the first.
#[repr(C)]
struct Decoder {
    /// [`MAGIC`] once initialised: calls on storage that holds no decoder are refused.
    magic: u64,
    inner: LengthDecoder<&'static mut [u8]>,
}

/// The storage error, with the sizes.
pub(crate) fn storage_too_small(given: usize, needed: usize) -> unstick_error {
    unstick_error {
        length: given as u64,
        limit: needed as u64,
        ..unstick_error::code(UNSTICK_ERR_STORAGE_TOO_SMALL)
    }
}

/// Marks `storage` as holding no decoder (after a failed initialisation: the decoder that was
/// there may use a buffer the caller has let go).
///
/// # Safety
/// `storage` is aligned and valid for writing the magic word.
pub(crate) unsafe fn clear_magic(storage: *mut c_void) {
    // SAFETY: the caller's contract; `magic` is the first field of every decoder kind.
    unsafe { storage.cast::<u64>().write(0) };
}

/// `frame` and `offset` of an error that is not about a place in a stream.
const NOT_IN_A_STREAM: u64 = u64::MAX;

const MAGIC: u64 = 0x756e_7374_6963_6b31; // "unstick1"

/// Bytes of storage a decoder needs.
pub const UNSTICK_DECODER_SIZE: usize = 80;
/// The alignment its storage needs.
pub const UNSTICK_DECODER_ALIGN: usize = 8;

// The largest on any target (64-bit); a decoder that grows changes the ABI and fails here.
const _: () = assert!(core::mem::size_of::<Decoder>() <= UNSTICK_DECODER_SIZE);
const _: () = assert!(core::mem::align_of::<Decoder>() <= UNSTICK_DECODER_ALIGN);

/// Storage for one decoder with the size and alignment it needs: `static
/// unstick_decoder_storage storage;` then `unstick_decoder_init(&storage, sizeof storage, ...)`.
#[repr(C, align(8))]
pub union unstick_decoder_storage {
    /// The bytes.
    pub bytes: [u8; UNSTICK_DECODER_SIZE],
    /// Forces the alignment.
    pub align: u64,
}

/// The decoder of type `T` (a `repr(C)` struct whose first field is the magic word `magic`)
/// in `storage`, or why there is none.
///
/// # Safety
/// `storage` is null, or storage an init function initialised (or any storage of the size,
/// refused unless it holds a decoder), not used by another call at the same time.
pub(crate) unsafe fn stored<'a, T>(
    storage: *mut c_void,
    magic: u64,
) -> Result<&'a mut T, unstick_code> {
    if storage.is_null() {
        return Err(UNSTICK_ERR_NULL);
    }
    if !(storage as usize).is_multiple_of(UNSTICK_DECODER_ALIGN) {
        return Err(UNSTICK_ERR_MISALIGNED);
    }
    // SAFETY: aligned and (by the contract) at least the decoder's size of readable bytes;
    // the magic word comes first and a `u64` has no invalid values.
    if unsafe { storage.cast::<u64>().read() } != magic {
        return Err(UNSTICK_ERR_NOT_INITIALIZED);
    }
    // SAFETY: the magic says an init function wrote a `T` here, and the caller makes no
    // other call on it meanwhile.
    Ok(unsafe { &mut *storage.cast::<T>() })
}

/// The length decoder in `storage`, or why there is none.
///
/// # Safety
/// As for [`stored`].
unsafe fn decoder_in<'a>(storage: *mut c_void) -> Result<&'a mut Decoder, unstick_code> {
    // SAFETY: the caller's contract.
    unsafe { stored(storage, MAGIC) }
}

/// The checks every init function makes before it builds a decoder: pointers, storage size
/// (`needed`) and alignment, and the caller's buffer as the `'static` slice the decoder keeps.
/// Passing them clears the magic word, so a failure from here on leaves no decoder behind.
///
/// # Safety
/// `storage` null or valid for writing `storage_len` bytes; `buffer` null or valid for reads
/// and writes of `buffer_len` bytes for the decoder's life.
pub(crate) unsafe fn prepare_storage(
    storage: *mut c_void,
    storage_len: usize,
    needed: usize,
    buffer: *mut u8,
    buffer_len: usize,
) -> Result<&'static mut [u8], unstick_error> {
    if storage.is_null() || (buffer.is_null() && buffer_len != 0) {
        return Err(unstick_error::code(UNSTICK_ERR_NULL));
    }
    if storage_len < needed {
        return Err(storage_too_small(storage_len, needed));
    }
    if !(storage as usize).is_multiple_of(UNSTICK_DECODER_ALIGN) {
        return Err(unstick_error::code(UNSTICK_ERR_MISALIGNED));
    }
    // SAFETY: checked: aligned, and valid for `needed` >= 8 bytes.
    unsafe { clear_magic(storage) };
    if buffer_len == 0 {
        return Ok(&mut []);
    }
    // SAFETY: not null, valid for `buffer_len` bytes of reads and writes, and left to the
    // decoder for its whole life (the caller's contract): the `'static` borrow is as long as
    // the decoder can use it.
    Ok(unsafe { core::slice::from_raw_parts_mut(buffer, buffer_len) })
}

/// Initialises a decoder in `storage` (`storage_len` bytes, aligned to
/// `UNSTICK_DECODER_ALIGN`), for `format`, over `buffer` (`buffer_len` bytes; only frames
/// that straddle chunks are copied there). `buffer` must stay valid, and untouched by the
/// caller, until the decoder is no longer used; it may be null with length 0 for a decoder
/// that only streams. Re-initialising a decoder is allowed; when it fails, the storage holds
/// no decoder. Before `unstick_decoder_init`, other calls recognise storage that holds none only
/// if it is zeroed (as static storage is); `unstick_decoder_release` marks it so again.
///
/// # Safety
/// `storage` is null or valid for writing `storage_len` bytes; `format` null or valid for a
/// read; `buffer` null or valid for reads and writes of `buffer_len` bytes for the decoder's
/// life; `err` null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_decoder_init(
    storage: *mut c_void,
    storage_len: usize,
    format: *const unstick_format,
    buffer: *mut u8,
    buffer_len: usize,
    err: *mut unstick_error,
) -> unstick_code {
    // SAFETY: `storage` and `buffer` as the caller's contract says.
    let buffer = match unsafe {
        prepare_storage(
            storage,
            storage_len,
            UNSTICK_DECODER_SIZE,
            buffer,
            buffer_len,
        )
    } {
        Ok(buffer) => buffer,
        // SAFETY: `err` is null or valid for a write.
        Err(e) => return unsafe { report(err, e) },
    };
    // SAFETY: `format` is null or valid for a read; `err` null or valid for a write.
    let format = match unsafe { read_format(format, err) } {
        Ok(format) => format,
        Err(code) => return code,
    };
    let inner = match LengthDecoder::new(format, buffer) {
        Ok(inner) => inner,
        // SAFETY: `err` is null or valid for a write.
        Err(e) => return unsafe { report(err, unstick_error::config(e)) },
    };
    // SAFETY: aligned, and valid for writing `UNSTICK_DECODER_SIZE` >= size_of::<Decoder>()
    // bytes (checked above and at compile time).
    unsafe {
        storage.cast::<Decoder>().write(Decoder {
            magic: MAGIC,
            inner,
        });
    }
    // SAFETY: `err` is null or valid for a write.
    unsafe { report(err, unstick_error::default()) }
}

/// What `unstick_decode` found.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum unstick_event_kind {
    /// No event: every byte of the chunk was consumed (buffered for a frame that continues).
    UNSTICK_EVENT_NONE = 0,
    /// A whole frame: `head`/`head_len`, payload in `data`/`data_len`.
    UNSTICK_EVENT_FRAME = 1,
    /// A frame too large for the buffer begins (streaming): `head`, and its payload length in
    /// `length`.
    UNSTICK_EVENT_STREAM_START = 2,
    /// The next piece of the streamed payload, in `data`/`data_len`.
    UNSTICK_EVENT_STREAM_PIECE = 3,
    /// The streamed payload is complete.
    UNSTICK_EVENT_STREAM_END = 4,
    /// An over-limit frame was skipped (`UNSTICK_FLAG_SKIP_OVERSIZE`); `length`: its length.
    UNSTICK_EVENT_SKIPPED = 5,
}

/// One event from the decoder. The pointers borrow from the chunk given or from the
/// decoder's buffer: valid until the next call on the decoder (and while the chunk is).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct unstick_event {
    /// What happened.
    pub kind: unstick_event_kind,
    /// Bytes of the chunk consumed by this call: call again with the rest.
    pub consumed: usize,
    /// The frame's head (`UNSTICK_EVENT_FRAME`, `_STREAM_START`).
    pub head: *const u8,
    /// Its length.
    pub head_len: usize,
    /// The payload (`UNSTICK_EVENT_FRAME`) or piece (`UNSTICK_EVENT_STREAM_PIECE`).
    pub data: *const u8,
    /// Its length.
    pub data_len: usize,
    /// A payload length (`UNSTICK_EVENT_STREAM_START`, `_SKIPPED`, and `_FRAME`).
    pub length: u64,
}

impl Default for unstick_event {
    fn default() -> Self {
        Self {
            kind: unstick_event_kind::UNSTICK_EVENT_NONE,
            consumed: 0,
            head: core::ptr::null(),
            head_len: 0,
            data: core::ptr::null(),
            data_len: 0,
            length: 0,
        }
    }
}

/// Decodes from `chunk` (`len` bytes; null only with length 0) until one event: fills
/// `event` (kind, bytes consumed, the frame or piece) and returns `UNSTICK_OK`. Call again
/// with the unconsumed rest of the chunk until the kind is `UNSTICK_EVENT_NONE`, then with
/// the next chunk. A framing error is returned with its details in `err`, and again by every
/// later call until `unstick_decoder_reset`.
///
/// # Safety
/// `decoder` is storage given to `unstick_decoder_init` (or null); `chunk` null or valid for
/// reading `len` bytes; `event` and `err` null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_decode(
    decoder: *mut c_void,
    chunk: *const u8,
    len: usize,
    event: *mut unstick_event,
    err: *mut unstick_error,
) -> unstick_code {
    let fail = |code| {
        // SAFETY: `err` is null or valid for a write.
        unsafe { report(err, unstick_error::code(code)) }
    };
    // SAFETY: the caller passes storage `unstick_decoder_init` initialised, or null.
    let d = match unsafe { decoder_in(decoder) } {
        Ok(d) => d,
        Err(code) => return fail(code),
    };
    if event.is_null() {
        return fail(UNSTICK_ERR_NULL);
    }
    // SAFETY: `chunk` is null or valid for `len` bytes.
    let Some(input) = (unsafe { bytes_in(chunk, len) }) else {
        return fail(UNSTICK_ERR_NULL);
    };
    let out = match d.inner.decode(input) {
        Ok(step) => to_event(step),
        // SAFETY: `err` is null or valid for a write.
        Err(e) => return unsafe { report(err, unstick_error::decode(e)) },
    };
    // SAFETY: checked not null; the caller passes a pointer valid for a write.
    unsafe { event.write(out) };
    // SAFETY: `err` is null or valid for a write.
    unsafe { report(err, unstick_error::default()) }
}

/// The C form of one decoding step.
#[inline(always)]
fn to_event(step: unstick::Decoded<'_>) -> unstick_event {
    let mut out = match step.event {
        Some(event) => event_of(event),
        None => unstick_event::default(),
    };
    out.consumed = step.consumed;
    out
}

/// A slice for C: NULL when empty (Rust's empty slices point anywhere).
#[inline(always)]
fn c_bytes(bytes: &[u8]) -> (*const u8, usize) {
    if bytes.is_empty() {
        (core::ptr::null(), 0)
    } else {
        (bytes.as_ptr(), bytes.len())
    }
}

/// The C form of an event (`consumed` 0).
#[inline(always)]
fn event_of(event: Event<'_>) -> unstick_event {
    let mut out = unstick_event::default();
    match event {
        Event::Frame(frame) => {
            out.kind = unstick_event_kind::UNSTICK_EVENT_FRAME;
            (out.head, out.head_len) = c_bytes(frame.head);
            (out.data, out.data_len) = c_bytes(frame.payload);
            out.length = frame.payload.len() as u64;
        }
        Event::StreamStart { head, len } => {
            out.kind = unstick_event_kind::UNSTICK_EVENT_STREAM_START;
            (out.head, out.head_len) = c_bytes(head);
            out.length = len;
        }
        Event::StreamPiece(piece) => {
            out.kind = unstick_event_kind::UNSTICK_EVENT_STREAM_PIECE;
            (out.data, out.data_len) = c_bytes(piece);
        }
        Event::StreamEnd => out.kind = unstick_event_kind::UNSTICK_EVENT_STREAM_END,
        Event::Skipped { len } => {
            out.kind = unstick_event_kind::UNSTICK_EVENT_SKIPPED;
            out.length = len;
        }
    }
    out
}

/// A C function `unstick_decode_each` hands every event to, with the `context` given.
pub type unstick_on_event =
    Option<unsafe extern "C" fn(context: *mut c_void, event: *const unstick_event)>;

/// Decodes all of `chunk` in one pass, calling `on_event(context, &event)` for every event it
/// completes, in order, and stores their number in `count`: the fastest way through many
/// small frames (the core's `decode_all`). Each event and the bytes it points at are valid
/// only during its call (`consumed` is 0: the call uses the whole chunk). On a framing error,
/// the events before it were delivered and counted, and the error is returned. `on_event` must
/// return normally, and must not call into this decoder.
///
/// # Safety
/// `decoder` is storage given to `unstick_decoder_init` (or null); `chunk` null or valid for
/// reading `len` bytes; `on_event` a function safe to call with `context` and an event;
/// `count` and `err` null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_decode_each(
    decoder: *mut c_void,
    chunk: *const u8,
    len: usize,
    on_event: unstick_on_event,
    context: *mut c_void,
    count: *mut usize,
    err: *mut unstick_error,
) -> unstick_code {
    let fail = |code| {
        // SAFETY: `err` is null or valid for a write.
        unsafe { report(err, unstick_error::code(code)) }
    };
    // SAFETY: the caller passes storage `unstick_decoder_init` initialised, or null.
    let d = match unsafe { decoder_in(decoder) } {
        Ok(d) => d,
        Err(code) => return fail(code),
    };
    let (Some(on_event), false) = (on_event, count.is_null()) else {
        return fail(UNSTICK_ERR_NULL);
    };
    // SAFETY: `chunk` is null or valid for `len` bytes.
    let Some(input) = (unsafe { bytes_in(chunk, len) }) else {
        return fail(UNSTICK_ERR_NULL);
    };
    let mut n = 0usize;
    let result = d.inner.decode_all(input, |event| {
        let event = event_of(event);
        // SAFETY: the caller passes a function safe to call with `context` and an event; the
        // event lives on this stack frame for the call.
        unsafe { on_event(context, &event) };
        n += 1;
    });
    // SAFETY: checked not null; valid for a write.
    unsafe { count.write(n) };
    // SAFETY: `err` is null or valid for a write.
    unsafe {
        report(
            err,
            result.map_or_else(unstick_error::decode, |()| unstick_error::default()),
        )
    }
}

/// Decodes many events in one call, for small frames (one call per frame costs more than
/// decoding a 16-byte frame), in one pass of the core's batch decoder: fills `events` (room for `capacity`) with the events `chunk`
/// completes, in order, stores their number in `count` (`UNSTICK_EVENT_NONE` is never
/// stored) and the bytes of the chunk the call used in `consumed` (which may be more than the
/// events' own: bytes of a frame the chunk ends inside are kept in the decoder, or passed
/// over when the frame is skipped). It stops
/// when the chunk is used up, when `events` is full, or after an event whose bytes lie in the
/// decoder's buffer (a frame that straddled chunks), so every pointer stays valid until the
/// next call. Call again with the rest of the chunk until `count` is 0. On a framing error,
/// the events before it are stored and counted, `consumed` covers them, and the error is
/// returned.
///
/// # Safety
/// `decoder` is storage given to `unstick_decoder_init` (or null); `chunk` null or valid for
/// reading `len` bytes; `events` null or valid for writing `capacity` (at least 1) events; `count`,
/// `consumed` and `err` null or valid for a write.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // each pointer comes with its length, as C passes them
pub unsafe extern "C" fn unstick_decode_events(
    decoder: *mut c_void,
    chunk: *const u8,
    len: usize,
    events: *mut unstick_event,
    capacity: usize,
    count: *mut usize,
    consumed: *mut usize,
    err: *mut unstick_error,
) -> unstick_code {
    let fail = |code| {
        // SAFETY: `err` is null or valid for a write.
        unsafe { report(err, unstick_error::code(code)) }
    };
    // SAFETY: the caller passes storage `unstick_decoder_init` initialised, or null.
    let d = match unsafe { decoder_in(decoder) } {
        Ok(d) => d,
        Err(code) => return fail(code),
    };
    if count.is_null() || consumed.is_null() || events.is_null() {
        return fail(UNSTICK_ERR_NULL);
    }
    // No room would read as "the chunk is done" (a count of 0) with the chunk unread.
    if capacity == 0 {
        // SAFETY: `err` is null or valid for a write.
        return unsafe {
            report(
                err,
                unstick_error {
                    length: 1,
                    limit: 0,
                    frame: NOT_IN_A_STREAM,
                    offset: NOT_IN_A_STREAM,
                    ..unstick_error::code(UNSTICK_ERR_OUTPUT_TOO_SMALL)
                },
            )
        };
    }
    // SAFETY: `chunk` is null or valid for `len` bytes.
    let Some(input) = (unsafe { bytes_in(chunk, len) }) else {
        return fail(UNSTICK_ERR_NULL);
    };
    let range = input.as_ptr_range();
    let (mut n, mut used) = (0, 0);
    // One pass of the core's batch decoder: back-to-back whole frames without a step each.
    let result = d.inner.decode_until(input, |event, step| {
        let mut event = event_of(event);
        event.consumed = step;
        used += step;
        // SAFETY: `n < capacity` (the pass stops when it reaches it) and `events` is valid
        // for `capacity` events.
        unsafe { events.add(n).write(event) };
        n += 1;
        // A head, payload or piece in the decoder's buffer may be overwritten by the next
        // decode: the batch ends with it.
        let outside = |ptr: *const u8, len: usize| len > 0 && !range.contains(&ptr);
        if n == capacity
            || outside(event.head, event.head_len)
            || outside(event.data, event.data_len)
        {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    let result = match result {
        // With the start of a frame the chunk ends inside.
        Ok(all) => {
            used = all;
            unstick_error::default()
        }
        Err(e) => unstick_error::decode(e),
    };
    // SAFETY: checked not null; valid for writes.
    unsafe {
        count.write(n);
        consumed.write(used);
    }
    // SAFETY: `err` is null or valid for a write.
    unsafe { report(err, result) }
}

/// At the end of the stream: `UNSTICK_OK` if it ended on a frame boundary, else
/// `UNSTICK_ERR_TRUNCATED_PREFIX` or `_TRUNCATED_FRAME` with the details in `err` (and the
/// decoder fails). Also reports an earlier framing error.
///
/// # Safety
/// As for `unstick_decode`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_decoder_finish(
    decoder: *mut c_void,
    err: *mut unstick_error,
) -> unstick_code {
    // SAFETY: the caller passes storage `unstick_decoder_init` initialised, or null.
    let d = match unsafe { decoder_in(decoder) } {
        Ok(d) => d,
        // SAFETY: `err` is null or valid for a write.
        Err(code) => return unsafe { report(err, unstick_error::code(code)) },
    };
    let result = d.inner.end_stream();
    // SAFETY: `err` is null or valid for a write.
    unsafe {
        report(
            err,
            result.map_or_else(unstick_error::decode, |()| unstick_error::default()),
        )
    }
}

/// Marks `storage` as holding no decoder: later calls on it return
/// `UNSTICK_ERR_NOT_INITIALIZED` instead of using a buffer the caller is about to free. (Works
/// for a JSON-header decoder's storage too.)
///
/// # Safety
/// `storage` is null, or storage a decoder was initialised in.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_decoder_release(storage: *mut c_void) -> unstick_code {
    if storage.is_null() {
        return UNSTICK_ERR_NULL;
    }
    if !(storage as usize).is_multiple_of(UNSTICK_DECODER_ALIGN) {
        return UNSTICK_ERR_MISALIGNED;
    }
    // SAFETY: aligned, and (by the contract) storage that held a decoder: at least 8 bytes.
    unsafe { clear_magic(storage) };
    UNSTICK_OK
}

/// Forgets a failure and any partial frame: the decoder starts a new stream (frame and offset
/// counters from 0).
///
/// # Safety
/// As for `unstick_decode`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_decoder_reset(decoder: *mut c_void) -> unstick_code {
    // SAFETY: the caller passes storage `unstick_decoder_init` initialised, or null.
    match unsafe { decoder_in(decoder) } {
        Ok(d) => {
            d.inner.reset();
            UNSTICK_OK
        }
        Err(code) => code,
    }
}

/// Frames completed so far (0 for storage that holds no decoder).
///
/// # Safety
/// As for `unstick_decode`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_decoder_frames(decoder: *mut c_void) -> u64 {
    // SAFETY: the caller passes storage `unstick_decoder_init` initialised, or null.
    unsafe { decoder_in(decoder) }.map_or(0, |d| d.inner.frames())
}

/// Stream offset of the current frame's first byte (0 for storage that holds no decoder).
///
/// # Safety
/// As for `unstick_decode`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_decoder_offset(decoder: *mut c_void) -> u64 {
    // SAFETY: the caller passes storage `unstick_decoder_init` initialised, or null.
    unsafe { decoder_in(decoder) }.map_or(0, |d| d.inner.offset())
}

/// Bytes still missing from the current frame, as far as its prefix tells (0 between frames).
///
/// # Safety
/// As for `unstick_decode`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_decoder_missing(decoder: *mut c_void) -> u64 {
    // SAFETY: the caller passes storage `unstick_decoder_init` initialised, or null.
    unsafe { decoder_in(decoder) }.map_or(0, |d| d.inner.missing())
}

// ---------------------------------------------------------------------------------------
// Encoder

/// Writes a whole frame, `head` (the format's head length; null with 0), length field and
/// `payload`, to `out` (`out_len` bytes) and stores its size in `written`. On error nothing is
/// written; `UNSTICK_ERR_OUTPUT_TOO_SMALL` says in `err.length` how many bytes it needs.
///
/// # Safety
/// `format` null or valid for a read; `head`, `payload` null or valid for their lengths; `out`
/// null or valid for writing `out_len` bytes, not overlapping them; `written` and `err` null
/// or valid for a write.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // each pointer comes with its length, as C passes them
pub unsafe extern "C" fn unstick_encode(
    format: *const unstick_format,
    head: *const u8,
    head_len: usize,
    payload: *const u8,
    payload_len: usize,
    out: *mut u8,
    out_len: usize,
    written: *mut usize,
    err: *mut unstick_error,
) -> unstick_code {
    let fail = |code| {
        // SAFETY: `err` is null or valid for a write.
        unsafe { report(err, unstick_error::code(code)) }
    };
    // SAFETY: `format` null or valid for a read, `err` null or valid for a write.
    let format = match unsafe { read_format(format, err) } {
        Ok(f) => f,
        Err(code) => return code,
    };
    // SAFETY: each pointer is null or valid for its length (the caller's contract).
    let (Some(head), Some(payload)) = (unsafe { bytes_in(head, head_len) }, unsafe {
        bytes_in(payload, payload_len)
    }) else {
        return fail(UNSTICK_ERR_NULL);
    };
    if written.is_null() || (out.is_null() && out_len != 0) {
        return fail(UNSTICK_ERR_NULL);
    }
    let out: &mut [u8] = if out_len == 0 {
        &mut []
    } else {
        // SAFETY: not null, valid for writing `out_len` bytes and not overlapping the inputs
        // (the caller's contract).
        unsafe { core::slice::from_raw_parts_mut(out, out_len) }
    };
    match LengthEncoder::new(format).encode_with_head(head, payload, out) {
        Ok(n) => {
            // SAFETY: checked not null; valid for a write.
            unsafe { written.write(n) };
            // SAFETY: `err` is null or valid for a write.
            unsafe { report(err, unstick_error::default()) }
        }
        // SAFETY: `err` is null or valid for a write.
        Err(e) => unsafe { report(err, unstick_error::encode(e)) },
    }
}

/// Writes only the prefix, `head` and length field, for a payload of `payload_len` bytes to
/// `out` (at least `UNSTICK_MAX_PREFIX_LEN` bytes) and its size to `prefix_len`: send it,
/// then the payload, with one scatter-gather write.
///
/// # Safety
/// `format` null or valid for a read; `head` null or valid for `head_len` bytes; `out` null or
/// valid for writing `UNSTICK_MAX_PREFIX_LEN` bytes; `prefix_len` and `err` null or valid for
/// a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_prefix(
    format: *const unstick_format,
    head: *const u8,
    head_len: usize,
    payload_len: u64,
    out: *mut u8,
    prefix_len: *mut usize,
    err: *mut unstick_error,
) -> unstick_code {
    let fail = |code| {
        // SAFETY: `err` is null or valid for a write.
        unsafe { report(err, unstick_error::code(code)) }
    };
    // SAFETY: `format` null or valid for a read, `err` null or valid for a write.
    let format = match unsafe { read_format(format, err) } {
        Ok(f) => f,
        Err(code) => return code,
    };
    // SAFETY: `head` is null or valid for `head_len` bytes.
    let Some(head) = (unsafe { bytes_in(head, head_len) }) else {
        return fail(UNSTICK_ERR_NULL);
    };
    if out.is_null() || prefix_len.is_null() {
        return fail(UNSTICK_ERR_NULL);
    }
    let Ok(payload_len) = usize::try_from(payload_len) else {
        // No payload in memory can be longer than `SIZE_MAX`.
        let e = EncodeError::FrameTooLarge {
            len: payload_len,
            max: usize::MAX as u64,
        };
        // SAFETY: `err` is null or valid for a write.
        return unsafe { report(err, unstick_error::encode(e)) };
    };
    match LengthEncoder::new(format).prefix_with_head(head, payload_len) {
        Ok(prefix) => {
            let bytes = prefix.as_bytes();
            // SAFETY: `out` is valid for `UNSTICK_MAX_PREFIX_LEN` >= `bytes.len()` bytes and
            // does not overlap the prefix, which lives on this stack frame.
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), out, bytes.len()) };
            // SAFETY: checked not null; valid for a write.
            unsafe { prefix_len.write(bytes.len()) };
            // SAFETY: `err` is null or valid for a write.
            unsafe { report(err, unstick_error::default()) }
        }
        // SAFETY: `err` is null or valid for a write.
        Err(e) => unsafe { report(err, unstick_error::encode(e)) },
    }
}

// ---------------------------------------------------------------------------------------
// Messages

/// Writes the message explaining `err` (`"frame 3 (at byte 120) announces a 70000-byte
/// payload, over the limit of 65536"`) into `buf` (`buf_len` bytes), cut to fit and always
/// NUL-terminated when `buf_len` > 0, and returns the message's full length (as `snprintf`
/// does): a result of `buf_len` or more means it was cut.
///
/// # Safety
/// `err` null or valid for a read; `buf` null or valid for writing `buf_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_error_message(
    err: *const unstick_error,
    buf: *mut c_char,
    buf_len: usize,
) -> usize {
    // SAFETY: `err` is null or valid for a read.
    let err = unsafe { err.as_ref() }
        .copied()
        .unwrap_or_else(|| unstick_error::code(UNSTICK_ERR_NULL));
    let buf: &mut [u8] = if buf.is_null() || buf_len == 0 {
        &mut []
    } else {
        // SAFETY: not null, and valid for writing `buf_len` bytes (the caller's contract).
        unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), buf_len) }
    };
    let mut sink = Sink { buf, len: 0 };
    let _ = write_message(&mut sink, &err);
    let full = sink.len;
    let end = full.min(sink.buf.len().saturating_sub(1));
    if let Some(nul) = sink.buf.get_mut(end) {
        *nul = 0;
    }
    full
}

/// Counts every byte written, keeps what fits before the last byte (left for the NUL).
struct Sink<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl core::fmt::Write for Sink<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.buf.len().saturating_sub(1);
        for &b in s.as_bytes() {
            if let Some(slot) = self.buf.get_mut(self.len).filter(|_| self.len < room) {
                *slot = b;
            }
            self.len += 1;
        }
        Ok(())
    }
}

fn write_message(out: &mut impl core::fmt::Write, e: &unstick_error) -> core::fmt::Result {
    let (frame, offset, length, limit, value) = (e.frame, e.offset, e.length, e.limit, e.value);
    let Some(code) = code_of(e.code) else {
        return write!(out, "unknown error code {}", e.code);
    };
    match code {
        UNSTICK_OK => out.write_str("no error"),
        UNSTICK_ERR_NULL => out.write_str("a required pointer was null"),
        UNSTICK_ERR_STORAGE_TOO_SMALL => write!(
            out,
            "the decoder storage has {length} bytes; it needs {limit}"
        ),
        UNSTICK_ERR_MISALIGNED => write!(
            out,
            "the decoder storage is not aligned to UNSTICK_DECODER_ALIGN ({UNSTICK_DECODER_ALIGN} bytes)"
        ),
        UNSTICK_ERR_NOT_INITIALIZED => {
            out.write_str("the storage holds no decoder: call unstick_decoder_init first")
        }
        UNSTICK_ERR_BAD_FORMAT => out.write_str(
            "the format is not usable: check its length kind, width (1, 2, 3, 4 or 8), flags and head (at most 16 bytes)",
        ),
        UNSTICK_ERR_BUFFER_TOO_SMALL => write!(
            out,
            "a {length}-byte buffer cannot hold a {value}-byte head and a {limit}-byte payload; enable streaming, lower the limit or give a larger buffer"
        ),
        UNSTICK_ERR_PARSE => write!(
            out,
            "the format's text is not understood at byte {offset} ({length} bytes)"
        ),
        UNSTICK_ERR_FRAME_TOO_LARGE if frame == NOT_IN_A_STREAM => write!(
            out,
            "a {length}-byte payload is over the limit of {limit}"
        ),
        UNSTICK_ERR_FRAME_TOO_LARGE => write!(
            out,
            "frame {frame} (at byte {offset}) has a {length}-byte payload, over the limit of {limit}"
        ),
        UNSTICK_ERR_NEGATIVE_LENGTH => write!(
            out,
            "frame {frame} (at byte {offset}) has a negative length ({value})"
        ),
        UNSTICK_ERR_LENGTH_BELOW_ADJUSTMENT => write!(
            out,
            "frame {frame} (at byte {offset}): length {length} with the adjustment {value} is below zero"
        ),
        UNSTICK_ERR_LENGTH_OVERFLOW => write!(
            out,
            "frame {frame} (at byte {offset}): the length does not fit in 64 bits"
        ),
        UNSTICK_ERR_OVERLONG_LENGTH => write!(
            out,
            "frame {frame} (at byte {offset}): the varint length runs past {limit} bytes"
        ),
        UNSTICK_ERR_NON_MINIMAL_LENGTH => write!(
            out,
            "frame {frame} (at byte {offset}): the varint length is longer than necessary"
        ),
        UNSTICK_ERR_TRUNCATED_PREFIX => write!(
            out,
            "the stream ended inside the head or length field of frame {frame} (at byte {offset}): {length} bytes of it received"
        ),
        UNSTICK_ERR_TRUNCATED_FRAME => write!(
            out,
            "the stream ended inside frame {frame} (at byte {offset}): {value} of its {length} payload bytes missing"
        ),
        UNSTICK_ERR_HEAD_LENGTH => write!(
            out,
            "the head is {length} bytes; the format's is {limit}"
        ),
        UNSTICK_ERR_PAYLOAD_BELOW_ADJUSTMENT => write!(
            out,
            "a {length}-byte payload is shorter than the {} bytes the adjustment says follow the length",
            limit as i64
        ),
        UNSTICK_ERR_LENGTH_OVERFLOWS_FIELD => write!(
            out,
            "the length field cannot carry {length} (at most {limit})"
        ),
        UNSTICK_ERR_OUTPUT_TOO_SMALL => write!(
            out,
            "the output needs {length} bytes and has {limit}"
        ),
        UNSTICK_ERR_HEADER_TOO_LONG => write!(
            out,
            "frame {frame} (at byte {offset}) announces a {length}-byte JSON header, over the limit of {limit}"
        ),
        UNSTICK_ERR_INVALID_HEADER => write!(
            out,
            "frame {frame} (at byte {offset}): {}",
            json::header_problem(value, length, limit)
        ),
        UNSTICK_ERR_MALFORMED_LENGTH_PREFIX => write!(
            out,
            "frame {frame} (at byte {offset}): the varint length prefix is malformed"
        ),
        UNSTICK_ERR_TRUNCATED_HEADER => write!(
            out,
            "the stream ended inside the JSON header of frame {frame} (at byte {offset}): {value} of its {length} bytes missing"
        ),
    }
}
