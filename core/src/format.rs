//! How a frame looks on the wire, once for both directions of a connection.

use crate::error::ConfigError;
use crate::field::{ByteOrder, LengthField, MAX_FIELD_LEN, Width};

/// The maximum frame length a [`FrameFormat`] starts with: 64 KiB.
pub const DEFAULT_MAX_FRAME_LEN: u64 = 64 * 1024;

/// The longest head a [`FrameFormat`] can have (Bitcoin's 4-byte magic and 12-byte command).
pub const MAX_HEAD_LEN: usize = 16;

/// The longest payload any frame can have, whatever the limit: 2^56 - 1 bytes (64 PiB). The
/// decoder keeps a frame's prefix length in the top byte of its payload length; longer frames
/// are refused by both directions as over the limit.
pub const MAX_PAYLOAD_LEN: u64 = (1 << 56) - 1;

/// `len`, or [`MAX_PAYLOAD_LEN`] if it is longer: what a limit on a payload's length means.
pub(crate) const fn clamp_payload_len(len: u64) -> u64 {
    if len > MAX_PAYLOAD_LEN {
        MAX_PAYLOAD_LEN
    } else {
        len
    }
}

/// The longest prefix (head and length field) a frame can have.
pub const MAX_PREFIX_LEN: usize = MAX_HEAD_LEN + MAX_FIELD_LEN;

/// What to do with a frame whose length is over the maximum frame length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Oversize {
    /// Fail with [`DecodeError::FrameTooLarge`](crate::DecodeError::FrameTooLarge) and stay
    /// failed until [`reset`](crate::LengthDecoder::reset). The default.
    #[default]
    Reject,
    /// Discard the frame's bytes as they arrive, report
    /// [`Event::Skipped`](crate::Event::Skipped) once they are gone, then carry on with the next
    /// frame (Netty's `discardingTooLongFrame`).
    Skip,
}

/// Where a decoder or encoder finds its [`FrameFormat`]: a value chosen at run time (a
/// `FrameFormat` is a `Format`), or a type that fixes one at compile time. With such a type the
/// compiler knows the shape and drops the code for every other head, length field and
/// adjustment: a firmware reading `u32be` frames does not carry a varint reader.
///
/// ```
/// use unstick::{Format, FrameFormat, LengthDecoder};
///
/// /// Our sensor link: 2-byte big-endian lengths, frames of at most 64 bytes.
/// #[derive(Debug, Clone, Copy)]
/// struct SensorLink;
///
/// impl Format for SensorLink {
///     #[inline(always)] // so the compiler sees the constant at every use
///     fn format(&self) -> FrameFormat {
///         const FORMAT: FrameFormat = FrameFormat::new()
///             .with_length(unstick::LengthField::U16_BE)
///             .with_max_frame_len(64);
///         FORMAT
///     }
/// }
///
/// let mut decoder = LengthDecoder::new(SensorLink, [0u8; 64])?;
/// let step = decoder.decode(b"\0\x02hi")?;
/// assert!(matches!(step.event, Some(unstick::Event::Frame(f)) if f.payload == b"hi"));
/// // The format takes no space in the decoder.
/// assert_eq!(core::mem::size_of_val(&SensorLink), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Format: Copy {
    /// The format. Called on every decode step: keep it a constant or a copy of a field.
    fn format(&self) -> FrameFormat;
}

impl Format for FrameFormat {
    #[inline(always)]
    fn format(&self) -> FrameFormat {
        *self
    }
}

const SKIP: u8 = 1;
const STREAMING: u8 = 2;
const NON_MINIMAL: u8 = 4;
/// Derived, kept by every builder: no head, no adjustment, an unsigned big-endian fixed field
/// (the tutorials' shape), which the decoder's fast path reads with one load.
const PLAIN: u8 = 8;

/// How frames look on the wire: one value for the decoder, the encoder and every adapter, so
/// both directions of a connection are configured once.
///
/// A frame is
///
/// ```text
/// [ head: head_len bytes ][ length field ][ payload: field value + adjustment bytes ]
/// ```
///
/// - **head**: bytes before the length field that the length does not count (gRPC's
///   compressed flag, Postgres's message type, TLS's type and version). Handed to the caller
///   with each frame and written by the encoder as given. At most [`MAX_HEAD_LEN`].
/// - **length field**: a fixed-width integer or a varint ([`LengthField`]).
/// - **adjustment**: added to the field's value to give the payload length. Postgres's length
///   counts itself (-4); HTTP/2's does not count the 6 bytes after it (+6). A value the
///   adjustment takes below zero is a typed error.
/// - **payload**: everything after the length field, `value + adjustment` bytes. This is what
///   the maximum frame length limits: head and length field are not counted.
///
/// The limit is checked with overflow-checked arithmetic, after the adjustment, before a byte of
/// the payload is buffered, in both directions: the encoder refuses a frame its peer (with the
/// same format) would refuse.
///
/// ```
/// use unstick::{FrameFormat, LengthField, Oversize};
/// const PYTHON_PEER: FrameFormat = FrameFormat::new()
///     .with_length(LengthField::I32_LE)
///     .with_max_frame_len(1 << 20)
///     .with_oversize(Oversize::Skip);
/// assert_eq!(PYTHON_PEER.max_frame_len(), 1 << 20);
/// // gRPC: a 1-byte compressed flag, then a 4-byte big-endian length.
/// assert_eq!(FrameFormat::GRPC.head_len(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FrameFormat {
    max_frame_len: u64,
    adjustment: i32,
    head_len: u8,
    length: LengthField,
    // Oversize, streaming and non-minimal lengths in one byte: the decoder's state stays 56 bytes.
    flags: u8,
}

impl Default for FrameFormat {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameFormat {
    /// No head, a 4-byte big-endian unsigned length (`struct.pack("!I", len)`), no adjustment,
    /// [`DEFAULT_MAX_FRAME_LEN`], [`Oversize::Reject`], no streaming, minimal varints only.
    pub const fn new() -> Self {
        Self {
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            adjustment: 0,
            head_len: 0,
            length: LengthField::U32_BE,
            flags: PLAIN,
        }
    }

    /// Recomputes [`PLAIN`] after the head, length field or adjustment changed.
    const fn with_plain_bit(mut self) -> Self {
        let plain = self.head_len == 0
            && self.adjustment == 0
            && match self.length {
                LengthField::Fixed(int) => !int.signed() && matches!(int.order(), ByteOrder::Big),
                _ => false,
            };
        self.flags = if plain {
            self.flags | PLAIN
        } else {
            self.flags & !PLAIN
        };
        self
    }

    /// For the tutorials' shape (no head, no adjustment, an unsigned big-endian fixed field):
    /// the field's width in bytes.
    #[inline(always)]
    pub(crate) const fn plain_width(&self) -> Option<usize> {
        match self.length {
            LengthField::Fixed(int) if self.flags & PLAIN != 0 => Some(int.len()),
            _ => None,
        }
    }

    /// Sets the number of bytes before the length field, at most [`MAX_HEAD_LEN`] (more is
    /// refused with [`ConfigError::HeadTooLong`] when a decoder or encoder is made).
    #[must_use]
    pub const fn with_head_len(mut self, len: usize) -> Self {
        // Saturates so an over-long head stays over the limit and is refused, never wraps.
        self.head_len = if len > u8::MAX as usize {
            u8::MAX
        } else {
            len as u8
        };
        self.with_plain_bit()
    }

    /// Sets the length field.
    #[must_use]
    pub const fn with_length(mut self, length: LengthField) -> Self {
        self.length = length;
        self.with_plain_bit()
    }

    /// Sets the adjustment: payload length = field value + `adjustment`.
    #[must_use]
    pub const fn with_adjustment(mut self, adjustment: i32) -> Self {
        self.adjustment = adjustment;
        self.with_plain_bit()
    }

    /// Sets the maximum frame length: payload bytes (value + adjustment), head and length field
    /// not counted. Longer frames are refused or skipped before a payload byte is buffered, and
    /// the encoder refuses them. At most [`MAX_PAYLOAD_LEN`] (64 PiB): more means that.
    #[must_use]
    pub const fn with_max_frame_len(mut self, max: u64) -> Self {
        self.max_frame_len = clamp_payload_len(max);
        self
    }

    /// Sets what a decoder does with frames over the maximum length.
    #[must_use]
    pub const fn with_oversize(mut self, policy: Oversize) -> Self {
        self.flags = match policy {
            Oversize::Reject => self.flags & !SKIP,
            Oversize::Skip => self.flags | SKIP,
        };
        self
    }

    /// Receiving side: with streaming on, a frame longer than the decoder's buffer (but within
    /// the maximum) is not an error: it is delivered as [`Event::StreamStart`](crate::Event)
    /// (with the head), [`Event::StreamPiece`](crate::Event)s borrowed from the input, and
    /// [`Event::StreamEnd`](crate::Event). Frames that fit the buffer still arrive whole. This
    /// is how a device with a 1 KiB buffer receives a 4 GiB frame.
    #[must_use]
    pub const fn with_streaming(mut self, on: bool) -> Self {
        self.flags = if on {
            self.flags | STREAMING
        } else {
            self.flags & !STREAMING
        };
        self
    }

    /// Whether a varint length may use more bytes than its value needs (`80 00` for 0).
    /// Refused by default, as MQTT requires; protobuf's parsers accept them, and so does
    /// [`PROTOBUF_DELIMITED`](Self::PROTOBUF_DELIMITED). The encoder always writes the shortest
    /// form. Fixed-width fields are unaffected.
    #[must_use]
    pub const fn with_non_minimal_lengths(mut self, accept: bool) -> Self {
        self.flags = if accept {
            self.flags | NON_MINIMAL
        } else {
            self.flags & !NON_MINIMAL
        };
        self
    }

    /// Bytes before the length field.
    #[inline]
    pub const fn head_len(&self) -> usize {
        self.head_len as usize
    }

    /// The length field.
    #[inline]
    pub const fn length(&self) -> LengthField {
        self.length
    }

    /// The adjustment added to the field's value.
    #[inline]
    pub const fn adjustment(&self) -> i32 {
        self.adjustment
    }

    /// The maximum frame length (payload bytes).
    #[inline]
    pub const fn max_frame_len(&self) -> u64 {
        self.max_frame_len
    }

    /// The oversize policy.
    #[inline]
    pub const fn oversize(&self) -> Oversize {
        if self.flags & SKIP != 0 {
            Oversize::Skip
        } else {
            Oversize::Reject
        }
    }

    /// Whether streaming is on.
    #[inline]
    pub const fn streaming(&self) -> bool {
        self.flags & STREAMING != 0
    }

    /// Whether non-minimal varint lengths are accepted.
    #[inline]
    pub const fn non_minimal_lengths(&self) -> bool {
        self.flags & NON_MINIMAL != 0
    }

    /// The longest payload any frame of this format can carry: the maximum frame length, or
    /// less if the length field cannot express more.
    pub const fn max_payload_len(&self) -> u64 {
        let carried = match self.payload_len(self.length.max_value()) {
            Some(len) => len,
            // A positive adjustment past u64::MAX: the field carries more than any limit.
            None if self.adjustment > 0 => u64::MAX,
            // The adjustment is negative and the field's largest value is below it.
            None => 0,
        };
        // `max_frame_len` is at most `MAX_PAYLOAD_LEN`.
        if carried < self.max_frame_len {
            carried
        } else {
            self.max_frame_len
        }
    }

    /// Refuses a format no decoder or encoder can use: a head over [`MAX_HEAD_LEN`].
    pub const fn check(&self) -> Result<(), ConfigError> {
        if self.head_len() > MAX_HEAD_LEN {
            return Err(ConfigError::HeadTooLong {
                len: self.head_len(),
                max: MAX_HEAD_LEN,
            });
        }
        Ok(())
    }

    /// The payload length a field value announces, `None` when the adjustment takes it below
    /// zero or past `u64::MAX`.
    #[inline(always)]
    pub(crate) const fn payload_len(&self, value: u64) -> Option<u64> {
        value.checked_add_signed(self.adjustment as i64)
    }

    /// The field value that announces a payload of `len` bytes (the adjustment inverted).
    #[inline(always)]
    pub(crate) const fn field_value(&self, len: u64) -> Option<u64> {
        // `checked_sub_signed` is newer than the crate's minimum Rust.
        let adjustment = self.adjustment as i64;
        if adjustment >= 0 {
            len.checked_sub(adjustment as u64)
        } else {
            len.checked_add(adjustment.unsigned_abs())
        }
    }
}

/// Presets for the length-prefixed protocols real transports speak. Each is the wire shape
/// only: what the head and the bytes after the length mean is the caller's (a gRPC message's
/// compressed flag is `head[0]`; an HTTP/2 frame's type is `payload[0]`). The receive limit is
/// [`DEFAULT_MAX_FRAME_LEN`] unless the protocol sets a smaller one; raise it with
/// [`with_max_frame_len`](Self::with_max_frame_len).
impl FrameFormat {
    /// The tutorials' frame, and the default: `struct.pack("!I", len)` then the payload.
    pub const U32_BE: Self = Self::new();

    /// A gRPC message over HTTP/2 ([gRPC over HTTP2], "Length-Prefixed-Message"): head is the
    /// 1-byte Compressed-Flag, then a 4-byte big-endian Message-Length.
    ///
    /// [gRPC over HTTP2]: https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md
    pub const GRPC: Self = Self::new().with_head_len(1);

    /// A PostgreSQL regular message ([Message Formats], protocol 3.0): head is the 1-byte
    /// message type, then an Int32 length that counts itself but not the type (adjustment -4).
    ///
    /// [Message Formats]: https://www.postgresql.org/docs/current/protocol-message-formats.html
    pub const POSTGRES: Self = Self::new()
        .with_head_len(1)
        .with_length(LengthField::I32_BE)
        .with_adjustment(-4);

    /// The untyped PostgreSQL messages a client sends first (StartupMessage, SSLRequest,
    /// CancelRequest, GSSENCRequest): an Int32 length that counts itself, no type byte.
    pub const POSTGRES_STARTUP: Self = Self::new()
        .with_length(LengthField::I32_BE)
        .with_adjustment(-4);

    /// A Kafka request or response ([Kafka protocol], "Common Request and Response
    /// Structure"): an INT32 big-endian `message_size`, then the message.
    ///
    /// [Kafka protocol]: https://kafka.apache.org/protocol.html#protocol_common
    pub const KAFKA: Self = Self::new().with_length(LengthField::I32_BE);

    /// A MySQL client/server packet ([MySQL packets]): a 3-byte little-endian `payload_length`,
    /// then a sequence id byte it does not count (adjustment +1, delivered as `payload[0]`).
    /// Packets go up to 2^24 - 1 bytes of payload plus the sequence id; raise the limit for them.
    ///
    /// [MySQL packets]: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_packets.html
    pub const MYSQL: Self = Self::new()
        .with_length(LengthField::fixed(Width::W3, ByteOrder::Little, false))
        .with_adjustment(1);

    /// An HTTP/2 frame (RFC 9113 section 4.1): a 24-bit big-endian length, then type, flags and
    /// stream identifier (6 bytes it does not count: adjustment +6, delivered as
    /// `payload[..6]`). The limit is the default SETTINGS_MAX_FRAME_SIZE, 16,384, plus those 6.
    pub const HTTP2: Self = Self::new()
        .with_length(LengthField::fixed(Width::W3, ByteOrder::Big, false))
        .with_adjustment(6)
        .with_max_frame_len(16_384 + 6);

    /// A TLS record (RFC 8446 section 5.1, RFC 5246 section 6.2): head is the content type and
    /// the 2-byte legacy version, then a 16-bit length. The limit is RFC 8446's 2^14 + 256.
    pub const TLS: Self = Self::new()
        .with_head_len(3)
        .with_length(LengthField::U16_BE)
        .with_max_frame_len((1 << 14) + 256);

    /// A DNS message over TCP (RFC 1035 section 4.2.2, RFC 7766): a 2-byte big-endian length.
    pub const DNS_TCP: Self = Self::new().with_length(LengthField::U16_BE);

    /// A Modbus TCP ADU (Modbus Messaging on TCP/IP Implementation Guide, MBAP header): head is
    /// the transaction and protocol identifiers (4 bytes), then a 2-byte length that counts the
    /// unit identifier and the PDU after it. The limit is the ADU's 260 bytes less the 6 before.
    pub const MODBUS_TCP: Self = Self::new()
        .with_head_len(4)
        .with_length(LengthField::U16_BE)
        .with_max_frame_len(254);

    /// An MQTT control packet (MQTT 5.0 section 2.1, 3.1.1 section 2.2): head is the fixed
    /// header's first byte (type and flags), then the Remaining Length as a Variable Byte
    /// Integer, minimal encodings only, as the specification requires.
    pub const MQTT: Self = Self::new()
        .with_head_len(1)
        .with_length(LengthField::MqttVbi);

    /// Protobuf delimited messages (`writeDelimitedTo`, Python's `_VarintBytes(len)` + message):
    /// a LEB128 varint length. Non-minimal varints are accepted, as protobuf's parsers do.
    pub const PROTOBUF_DELIMITED: Self = Self::new()
        .with_length(LengthField::Leb128)
        .with_non_minimal_lengths(true);

    /// A Bitcoin P2P message ([Bitcoin protocol], "Message structure"): head is the 4-byte
    /// network magic and the 12-byte command, then a 4-byte little-endian payload length, then
    /// a 4-byte checksum it does not count (adjustment +4, delivered as `payload[..4]`). Magic
    /// and checksum are handed out, not verified. Blocks need a higher limit: Bitcoin Core
    /// allows 4,000,000 bytes (MAX_PROTOCOL_MESSAGE_LENGTH), plus the checksum.
    ///
    /// [Bitcoin protocol]: https://en.bitcoin.it/wiki/Protocol_documentation#Message_structure
    pub const BITCOIN: Self = Self::new()
        .with_head_len(16)
        .with_length(LengthField::U32_LE)
        .with_adjustment(4);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_sixteen_bytes() {
        assert_eq!(core::mem::size_of::<FrameFormat>(), 16);
    }

    #[test]
    fn flags_are_independent() {
        let f = FrameFormat::new()
            .with_oversize(Oversize::Skip)
            .with_streaming(true)
            .with_non_minimal_lengths(true);
        assert_eq!(
            (f.oversize(), f.streaming(), f.non_minimal_lengths()),
            (Oversize::Skip, true, true)
        );
        let g = f.with_streaming(false);
        assert_eq!(
            (g.oversize(), g.streaming(), g.non_minimal_lengths()),
            (Oversize::Skip, false, true)
        );
        let h = g
            .with_oversize(Oversize::Reject)
            .with_non_minimal_lengths(false);
        assert_eq!(h, FrameFormat::new());
        // The derived fast-path bit follows the shape both ways.
        let round = FrameFormat::GRPC
            .with_head_len(0)
            .with_length(LengthField::Leb128)
            .with_adjustment(3)
            .with_length(LengthField::U32_BE)
            .with_adjustment(0);
        assert_eq!(round, FrameFormat::new());
        assert_eq!(round.plain_width(), Some(4));
        assert_eq!(FrameFormat::KAFKA.plain_width(), None);
        assert_eq!(FrameFormat::DNS_TCP.plain_width(), Some(2));
    }

    #[test]
    fn limit_counts_the_payload_after_adjustment() {
        let mysql = FrameFormat::MYSQL.with_max_frame_len(u64::MAX);
        assert_eq!(mysql.max_payload_len(), 1 << 24);
        let pg = FrameFormat::POSTGRES.with_max_frame_len(u64::MAX);
        assert_eq!(pg.max_payload_len(), i32::MAX as u64 - 4);
        assert_eq!(pg.payload_len(3), None);
        assert_eq!(pg.field_value(0), Some(4));
        // A positive adjustment on a field as wide as u64 carries past any limit.
        let wide = FrameFormat::new()
            .with_length(LengthField::Leb128)
            .with_adjustment(1)
            .with_max_frame_len(1000);
        assert_eq!(wide.max_payload_len(), 1000);
        assert_eq!(
            wide.with_max_frame_len(u64::MAX).max_payload_len(),
            MAX_PAYLOAD_LEN
        );
        let tiny = FrameFormat::new()
            .with_length(LengthField::fixed(Width::W1, ByteOrder::Big, false))
            .with_adjustment(-300);
        assert_eq!(tiny.max_payload_len(), 0);
        assert_eq!(
            FrameFormat::new().with_head_len(17).check(),
            Err(ConfigError::HeadTooLong { len: 17, max: 16 })
        );
        assert_eq!(FrameFormat::new().with_head_len(300).head_len(), 255);
    }
}
