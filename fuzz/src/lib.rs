//! Shared pieces of the fuzz targets: an `Arbitrary` frame format.

use arbitrary::Arbitrary;
use unstick::{ByteOrder, FrameFormat, LengthField, Oversize, Width};

/// A frame format the fuzzer chooses: length field (fixed width, byte order, signedness, or a
/// LEB128, MQTT or QUIC varint, minimal or not), head length, adjustment, limit, buffer size and
/// mode (buffered, streaming, skip-oversize, both).
#[derive(Debug, Clone, Copy, Arbitrary)]
pub struct FuzzConfig {
    width: u8,
    little: bool,
    signed: bool,
    max: u16,
    buffer: u16,
    mode: u8,
    kind: u8,
    head: u8,
    adjustment: i8,
    lenient: bool,
}

/// A length field from fuzzer bytes: mostly fixed widths, sometimes each varint.
pub fn field(kind: u8, width_byte: u8, little: bool, signed: bool) -> LengthField {
    match kind % 8 {
        0 => LengthField::Leb128,
        1 => LengthField::MqttVbi,
        2 => LengthField::QuicVarint,
        _ => {
            let order = if little {
                ByteOrder::Little
            } else {
                ByteOrder::Big
            };
            LengthField::fixed(width(width_byte), order, signed)
        }
    }
}

/// One of the fixed field widths the core supports, from a fuzzer byte.
pub fn width(n: u8) -> Width {
    [Width::W1, Width::W2, Width::W3, Width::W4, Width::W8][usize::from(n % 5)]
}

impl FuzzConfig {
    /// The format and a buffer capacity a decoder for it accepts.
    pub fn build(&self) -> (FrameFormat, usize) {
        let field = field(self.kind, self.width, self.little, self.signed);
        let head = usize::from(self.head % 17);
        let max = u64::from(self.max % 4097);
        let streaming = self.mode & 1 == 1;
        let skip = self.mode & 2 == 2;
        let format = FrameFormat::new()
            .with_head_len(head)
            .with_length(field)
            .with_adjustment(i32::from(self.adjustment % 9))
            .with_non_minimal_lengths(self.lenient)
            .with_max_frame_len(max)
            .with_streaming(streaming)
            .with_oversize(if skip {
                Oversize::Skip
            } else {
                Oversize::Reject
            });
        // Without streaming the buffer must hold the head and the limit.
        let cap = head
            + if streaming {
                usize::from(self.buffer % 4097)
            } else {
                max as usize + usize::from(self.buffer % 64)
            };
        (format, cap)
    }
}

/// Chunk sizes from fuzzer data: 0 is an empty chunk.
pub fn sizes(raw: &[u16]) -> Vec<usize> {
    raw.iter().map(|&s| usize::from(s % 5000)).collect()
}

use unstick::json;
use unstick_tests::json_reference::JsonProgressOracle;

/// A JSON-header frame as decoded: header text, announced size, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonFrame {
    /// The header text.
    pub json: String,
    /// Its `total_size`.
    pub total_size: u64,
    /// The body pieces, joined.
    pub body: Vec<u8>,
}

/// Decodes `chunks` with a fresh JSON decoder, asserting on every event: no body piece before
/// its header, never more body bytes than `total_size`, an end only after all of them; and
/// after every chunk, where the decoder stands against the reference reading of the bytes fed.
pub fn run_json(
    config: json::Config,
    cap: usize,
    chunks: &[&[u8]],
) -> (Vec<JsonFrame>, Result<(), json::DecodeError>) {
    let mut buf = vec![0u8; cap];
    let mut decoder =
        json::Decoder::new(config, &mut buf[..]).expect("buffer holds the header limit");
    let mut frames = Vec::new();
    let mut open: Option<JsonFrame> = None;
    let mut progress = JsonProgressOracle::new(config, chunks);
    for chunk in chunks {
        let result = decoder.decode_all(chunk, |event| match event {
            json::Event::Header(h) => {
                assert!(open.is_none(), "header inside a frame");
                assert!(h.total_size() <= config.max_body_len());
                open = Some(JsonFrame {
                    json: h.json().to_owned(),
                    total_size: h.total_size(),
                    body: Vec::new(),
                });
            }
            json::Event::BodyPiece(p) => {
                let frame = open.as_mut().expect("body piece before its header");
                assert!(!p.is_empty());
                frame.body.extend_from_slice(p);
                assert!(
                    frame.body.len() as u64 <= frame.total_size,
                    "more body than total_size"
                );
            }
            json::Event::End => {
                let frame = open.take().expect("end without a header");
                assert_eq!(frame.body.len() as u64, frame.total_size);
                frames.push(frame);
            }
        });
        progress.check(&decoder, chunk);
        if let Err(e) = result {
            return (frames, Err(e));
        }
    }
    (frames, decoder.finish())
}
