//! Shared pieces of the fuzz targets: an `Arbitrary` decoder configuration.

use arbitrary::Arbitrary;
use unstick::{ByteOrder, DecoderConfig, HeaderWidth, LengthHeader, Oversize};

/// A decoder configuration the fuzzer chooses: header width, byte order, signedness, limit,
/// buffer size and mode (buffered, streaming, skip-oversize, both).
#[derive(Debug, Clone, Copy, Arbitrary)]
pub struct FuzzConfig {
    width: u8,
    little: bool,
    signed: bool,
    max: u16,
    buffer: u16,
    mode: u8,
}

/// One of the header widths the core supports, from a fuzzer byte.
pub fn width(n: u8) -> HeaderWidth {
    [
        HeaderWidth::W1,
        HeaderWidth::W2,
        HeaderWidth::W3,
        HeaderWidth::W4,
        HeaderWidth::W8,
    ][usize::from(n % 5)]
}

impl FuzzConfig {
    /// The configuration and a buffer capacity it accepts.
    pub fn build(&self) -> (DecoderConfig, usize) {
        let width = width(self.width);
        let order = if self.little {
            ByteOrder::Little
        } else {
            ByteOrder::Big
        };
        let header = LengthHeader::new(width, order, self.signed);
        let max = u64::from(self.max % 4097);
        let streaming = self.mode & 1 == 1;
        let skip = self.mode & 2 == 2;
        let config = DecoderConfig::new()
            .header(header)
            .max_frame_len(max)
            .streaming(streaming)
            .oversize(if skip {
                Oversize::Skip
            } else {
                Oversize::Reject
            });
        // Without streaming the buffer must hold the limit.
        let cap = if streaming {
            usize::from(self.buffer % 4097)
        } else {
            max as usize + usize::from(self.buffer % 64)
        };
        (config, cap)
    }
}

/// Chunk sizes from fuzzer data: 0 is an empty chunk.
pub fn sizes(raw: &[u16]) -> Vec<usize> {
    raw.iter().map(|&s| usize::from(s % 5000)).collect()
}

use unstick::{JsonEvent, JsonHeaderConfig, JsonHeaderDecoder, JsonHeaderError};

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
/// its header, never more body bytes than `total_size`, an end only after all of them.
pub fn run_json(
    config: JsonHeaderConfig,
    cap: usize,
    chunks: &[&[u8]],
) -> (Vec<JsonFrame>, Result<(), JsonHeaderError>) {
    let mut buf = vec![0u8; cap];
    let mut decoder =
        JsonHeaderDecoder::new(config, &mut buf[..]).expect("buffer holds the header limit");
    let mut frames = Vec::new();
    let mut open: Option<JsonFrame> = None;
    for chunk in chunks {
        let result = decoder.decode_all(chunk, |event| match event {
            JsonEvent::Header(h) => {
                assert!(open.is_none(), "header inside a frame");
                assert!(h.total_size() <= config.get_max_body_len());
                open = Some(JsonFrame {
                    json: h.json().to_owned(),
                    total_size: h.total_size(),
                    body: Vec::new(),
                });
            }
            JsonEvent::BodyPiece(p) => {
                let frame = open.as_mut().expect("body piece before its header");
                assert!(!p.is_empty());
                frame.body.extend_from_slice(p);
                assert!(
                    frame.body.len() as u64 <= frame.total_size,
                    "more body than total_size"
                );
            }
            JsonEvent::End => {
                let frame = open.take().expect("end without a header");
                assert_eq!(frame.body.len() as u64, frame.total_size);
                frames.push(frame);
            }
        });
        if let Err(e) = result {
            return (frames, Err(e));
        }
    }
    (frames, decoder.finish())
}
