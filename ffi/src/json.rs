//! The tutorials' JSON-header frames from C: a length field, a UTF-8 JSON header whose size
//! field (`total_size`) gives the body's length, then the body, handed out in pieces as it
//! arrives so a body may be far larger than any buffer.

use core::ffi::{CStr, c_char, c_void};

use unstick::json::{self, Config, HeaderProblem};

use crate::{
    UNSTICK_DECODER_ALIGN, UNSTICK_FLAG_LITTLE_ENDIAN, UNSTICK_FLAG_SIGNED, UNSTICK_LENGTH_FIXED,
    bytes_in, length_field, prepare_storage, report, saturate, stored, unstick_code, unstick_error,
};
use unstick_code::*;

/// How JSON-header frames look, and their limits.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct unstick_json_config {
    /// The longest JSON header accepted, in bytes (the decoder's buffer must hold it).
    pub max_header_len: u64,
    /// The largest body size accepted.
    pub max_body_len: u64,
    /// The NUL-terminated name of the header's body-size field, or null for `total_size`. It
    /// must stay valid while a decoder made with it is used.
    pub size_field: *const c_char,
    /// The length field before the header: `UNSTICK_LENGTH_*`.
    pub length: u8,
    /// For a fixed length field: 1, 2, 3, 4 or 8 bytes.
    pub width: u8,
    /// `UNSTICK_FLAG_LITTLE_ENDIAN` and `UNSTICK_FLAG_SIGNED` (for `struct.pack("i")` peers).
    pub flags: u8,
    /// How deep objects and arrays may nest in a header (the header itself is level 1).
    pub max_depth: u8,
}

impl Default for unstick_json_config {
    /// The tutorials' frame: a 4-byte big-endian length, 4 KiB headers, 4 GiB bodies.
    fn default() -> Self {
        let c = Config::new();
        Self {
            max_header_len: c.max_header_len(),
            max_body_len: c.max_body_len(),
            size_field: core::ptr::null(),
            length: UNSTICK_LENGTH_FIXED,
            width: 4,
            flags: 0,
            max_depth: c.max_depth(),
        }
    }
}

/// Fills `out` with the default JSON-header configuration: a 4-byte big-endian length,
/// `total_size`, 4 KiB headers, 4 GiB bodies.
///
/// # Safety
/// `out` is null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_json_config_default(
    out: *mut unstick_json_config,
) -> unstick_code {
    if out.is_null() {
        return UNSTICK_ERR_NULL;
    }
    // SAFETY: checked not null; the caller passes a pointer valid for a write.
    unsafe { out.write(unstick_json_config::default()) };
    UNSTICK_OK
}

/// The Rust configuration a C one describes.
///
/// # Safety
/// `c.size_field` is null or a NUL-terminated string that stays valid while the configuration
/// (and a decoder made with it) is used.
unsafe fn to_config(c: &unstick_json_config) -> Result<Config, unstick_code> {
    if c.flags & !(UNSTICK_FLAG_LITTLE_ENDIAN | UNSTICK_FLAG_SIGNED) != 0 || c.max_depth > 64 {
        return Err(UNSTICK_ERR_BAD_FORMAT);
    }
    let length = length_field(c.length, c.width, c.flags).ok_or(UNSTICK_ERR_BAD_FORMAT)?;
    let mut config = Config::new()
        .with_length(length)
        .with_max_header_len(c.max_header_len)
        .with_max_body_len(c.max_body_len)
        .with_max_depth(c.max_depth);
    if !c.size_field.is_null() {
        // SAFETY: not null, NUL-terminated and valid for the decoder's life (the contract):
        // the `'static` borrow lasts as long as anything can use it.
        let name: &'static CStr = unsafe { CStr::from_ptr(c.size_field) };
        let name = name.to_str().map_err(|_| UNSTICK_ERR_BAD_FORMAT)?;
        if name.is_empty() {
            return Err(UNSTICK_ERR_BAD_FORMAT);
        }
        config = config.with_size_field(name);
    }
    Ok(config)
}

/// What a JSON-header decoder in caller storage holds (`magic` first, as in `Decoder`).
#[repr(C)]
struct JsonDecoder {
    magic: u64,
    inner: json::Decoder<&'static mut [u8]>,
}

const MAGIC: u64 = 0x756e_7374_6a73_6f6e; // "unstjson"

/// Bytes of storage a JSON-header decoder needs.
pub const UNSTICK_JSON_DECODER_SIZE: usize = 176;
/// The alignment its storage needs.
pub const UNSTICK_JSON_DECODER_ALIGN: usize = 8;

const _: () = assert!(core::mem::size_of::<JsonDecoder>() <= UNSTICK_JSON_DECODER_SIZE);
const _: () = assert!(core::mem::align_of::<JsonDecoder>() <= UNSTICK_JSON_DECODER_ALIGN);
// Both kinds of storage are checked by the same lookup.
const _: () = assert!(UNSTICK_JSON_DECODER_ALIGN == UNSTICK_DECODER_ALIGN);

/// Storage for one JSON-header decoder with the size and alignment it needs.
#[repr(C, align(8))]
pub union unstick_json_decoder_storage {
    /// The bytes.
    pub bytes: [u8; UNSTICK_JSON_DECODER_SIZE],
    /// Forces the alignment.
    pub align: u64,
}

/// The JSON-header decoder in `storage`, or why there is none.
///
/// # Safety
/// As for [`stored`](crate::stored).
unsafe fn decoder_in<'a>(storage: *mut c_void) -> Result<&'a mut JsonDecoder, unstick_code> {
    // SAFETY: the caller's contract.
    unsafe { stored(storage, MAGIC) }
}

/// Initialises a JSON-header decoder in `storage` (`storage_len` bytes, aligned to
/// `UNSTICK_JSON_DECODER_ALIGN`) for `config`, over `buffer` (`buffer_len` bytes, at least the
/// header limit: only headers that straddle chunks are copied there; bodies never are).
/// `buffer` and `config->size_field` must stay valid until the decoder is no longer used.
///
/// # Safety
/// `storage` null or valid for writing `storage_len` bytes; `config` null or valid for a read;
/// `buffer` null or valid for reads and writes of `buffer_len` bytes for the decoder's life;
/// `err` null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_json_decoder_init(
    storage: *mut c_void,
    storage_len: usize,
    config: *const unstick_json_config,
    buffer: *mut u8,
    buffer_len: usize,
    err: *mut unstick_error,
) -> unstick_code {
    let fail = |code| {
        // SAFETY: `err` is null or valid for a write.
        unsafe { report(err, unstick_error::code(code)) }
    };
    // SAFETY: `storage` and `buffer` as the caller's contract says.
    let buffer = match unsafe {
        prepare_storage(
            storage,
            storage_len,
            UNSTICK_JSON_DECODER_SIZE,
            buffer,
            buffer_len,
        )
    } {
        Ok(buffer) => buffer,
        // SAFETY: `err` is null or valid for a write.
        Err(e) => return unsafe { report(err, e) },
    };
    // SAFETY: `config` is null or valid for a read.
    let Some(config) = (unsafe { config.as_ref() }) else {
        return fail(UNSTICK_ERR_NULL);
    };
    // SAFETY: `size_field` is null or a string valid for the decoder's life (the contract).
    let config = match unsafe { to_config(config) } {
        Ok(c) => c,
        Err(code) => return fail(code),
    };
    let inner = match json::Decoder::new(config, buffer) {
        Ok(inner) => inner,
        // SAFETY: `err` is null or valid for a write.
        Err(e) => return unsafe { report(err, unstick_error::config(e)) },
    };
    // SAFETY: aligned and valid for `UNSTICK_JSON_DECODER_SIZE` >= size_of::<JsonDecoder>()
    // bytes (checked above and at compile time).
    unsafe {
        storage.cast::<JsonDecoder>().write(JsonDecoder {
            magic: MAGIC,
            inner,
        });
    }
    // SAFETY: `err` is null or valid for a write.
    unsafe { report(err, unstick_error::default()) }
}

/// What `unstick_json_decode` found.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum unstick_json_event_kind {
    /// No event: the chunk was consumed; feed the next one.
    UNSTICK_JSON_EVENT_NONE = 0,
    /// A frame's JSON header, checked: `header`/`header_len` (UTF-8 JSON text, not
    /// NUL-terminated) and `total_size`.
    UNSTICK_JSON_EVENT_HEADER = 1,
    /// The next piece of the body, in `data`/`data_len` (never empty).
    UNSTICK_JSON_EVENT_BODY_PIECE = 2,
    /// The frame's body is complete.
    UNSTICK_JSON_EVENT_END = 3,
}

/// One event from a JSON-header decoder; pointers are valid until the next call on it (and
/// while the chunk is).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct unstick_json_event {
    /// What happened.
    pub kind: unstick_json_event_kind,
    /// Bytes of the chunk consumed by this call.
    pub consumed: usize,
    /// The JSON header (`UNSTICK_JSON_EVENT_HEADER`).
    pub header: *const u8,
    /// Its length.
    pub header_len: usize,
    /// The body's size (`UNSTICK_JSON_EVENT_HEADER`).
    pub total_size: u64,
    /// A piece of the body (`UNSTICK_JSON_EVENT_BODY_PIECE`).
    pub data: *const u8,
    /// Its length.
    pub data_len: usize,
}

impl Default for unstick_json_event {
    fn default() -> Self {
        Self {
            kind: unstick_json_event_kind::UNSTICK_JSON_EVENT_NONE,
            consumed: 0,
            header: core::ptr::null(),
            header_len: 0,
            total_size: 0,
            data: core::ptr::null(),
            data_len: 0,
        }
    }
}

/// `unstick_error.value` of `UNSTICK_ERR_INVALID_HEADER`: why the header was refused.
pub const UNSTICK_HEADER_NOT_UTF8: i64 = 1;
/// The header is not well-formed JSON (`length`: the byte offset in the header).
pub const UNSTICK_HEADER_MALFORMED: i64 = 2;
/// The header is not a JSON object.
pub const UNSTICK_HEADER_NOT_OBJECT: i64 = 3;
/// Objects and arrays nest too deep (`length`: where; `limit`: the bound).
pub const UNSTICK_HEADER_TOO_DEEP: i64 = 4;
/// No size field.
pub const UNSTICK_HEADER_SIZE_MISSING: i64 = 5;
/// The size field twice.
pub const UNSTICK_HEADER_SIZE_DUPLICATE: i64 = 6;
/// A negative size.
pub const UNSTICK_HEADER_SIZE_NEGATIVE: i64 = 7;
/// A size that is not an integer.
pub const UNSTICK_HEADER_SIZE_NOT_INTEGER: i64 = 8;
/// A size past 64 bits.
pub const UNSTICK_HEADER_SIZE_OVERFLOW: i64 = 9;
/// A body over the limit (`length`: the size; `limit`: the body limit).
pub const UNSTICK_HEADER_BODY_TOO_LARGE: i64 = 10;

pub(crate) fn json_error(e: json::DecodeError) -> unstick_error {
    let at = |code: unstick_code| unstick_error {
        code: code as i32,
        frame: e.frame(),
        offset: e.offset(),
        ..unstick_error::default()
    };
    match e {
        json::DecodeError::HeaderTooLong { len, max, .. } => unstick_error {
            length: len,
            limit: max,
            ..at(UNSTICK_ERR_HEADER_TOO_LONG)
        },
        json::DecodeError::NegativeHeaderLength { value, .. } => unstick_error {
            value,
            ..at(UNSTICK_ERR_NEGATIVE_LENGTH)
        },
        json::DecodeError::InvalidHeader { problem, .. } => {
            let (value, length, limit) = match problem {
                HeaderProblem::NotUtf8 { at } => (UNSTICK_HEADER_NOT_UTF8, at as u64, 0),
                HeaderProblem::Malformed { at, .. } => (UNSTICK_HEADER_MALFORMED, at as u64, 0),
                HeaderProblem::NotObject => (UNSTICK_HEADER_NOT_OBJECT, 0, 0),
                HeaderProblem::TooDeep { at, max_depth } => {
                    (UNSTICK_HEADER_TOO_DEEP, at as u64, u64::from(max_depth))
                }
                HeaderProblem::SizeMissing { .. } => (UNSTICK_HEADER_SIZE_MISSING, 0, 0),
                HeaderProblem::SizeDuplicate { .. } => (UNSTICK_HEADER_SIZE_DUPLICATE, 0, 0),
                HeaderProblem::SizeNegative { .. } => (UNSTICK_HEADER_SIZE_NEGATIVE, 0, 0),
                HeaderProblem::SizeNotInteger { .. } => (UNSTICK_HEADER_SIZE_NOT_INTEGER, 0, 0),
                HeaderProblem::SizeOverflow { .. } => (UNSTICK_HEADER_SIZE_OVERFLOW, 0, 0),
                HeaderProblem::BodyTooLarge { total_size, max } => {
                    (UNSTICK_HEADER_BODY_TOO_LARGE, total_size, max)
                }
                _ => (0, 0, 0),
            };
            unstick_error {
                value,
                length,
                limit,
                ..at(UNSTICK_ERR_INVALID_HEADER)
            }
        }
        json::DecodeError::MalformedLengthPrefix { .. } => at(UNSTICK_ERR_MALFORMED_LENGTH_PREFIX),
        json::DecodeError::TruncatedLengthPrefix { have, .. } => unstick_error {
            length: u64::from(have),
            ..at(UNSTICK_ERR_TRUNCATED_PREFIX)
        },
        json::DecodeError::TruncatedHeader { len, missing, .. } => unstick_error {
            length: len,
            value: saturate(missing),
            ..at(UNSTICK_ERR_TRUNCATED_HEADER)
        },
        json::DecodeError::TruncatedBody {
            total_size,
            missing,
            ..
        } => unstick_error {
            length: total_size,
            value: saturate(missing),
            ..at(UNSTICK_ERR_TRUNCATED_FRAME)
        },
        _ => at(UNSTICK_ERR_MALFORMED_LENGTH_PREFIX),
    }
}

/// Decodes from `chunk` until one event (as `unstick_decode` does for length frames): a
/// header, a piece of body, or a frame's end. A framing error (`UNSTICK_ERR_HEADER_TOO_LONG`,
/// `_INVALID_HEADER` with the reason in `err.value`, `_NEGATIVE_LENGTH`,
/// `_MALFORMED_LENGTH_PREFIX`) is final until `unstick_json_decoder_reset`.
///
/// # Safety
/// `decoder` is storage given to `unstick_json_decoder_init` (or null); `chunk` null or valid
/// for reading `len` bytes; `event` and `err` null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_json_decode(
    decoder: *mut c_void,
    chunk: *const u8,
    len: usize,
    event: *mut unstick_json_event,
    err: *mut unstick_error,
) -> unstick_code {
    let fail = |code| {
        // SAFETY: `err` is null or valid for a write.
        unsafe { report(err, unstick_error::code(code)) }
    };
    // SAFETY: the caller passes storage `unstick_json_decoder_init` initialised, or null.
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
    let step = match d.inner.decode(input) {
        Ok(step) => step,
        // SAFETY: `err` is null or valid for a write.
        Err(e) => return unsafe { report(err, json_error(e)) },
    };
    let mut out = unstick_json_event {
        consumed: step.consumed,
        ..unstick_json_event::default()
    };
    match step.event {
        None => {}
        Some(json::Event::Header(h)) => {
            out.kind = unstick_json_event_kind::UNSTICK_JSON_EVENT_HEADER;
            (out.header, out.header_len) = crate::c_bytes(h.json().as_bytes());
            out.total_size = h.total_size();
        }
        Some(json::Event::BodyPiece(piece)) => {
            out.kind = unstick_json_event_kind::UNSTICK_JSON_EVENT_BODY_PIECE;
            (out.data, out.data_len) = crate::c_bytes(piece);
        }
        Some(json::Event::End) => out.kind = unstick_json_event_kind::UNSTICK_JSON_EVENT_END,
    }
    // SAFETY: checked not null; valid for a write.
    unsafe { event.write(out) };
    // SAFETY: `err` is null or valid for a write.
    unsafe { report(err, unstick_error::default()) }
}

/// At the end of the stream: `UNSTICK_OK` if it ended between frames, else
/// `UNSTICK_ERR_TRUNCATED_PREFIX`, `_TRUNCATED_HEADER` or `_TRUNCATED_FRAME` (inside a body).
///
/// # Safety
/// As for `unstick_json_decode`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_json_decoder_finish(
    decoder: *mut c_void,
    err: *mut unstick_error,
) -> unstick_code {
    // SAFETY: the caller passes storage `unstick_json_decoder_init` initialised, or null.
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
            result.map_or_else(json_error, |()| unstick_error::default()),
        )
    }
}

/// Forgets a failure and any partial frame: a new stream starts.
///
/// # Safety
/// As for `unstick_json_decode`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_json_decoder_reset(decoder: *mut c_void) -> unstick_code {
    // SAFETY: the caller passes storage `unstick_json_decoder_init` initialised, or null.
    match unsafe { decoder_in(decoder) } {
        Ok(d) => {
            d.inner.reset();
            UNSTICK_OK
        }
        Err(code) => code,
    }
}

/// Body bytes still to come in the current frame (0 outside a body).
///
/// # Safety
/// As for `unstick_json_decode`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn unstick_json_decoder_body_remaining(decoder: *mut c_void) -> u64 {
    // SAFETY: the caller passes storage `unstick_json_decoder_init` initialised, or null.
    unsafe { decoder_in(decoder) }.map_or(0, |d| d.inner.body_remaining())
}

/// The message of an `UNSTICK_ERR_INVALID_HEADER` reason (`err.value`).
pub(crate) fn header_problem(value: i64, length: u64, limit: u64) -> HeaderText {
    HeaderText {
        value,
        length,
        limit,
    }
}

pub(crate) struct HeaderText {
    value: i64,
    length: u64,
    limit: u64,
}

impl core::fmt::Display for HeaderText {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (at, limit) = (self.length, self.limit);
        match self.value {
            UNSTICK_HEADER_NOT_UTF8 => write!(f, "the header is not UTF-8 at byte {at}"),
            UNSTICK_HEADER_MALFORMED => write!(f, "the header is not valid JSON at byte {at}"),
            UNSTICK_HEADER_NOT_OBJECT => f.write_str("the header is not a JSON object"),
            UNSTICK_HEADER_TOO_DEEP => {
                write!(
                    f,
                    "the header nests deeper than {limit} levels at byte {at}"
                )
            }
            UNSTICK_HEADER_SIZE_MISSING => f.write_str("the header has no size field"),
            UNSTICK_HEADER_SIZE_DUPLICATE => f.write_str("the header has the size field twice"),
            UNSTICK_HEADER_SIZE_NEGATIVE => f.write_str("the header's size is negative"),
            UNSTICK_HEADER_SIZE_NOT_INTEGER => {
                f.write_str("the header's size is not an unsigned integer")
            }
            UNSTICK_HEADER_SIZE_OVERFLOW => {
                f.write_str("the header's size does not fit in 64 bits")
            }
            UNSTICK_HEADER_BODY_TOO_LARGE => write!(
                f,
                "the header announces a {at}-byte body, over the limit of {limit}"
            ),
            _ => f.write_str("the header was refused"),
        }
    }
}
