//! What the bytes of a preset's head (and the first bytes of its payload) mean, named: shown by
//! `inspect` and declared as fields by the Wireshark dissector.

use unstick::FrameFormat;

/// How a field's bytes read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An unsigned big-endian integer.
    Uint,
    /// An unsigned little-endian integer.
    UintLe,
    /// ASCII text, NUL padding dropped.
    Text,
    /// Bytes shown in hex.
    Bytes,
}

/// One named field at a fixed place in the head or at the start of the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// A short identifier (`type`, `stream_id`), also the Wireshark field's last name part.
    pub name: &'static str,
    /// Where it lies: in the head, or at the start of the payload.
    pub place: Place,
    pub offset: usize,
    pub len: usize,
    pub kind: Kind,
    /// Bits of the value kept (after shifting right by `shift`), 0 for all.
    pub mask: u64,
    pub shift: u32,
}

/// Which part of a frame a field is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Head,
    Payload,
}

const fn field(name: &'static str, place: Place, offset: usize, len: usize, kind: Kind) -> Field {
    Field {
        name,
        place,
        offset,
        len,
        kind,
        mask: 0,
        shift: 0,
    }
}

const fn bits(mut f: Field, shift: u32, mask: u64) -> Field {
    f.shift = shift;
    f.mask = mask;
    f
}

use Kind::{Bytes, Text, Uint, UintLe};
use Place::{Head, Payload};

const GRPC: &[Field] = &[field("compressed", Head, 0, 1, Uint)];
const POSTGRES: &[Field] = &[field("type", Head, 0, 1, Text)];
const MYSQL: &[Field] = &[field("sequence_id", Payload, 0, 1, Uint)];
const HTTP2: &[Field] = &[
    field("type", Payload, 0, 1, Uint),
    field("flags", Payload, 1, 1, Uint),
    bits(field("stream_id", Payload, 2, 4, Uint), 0, 0x7fff_ffff),
];
const TLS: &[Field] = &[
    field("content_type", Head, 0, 1, Uint),
    field("version", Head, 1, 2, Uint),
];
const MODBUS_TCP: &[Field] = &[
    field("transaction_id", Head, 0, 2, Uint),
    field("protocol_id", Head, 2, 2, Uint),
    field("unit_id", Payload, 0, 1, Uint),
    field("function", Payload, 1, 1, Uint),
];
const MQTT: &[Field] = &[
    bits(field("packet_type", Head, 0, 1, Uint), 4, 0xf),
    bits(field("flags", Head, 0, 1, Uint), 0, 0xf),
];
const BITCOIN: &[Field] = &[
    field("magic", Head, 0, 4, UintLe),
    field("command", Head, 4, 12, Text),
    field("checksum", Payload, 0, 4, Bytes),
];

/// The named fields of a preset, by the preset's name; none for other formats.
pub fn of(preset: &str) -> &'static [Field] {
    match preset {
        "grpc" => GRPC,
        "postgres" => POSTGRES,
        "mysql" => MYSQL,
        "http2" => HTTP2,
        "tls" => TLS,
        "modbus-tcp" => MODBUS_TCP,
        "mqtt" => MQTT,
        "bitcoin" => BITCOIN,
        _ => &[],
    }
}

/// The name of the first preset with the shape of `format` (head, length field, adjustment;
/// the limit and policies may differ), if any.
pub fn preset_name(format: FrameFormat) -> Option<&'static str> {
    let shape = |f: FrameFormat| (f.head_len(), f.length(), f.adjustment());
    FrameFormat::PRESETS
        .iter()
        .find(|p| shape(p.format) == shape(format))
        .map(|p| p.name)
}

/// The field's value in a frame, if the frame holds it.
pub fn value(f: &Field, head: &[u8], payload: &[u8]) -> Option<Value> {
    let part = match f.place {
        Head => head,
        Payload => payload,
    };
    let bytes = part.get(f.offset..f.offset + f.len)?;
    Some(match f.kind {
        Uint | UintLe => {
            let mut v: u64 = 0;
            let ordered: Vec<u8> = if f.kind == UintLe {
                bytes.iter().rev().copied().collect()
            } else {
                bytes.to_vec()
            };
            for b in ordered {
                v = (v << 8) | u64::from(b);
            }
            v >>= f.shift;
            if f.mask != 0 {
                v &= f.mask;
            }
            Value::Number(v)
        }
        Text => Value::Text(
            String::from_utf8_lossy(bytes)
                .trim_end_matches('\0')
                .to_string(),
        ),
        Bytes => Value::Text(hex(bytes)),
    })
}

/// A field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Number(u64),
    Text(String),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(t) => write!(f, "{t:?}"),
        }
    }
}

/// Bytes as lower-case hex without separators.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_field_lies_inside_what_its_format_guarantees() {
        for p in FrameFormat::PRESETS {
            for f in of(p.name) {
                match f.place {
                    // The head is always whole.
                    Head => assert!(f.offset + f.len <= p.format.head_len(), "{}", p.name),
                    // Bytes after the length field the length does not count are always there.
                    Payload => assert!(
                        f.offset + f.len <= p.format.adjustment().max(0) as usize
                            || p.name == "modbus-tcp",
                        "{} {}",
                        p.name,
                        f.name
                    ),
                }
            }
        }
    }

    #[test]
    fn reads_values() {
        let http2 = of("http2");
        let payload = [4u8, 1, 0x80, 0, 0, 3, 0xaa];
        let got: Vec<Value> = http2
            .iter()
            .filter_map(|f| value(f, &[], &payload))
            .collect();
        assert_eq!(got, [Value::Number(4), Value::Number(1), Value::Number(3)]);
        let mqtt = of("mqtt");
        assert_eq!(value(&mqtt[0], &[0x32], &[]), Some(Value::Number(3)));
        assert_eq!(value(&mqtt[1], &[0x32], &[]), Some(Value::Number(2)));
        let bitcoin = of("bitcoin");
        let head = *b"\xf9\xbe\xb4\xd9version\0\0\0\0\0";
        assert_eq!(
            value(&bitcoin[0], &head, &[]),
            Some(Value::Number(0xd9b4_bef9))
        );
        assert_eq!(
            value(&bitcoin[1], &head, &[]),
            Some(Value::Text("version".into()))
        );
        assert_eq!(value(&bitcoin[2], &head, &[1, 2]), None);
    }
}
