//! Frame formats by name: the presets' names, and a format written as text
//! (`grpc,max=4MiB`, `u16le,head=2,adjust=-2`) for command lines and configuration files.

use core::fmt;
use core::str::FromStr;

use crate::field::LengthField;
use crate::format::{DEFAULT_MAX_FRAME_LEN, FrameFormat, MAX_HEAD_LEN, Oversize};

/// A named preset: what `--format NAME` and [`FrameFormat::preset`] accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Preset {
    /// Its name, lower case, words joined by `-` (`postgres-startup`).
    pub name: &'static str,
    /// The format.
    pub format: FrameFormat,
    /// One line on what it frames.
    pub about: &'static str,
}

impl Preset {
    const fn new(name: &'static str, format: FrameFormat, about: &'static str) -> Self {
        Self {
            name,
            format,
            about,
        }
    }
}

impl FrameFormat {
    /// Every preset with its name, in the order the crate documents them.
    pub const PRESETS: &'static [Preset] = &[
        Preset::new(
            "grpc",
            Self::GRPC,
            "gRPC message: compressed flag, u32be length",
        ),
        Preset::new(
            "postgres",
            Self::POSTGRES,
            "PostgreSQL message: type byte, i32be length counting itself",
        ),
        Preset::new(
            "postgres-startup",
            Self::POSTGRES_STARTUP,
            "PostgreSQL startup message: i32be length counting itself",
        ),
        Preset::new(
            "kafka",
            Self::KAFKA,
            "Kafka request or response: i32be size",
        ),
        Preset::new(
            "mysql",
            Self::MYSQL,
            "MySQL packet: u24le length, then the sequence id",
        ),
        Preset::new(
            "http2",
            Self::HTTP2,
            "HTTP/2 frame: u24be length, then type, flags, stream id",
        ),
        Preset::new(
            "tls",
            Self::TLS,
            "TLS record: type and version, u16be length",
        ),
        Preset::new("dns-tcp", Self::DNS_TCP, "DNS over TCP: u16be length"),
        Preset::new(
            "modbus-tcp",
            Self::MODBUS_TCP,
            "Modbus TCP: transaction and protocol ids, u16be length",
        ),
        Preset::new(
            "mqtt",
            Self::MQTT,
            "MQTT control packet: type and flags, variable byte integer",
        ),
        Preset::new(
            "protobuf",
            Self::PROTOBUF_DELIMITED,
            "protobuf delimited messages: LEB128 length",
        ),
        Preset::new(
            "bitcoin",
            Self::BITCOIN,
            "Bitcoin P2P message: magic and command, u32le length, then the checksum",
        ),
    ];

    /// The preset called `name` (case and `-`/`_` do not matter), if there is one.
    ///
    /// ```
    /// use unstick::FrameFormat;
    /// assert_eq!(FrameFormat::preset("Postgres_Startup"), Some(FrameFormat::POSTGRES_STARTUP));
    /// assert_eq!(FrameFormat::preset("u32be"), None); // a length field, not a preset
    /// ```
    pub fn preset(name: &str) -> Option<Self> {
        Self::PRESETS
            .iter()
            .find(|p| same_name(p.name, name.trim()))
            .map(|p| p.format)
    }
}

fn same_name(canonical: &str, given: &str) -> bool {
    canonical.len() == given.len()
        && canonical.bytes().zip(given.bytes()).all(|(c, g)| {
            let g = if g == b'_' { b'-' } else { g };
            c == g.to_ascii_lowercase()
        })
}

/// Why a format's text did not parse: what is wrong, and where (a byte range of the text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct ParseFormatError {
    /// What is wrong.
    pub kind: ParseFormatErrorKind,
    /// Byte offset of the offending item in the text.
    pub at: usize,
    /// Its length in bytes.
    pub len: usize,
}

/// What is wrong in a format's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ParseFormatErrorKind {
    /// The first item is neither a preset, a length field nor `key=value`.
    UnknownName,
    /// A key other than `head`, `length`, `adjust`, `max`, `oversize`, `non-minimal`,
    /// `streaming`.
    UnknownKey,
    /// A value the key does not take (the key is named).
    BadValue(&'static str),
    /// The same key twice.
    Repeated(&'static str),
    /// A head over [`MAX_HEAD_LEN`] bytes.
    HeadTooLong,
    /// An empty item between commas (or a comma first).
    EmptyItem,
    /// Nothing to parse.
    Empty,
}

impl ParseFormatError {
    /// The offending item in `text`, the string that was parsed.
    pub fn item<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.at..self.at + self.len).unwrap_or("")
    }
}

impl fmt::Display for ParseFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.at;
        match self.kind {
            ParseFormatErrorKind::UnknownName => write!(
                f,
                "the item at byte {at} is not a preset (grpc, postgres, postgres-startup, kafka, mysql, http2, tls, dns-tcp, modbus-tcp, mqtt, protobuf, bitcoin), a length field (u32be, i32le, leb128, ...) or key=value"
            ),
            ParseFormatErrorKind::UnknownKey => write!(
                f,
                "unknown key at byte {at}: expected head, length, adjust, max, oversize, non-minimal or streaming"
            ),
            ParseFormatErrorKind::BadValue(key) => {
                let expected = match key {
                    "head" => "a byte count",
                    "length" => "a length field (u32be, i32le, u16be, leb128, mqtt, quic, ...)",
                    "adjust" => "a signed byte count (-4, +6)",
                    "max" => "a byte count (1048576, 64KiB, 1MiB)",
                    "oversize" => "reject or skip",
                    _ => "yes or no",
                };
                write!(f, "bad value for {key} at byte {at}: expected {expected}")
            }
            ParseFormatErrorKind::Repeated(key) => write!(f, "{key} is given twice (byte {at})"),
            ParseFormatErrorKind::HeadTooLong => write!(
                f,
                "the head at byte {at} is longer than {MAX_HEAD_LEN} bytes"
            ),
            ParseFormatErrorKind::EmptyItem => {
                write!(f, "an empty item at byte {at} (two commas in a row?)")
            }
            ParseFormatErrorKind::Empty => f.write_str("empty frame format"),
        }
    }
}

impl core::error::Error for ParseFormatError {}

const KEYS: [&str; 7] = [
    "head",
    "length",
    "adjust",
    "max",
    "oversize",
    "non-minimal",
    "streaming",
];

/// Parses a frame format: a preset or a length field, then `key=value` items, separated by
/// commas. Keys: `head` (bytes before the length field), `length` (a [`LengthField`] name),
/// `adjust` (signed), `max` (the maximum frame length: bytes, or with `KiB`, `MiB`, `GiB`),
/// `oversize` (`reject` or `skip`), `non-minimal` and `streaming` (`yes` or `no`; alone, yes).
/// A preset's name wins over a length field of the same name (`mqtt` is the MQTT preset; the
/// bare field is `length=mqtt`). [`Display`](fmt::Display) writes the form this reads.
///
/// ```
/// use unstick::{FrameFormat, LengthField};
/// let format: FrameFormat = "grpc,max=4MiB".parse()?;
/// assert_eq!(format, FrameFormat::GRPC.with_max_frame_len(4 << 20));
/// let python: FrameFormat = "i32le".parse()?; // struct.pack("i", n)
/// assert_eq!(python.length(), LengthField::I32_LE);
/// assert_eq!(FrameFormat::POSTGRES.to_string(), "i32be,head=1,adjust=-4");
/// # Ok::<(), unstick::ParseFormatError>(())
/// ```
impl FromStr for FrameFormat {
    type Err = ParseFormatError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.trim().is_empty() {
            return Err(ParseFormatError {
                kind: ParseFormatErrorKind::Empty,
                at: 0,
                len: text.len(),
            });
        }
        let mut format = Self::new();
        let mut seen = [false; KEYS.len()];
        let mut at = 0;
        for (index, raw) in text.split(',').enumerate() {
            let item_at = at;
            at += raw.len() + 1;
            let lead = raw.len() - raw.trim_start().len();
            let item = raw.trim();
            let error = |kind| ParseFormatError {
                kind,
                at: item_at + lead,
                len: item.len(),
            };
            if item.is_empty() {
                // A trailing comma is harmless (`at` is past the end only after the last item);
                // an empty item elsewhere is a typo.
                if at > text.len() {
                    continue;
                }
                return Err(error(ParseFormatErrorKind::EmptyItem));
            }
            let Some((key, value)) = item.split_once('=').or_else(|| {
                // `non-minimal` and `streaming` alone mean yes.
                ["non-minimal", "streaming"]
                    .iter()
                    .any(|k| same_name(k, item))
                    .then_some((item, "yes"))
            }) else {
                if let Some(key) = KEYS.iter().find(|k| same_name(k, item)) {
                    return Err(error(ParseFormatErrorKind::BadValue(key)));
                }
                if index > 0 {
                    return Err(error(ParseFormatErrorKind::UnknownKey));
                }
                if let Some(preset) = Self::preset(item) {
                    format = preset;
                } else if let Ok(field) = item.parse::<LengthField>() {
                    format = format.with_length(field);
                } else {
                    return Err(error(ParseFormatErrorKind::UnknownName));
                }
                continue;
            };
            let key = key.trim();
            let value = value.trim();
            let Some((&name, seen)) = KEYS
                .iter()
                .zip(seen.iter_mut())
                .find(|(k, _)| same_name(k, key))
            else {
                return Err(error(ParseFormatErrorKind::UnknownKey));
            };
            if core::mem::replace(seen, true) {
                return Err(error(ParseFormatErrorKind::Repeated(name)));
            }
            let bad = || error(ParseFormatErrorKind::BadValue(name));
            format = match name {
                "head" => {
                    let n: usize = value.parse().map_err(|_| bad())?;
                    if n > MAX_HEAD_LEN {
                        return Err(error(ParseFormatErrorKind::HeadTooLong));
                    }
                    format.with_head_len(n)
                }
                "length" => format.with_length(value.parse().map_err(|_| bad())?),
                // `i32`'s parser takes one optional sign, `+` or `-`.
                "adjust" => format.with_adjustment(value.parse().map_err(|_| bad())?),
                "max" => format.with_max_frame_len(parse_size(value).ok_or_else(bad)?),
                "oversize" if value.eq_ignore_ascii_case("reject") => {
                    format.with_oversize(Oversize::Reject)
                }
                "oversize" if value.eq_ignore_ascii_case("skip") => {
                    format.with_oversize(Oversize::Skip)
                }
                "oversize" => return Err(bad()),
                _ => {
                    let on = parse_bool(value).ok_or_else(bad)?;
                    if name == "streaming" {
                        format.with_streaming(on)
                    } else {
                        format.with_non_minimal_lengths(on)
                    }
                }
            };
        }
        Ok(format)
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    ["yes", "true", "on", "1"]
        .iter()
        .any(|v| value.eq_ignore_ascii_case(v))
        .then_some(true)
        .or_else(|| {
            ["no", "false", "off", "0"]
                .iter()
                .any(|v| value.eq_ignore_ascii_case(v))
                .then_some(false)
        })
}

/// `1048576`, `64KiB`, `1MiB`, `4GiB` (also `K`, `M`, `G`, powers of 1024); `None` past u64.
fn parse_size(text: &str) -> Option<u64> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at_checked(digits)?;
    let number: u64 = number.parse().ok()?;
    let unit = unit.trim();
    let shift = [
        ("", 0),
        ("b", 0),
        ("k", 10),
        ("kib", 10),
        ("m", 20),
        ("mib", 20),
        ("g", 30),
        ("gib", 30),
    ]
    .iter()
    .find(|(u, _)| unit.eq_ignore_ascii_case(u))?
    .1;
    number.checked_mul(1 << shift)
}

impl fmt::Display for FrameFormat {
    /// The text [`FromStr`] reads back: the length field, then what differs from
    /// [`FrameFormat::new`] (`i32be,head=1,adjust=-4`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = self.length();
        // A field named like a preset (`mqtt`) is written as a key, so it reads back as a field.
        let name = field_name(field);
        if Self::preset(name.as_str()).is_some() {
            write!(f, "length={field}")?;
        } else {
            f.write_str(name.as_str())?;
        }
        if self.head_len() != 0 {
            write!(f, ",head={}", self.head_len())?;
        }
        if self.adjustment() != 0 {
            write!(f, ",adjust={}", self.adjustment())?;
        }
        if self.max_frame_len() != DEFAULT_MAX_FRAME_LEN {
            write!(f, ",max={}", self.max_frame_len())?;
        }
        if self.oversize() == Oversize::Skip {
            f.write_str(",oversize=skip")?;
        }
        if self.non_minimal_lengths() {
            f.write_str(",non-minimal")?;
        }
        if self.streaming() {
            f.write_str(",streaming")?;
        }
        Ok(())
    }
}

/// A length field's name in a small stack buffer (the crate has no allocator).
fn field_name(field: LengthField) -> Name {
    let mut name = Name::default();
    let _ = fmt::write(&mut name, format_args!("{field}"));
    name
}

/// Room for the longest length field name (`leb128`, `u64be`).
#[derive(Default)]
struct Name {
    bytes: [u8; 8],
    len: usize,
}

impl Name {
    fn as_str(&self) -> &str {
        core::str::from_utf8(self.bytes.get(..self.len).unwrap_or(&[])).unwrap_or("")
    }
}

impl fmt::Write for Name {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let dst = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{ByteOrder, Width};
    extern crate alloc;
    use alloc::string::ToString;

    #[test]
    fn every_preset_reads_back_by_name_and_by_its_text() {
        for p in FrameFormat::PRESETS {
            assert_eq!(FrameFormat::preset(p.name), Some(p.format), "{}", p.name);
            assert_eq!(p.name.parse::<FrameFormat>(), Ok(p.format), "{}", p.name);
            let text = p.format.to_string();
            assert_eq!(text.parse::<FrameFormat>(), Ok(p.format), "{text}");
        }
        assert_eq!(FrameFormat::MQTT.to_string(), "length=mqtt,head=1");
        assert_eq!(FrameFormat::new().to_string(), "u32be");
    }

    #[test]
    fn keys_set_what_they_name() {
        let f: FrameFormat =
            " u16le , head=2 ,adjust=+6, max=64k,oversize=skip,non-minimal=no,streaming"
                .parse()
                .unwrap();
        assert_eq!(
            f,
            FrameFormat::new()
                .with_length(LengthField::fixed(Width::W2, ByteOrder::Little, false))
                .with_head_len(2)
                .with_adjustment(6)
                .with_max_frame_len(65_536)
                .with_oversize(Oversize::Skip)
                .with_streaming(true)
        );
        let g: FrameFormat = "grpc,length=mqtt,non-minimal,max=3GiB,".parse().unwrap();
        assert_eq!(g.length(), LengthField::MqttVbi);
        assert_eq!(g.head_len(), 1);
        assert!(g.non_minimal_lengths());
        assert_eq!(g.max_frame_len(), 3 << 30);
        let h: FrameFormat = "head=3".parse().unwrap();
        assert_eq!(h, FrameFormat::new().with_head_len(3));
        // A 1-byte field has no byte order to lose.
        assert_eq!("u8le".parse::<FrameFormat>(), "u8".parse::<FrameFormat>());
        assert_eq!(
            "adjust=+4".parse::<FrameFormat>().map(|f| f.adjustment()),
            Ok(4)
        );
    }

    #[test]
    fn says_what_is_wrong_and_where() {
        let cases: [(&str, ParseFormatErrorKind, &str); 13] = [
            (
                "adjust=+-4",
                ParseFormatErrorKind::BadValue("adjust"),
                "adjust=+-4",
            ),
            (
                "adjust=++4",
                ParseFormatErrorKind::BadValue("adjust"),
                "adjust=++4",
            ),
            ("grpc,head", ParseFormatErrorKind::BadValue("head"), "head"),
            ("u33be", ParseFormatErrorKind::UnknownName, "u33be"),
            ("grpc,u16be", ParseFormatErrorKind::UnknownKey, "u16be"),
            (
                "grpc, colour=red",
                ParseFormatErrorKind::UnknownKey,
                "colour=red",
            ),
            ("head=x", ParseFormatErrorKind::BadValue("head"), "head=x"),
            ("u8,head=17", ParseFormatErrorKind::HeadTooLong, "head=17"),
            (
                "max=99999999999G",
                ParseFormatErrorKind::BadValue("max"),
                "max=99999999999G",
            ),
            (
                "adjust=1,adjust=2",
                ParseFormatErrorKind::Repeated("adjust"),
                "adjust=2",
            ),
            (
                "oversize=drop",
                ParseFormatErrorKind::BadValue("oversize"),
                "oversize=drop",
            ),
            ("u8,,head=1", ParseFormatErrorKind::EmptyItem, ""),
            ("", ParseFormatErrorKind::Empty, ""),
        ];
        for (text, kind, item) in cases {
            let e = text.parse::<FrameFormat>().unwrap_err();
            assert_eq!(e.kind, kind, "{text}");
            assert_eq!(e.item(text), item, "{text}");
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn text_round_trips_for_every_shape() {
        let fields = [
            LengthField::fixed(Width::W1, ByteOrder::Little, false),
            LengthField::U32_BE,
            LengthField::I32_LE,
            LengthField::fixed(Width::W3, ByteOrder::Little, true),
            LengthField::fixed(Width::W8, ByteOrder::Big, false),
            LengthField::fixed(Width::W1, ByteOrder::Big, true),
            LengthField::Leb128,
            LengthField::MqttVbi,
            LengthField::QuicVarint,
        ];
        for field in fields {
            for head in [0, 1, 16] {
                for adjustment in [i32::MIN, -4, 0, 7, i32::MAX] {
                    for max in [0, DEFAULT_MAX_FRAME_LEN, u64::MAX] {
                        for flags in 0..8u8 {
                            let f = FrameFormat::new()
                                .with_length(field)
                                .with_head_len(head)
                                .with_adjustment(adjustment)
                                .with_max_frame_len(max)
                                .with_oversize(if flags & 1 == 0 {
                                    Oversize::Reject
                                } else {
                                    Oversize::Skip
                                })
                                .with_non_minimal_lengths(flags & 2 != 0)
                                .with_streaming(flags & 4 != 0);
                            let text = f.to_string();
                            assert_eq!(text.parse::<FrameFormat>(), Ok(f), "{text}");
                        }
                    }
                }
            }
        }
    }
}
