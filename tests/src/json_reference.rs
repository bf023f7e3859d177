//! The whole-buffer reading of a JSON-header stream: where a [`json::Decoder`] fed the first
//! bytes of a stream must stand (frames completed, inside a body or not, what `finish()` says),
//! so an error that surfaces late or early, or a body count that drifts, shows after the chunk
//! that caused it. Length prefixes are read by the reference's own field reader; whether a
//! header is valid is the scanner's verdict ([`json::Config::inspect`]), which
//! [`json_oracle`](crate::json_oracle) checks against serde_json.

use unstick::FrameBuffer;
use unstick::json::{self, DecodeError};

use crate::reference::{FieldRead, reference_field};

/// What a JSON decoder reports between calls, once every event of its input has been taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonProgress {
    /// `frames()`.
    pub frames: u64,
    /// `is_idle()`.
    pub idle: bool,
    /// `is_failed()`.
    pub failed: bool,
    /// `in_body()`.
    pub in_body: bool,
    /// `body_remaining()`.
    pub body_remaining: u64,
    /// `finish()`.
    pub finish: Result<(), DecodeError>,
}

impl JsonProgress {
    /// What `decoder` reports.
    pub fn of<B: FrameBuffer>(decoder: &json::Decoder<B>) -> Self {
        Self {
            frames: decoder.frames(),
            idle: decoder.is_idle(),
            failed: decoder.is_failed(),
            in_body: decoder.in_body(),
            body_remaining: decoder.body_remaining(),
            finish: decoder.finish(),
        }
    }
}

/// The reference reading of one stream, fed its first bytes again and again as they grow:
/// frames completed stay completed, so each reading starts at the frame in progress (cheap
/// enough after every one-byte chunk).
#[derive(Debug, Clone)]
pub struct JsonReference {
    config: json::Config,
    /// Stream offset and index of the first frame not yet complete.
    start: usize,
    frame: u64,
    /// That frame's header once read: where its body starts, and its `total_size`.
    header: Option<(usize, u64)>,
}

impl JsonReference {
    /// The reading of a stream decoded with `config`, from its first byte.
    pub fn new(config: json::Config) -> Self {
        Self {
            config,
            start: 0,
            frame: 0,
            header: None,
        }
    }

    /// Where a decoder fed exactly `fed` (the stream's first bytes, at least as many as the
    /// last call's) stands.
    pub fn progress(&mut self, fed: &[u8]) -> JsonProgress {
        loop {
            let (frame, offset) = (self.frame, self.start as u64);
            let rest = &fed[self.start..];
            let mut at = JsonProgress {
                frames: frame,
                idle: false,
                failed: false,
                in_body: false,
                body_remaining: 0,
                finish: Ok(()),
            };
            if rest.is_empty() {
                at.idle = true;
                return at;
            }
            let (body_start, total_size) = match self.header {
                Some(read) => read,
                None => match read_header(self.config, rest, frame, offset) {
                    Ok((used, total_size)) => *self.header.insert((self.start + used, total_size)),
                    Err(Stop::Pending(e)) => {
                        at.finish = Err(e);
                        return at;
                    }
                    Err(Stop::Failed(e)) => {
                        at.failed = true;
                        at.finish = Err(e);
                        return at;
                    }
                },
            };
            let body = (fed.len() - body_start) as u64;
            if body < total_size {
                let missing = total_size - body;
                at.in_body = true;
                at.body_remaining = missing;
                at.finish = Err(DecodeError::TruncatedBody {
                    frame,
                    offset,
                    total_size,
                    missing,
                });
                return at;
            }
            self.start = body_start + total_size as usize;
            self.frame += 1;
            self.header = None;
        }
    }
}

/// The progress check of one run from a fresh decoder: after each chunk, in order, the
/// decoder must report what the reference does for the stream's bytes fed so far.
#[derive(Debug, Clone)]
pub struct JsonProgressOracle {
    stream: Vec<u8>,
    fed: usize,
    reference: JsonReference,
}

impl JsonProgressOracle {
    /// The check of a decoder configured with `config` that will be fed `chunks` in order.
    pub fn new(config: json::Config, chunks: &[&[u8]]) -> Self {
        Self {
            stream: chunks.concat(),
            fed: 0,
            reference: JsonReference::new(config),
        }
    }

    /// Asserts that `decoder`, once it has taken every event of the next `chunk`, stands
    /// where the reference does.
    pub fn check<B: FrameBuffer>(&mut self, decoder: &json::Decoder<B>, chunk: &[u8]) {
        self.fed += chunk.len();
        assert_eq!(
            JsonProgress::of(decoder),
            self.reference.progress(&self.stream[..self.fed]),
            "after the first {} bytes",
            self.fed
        );
    }
}

/// Why [`read_header`] stopped, with the error `finish()` gives there.
enum Stop {
    /// The bytes end inside the prefix or the header.
    Pending(DecodeError),
    /// The frame is refused.
    Failed(DecodeError),
}

/// Reads the prefix and header of frame `frame`, which starts at `rest` (not empty) and at
/// stream offset `offset`: the bytes they take, and the header's `total_size`.
fn read_header(
    config: json::Config,
    rest: &[u8],
    frame: u64,
    offset: u64,
) -> Result<(usize, u64), Stop> {
    // Headers are length frames with minimal varints and no head or adjustment.
    let (len, used) = match reference_field(config.length(), rest, true) {
        FieldRead::Done(len, used) => (len, used),
        FieldRead::Truncated(have) => {
            return Err(Stop::Pending(DecodeError::TruncatedLengthPrefix {
                frame,
                offset,
                have: have as u8,
            }));
        }
        FieldRead::Negative(value) => {
            return Err(Stop::Failed(DecodeError::NegativeHeaderLength {
                frame,
                offset,
                value,
            }));
        }
        FieldRead::Overlong | FieldRead::Overflow | FieldRead::NonMinimal => {
            return Err(Stop::Failed(DecodeError::MalformedLengthPrefix {
                frame,
                offset,
            }));
        }
    };
    let max = config.max_header_len();
    if len > max {
        return Err(Stop::Failed(DecodeError::HeaderTooLong {
            frame,
            offset,
            len,
            max,
        }));
    }
    let after = &rest[used..];
    let Some(header) = after.get(..len as usize) else {
        return Err(Stop::Pending(DecodeError::TruncatedHeader {
            frame,
            offset,
            len,
            missing: len - after.len() as u64,
        }));
    };
    match config.inspect(header) {
        Ok(total_size) => Ok((used + header.len(), total_size)),
        Err(problem) => Err(Stop::Failed(DecodeError::InvalidHeader {
            frame,
            offset,
            problem,
        })),
    }
}
