//! Shared helpers for the test and benchmark suites: stream building, a chunked runner that
//! checks the decoder's contract on every call, and a whole-buffer reference decoder.

pub mod adapters_io;
pub mod json_oracle;
pub mod json_reference;
pub mod programs;

pub mod reference;
pub mod tokio_oracle;

pub use reference::{
    Progress, reference, reference_field, reference_frames_after, reference_progress,
    reference_progress_after, reference_with_spans,
};

use std::ops::{ControlFlow, Range};

use unstick::{
    DecodeError, Event, FrameBuffer, FrameFormat, LengthDecoder, LengthEncoder, Oversize,
};

/// A small deterministic PRNG (xorshift64*), so both ends of a test derive the same data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value).
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    /// A frame size from 0 to 1 MiB, mostly small: 90% under 4 KiB, 9% under 64 KiB.
    pub fn frame_len(&mut self) -> usize {
        (match self.below(100) {
            0 => self.below((1 << 20) + 1),
            1..=9 => self.below(64 << 10),
            _ => self.below(4 << 10),
        }) as usize
    }
    /// `len` bytes derived from the generator.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let seed = self.next_u64();
        (0..len as u64)
            .map(|i| (seed.wrapping_add(i.wrapping_mul(0x9e37)) >> 7) as u8)
            .collect()
    }
}

/// What a decoder made of a stream, normalized so runs can be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// [`Event::Frame`].
    Frame {
        /// The frame's head.
        head: Vec<u8>,
        /// The frame's payload.
        payload: Vec<u8>,
    },
    /// `StreamStart` (with the head), pieces and `StreamEnd`, the pieces concatenated.
    Streamed {
        /// The frame's head.
        head: Vec<u8>,
        /// The pieces, concatenated.
        payload: Vec<u8>,
    },
    /// [`Event::Skipped`].
    Skipped(u64),
}

impl Item {
    /// A whole frame without a head.
    pub fn frame(payload: impl Into<Vec<u8>>) -> Self {
        Item::Frame {
            head: Vec::new(),
            payload: payload.into(),
        }
    }
    /// A streamed frame without a head.
    pub fn streamed(payload: impl Into<Vec<u8>>) -> Self {
        Item::Streamed {
            head: Vec::new(),
            payload: payload.into(),
        }
    }
    /// The payload of a whole or streamed frame.
    pub fn payload(&self) -> Option<&[u8]> {
        match self {
            Item::Frame { payload, .. } | Item::Streamed { payload, .. } => Some(payload),
            Item::Skipped(_) => None,
        }
    }
    /// The head of a whole or streamed frame.
    pub fn head(&self) -> Option<&[u8]> {
        match self {
            Item::Frame { head, .. } | Item::Streamed { head, .. } => Some(head),
            Item::Skipped(_) => None,
        }
    }
}

/// The item for a whole frame event.
fn frame_item(frame: unstick::Frame<'_>) -> Item {
    Item::Frame {
        head: frame.head.to_vec(),
        payload: frame.payload.to_vec(),
    }
}

/// Everything a run produced: the items, then how it ended (the first decode error, or what
/// `finish()` said after the last chunk).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Frames, streamed frames and skip reports, in order.
    pub items: Vec<Item>,
    /// `Err` with the decode error, or the result of `finish()`.
    pub end: Result<(), DecodeError>,
}

/// Encodes `payloads` back to back in `format` (which has no head).
pub fn encode_stream(format: FrameFormat, payloads: &[Vec<u8>]) -> Vec<u8> {
    let frames: Vec<(Vec<u8>, Vec<u8>)> =
        payloads.iter().map(|p| (Vec::new(), p.clone())).collect();
    encode_frames(format, &frames)
}

/// Encodes `(head, payload)` frames back to back in `format`.
pub fn encode_frames(format: FrameFormat, frames: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let encoder = LengthEncoder::new(format);
    let mut out = Vec::new();
    for (head, payload) in frames {
        let prefix = encoder
            .prefix_with_head(head, payload.len())
            .expect("the format carries the frame");
        out.extend_from_slice(&prefix);
        out.extend_from_slice(payload);
    }
    out
}

/// Splits `stream` into chunks whose sizes cycle through `sizes` (0 gives an empty chunk);
/// the last chunk takes whatever is left. Empty `sizes` gives one chunk.
pub fn split<'a>(stream: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut rest = stream;
    if sizes.is_empty() || sizes.iter().all(|&s| s == 0) {
        chunks.extend(sizes.iter().map(|_| &rest[..0]));
        chunks.push(rest);
        return chunks;
    }
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        chunks.push(chunk);
        rest = tail;
    }
    chunks
}

/// Feeds `chunks` to `decoder` and collects the outcome, asserting on every call what the
/// decoder promises: `consumed <= input.len()`; no event means all input was consumed;
/// stream pieces are non-empty, come only between start and end and add up to the announced
/// length; frames respect the limit; a failed decoder stays failed; no endless run of events
/// that consume nothing.
pub fn run<B: FrameBuffer>(decoder: &mut LengthDecoder<B>, chunks: &[&[u8]]) -> Outcome {
    let format = decoder.format();
    let max = format.max_frame_len();
    let streaming = format.streaming();
    let mut items = Vec::new();
    let mut stream: Option<(u64, Vec<u8>, Vec<u8>)> = None;
    // From the start of a stream, after every chunk the counters, `missing`, the state and
    // `finish` match the reference's for the bytes fed so far (so an error surfaces in the
    // chunk that proves it).
    let mut oracle = ProgressOracle::new(decoder);
    let mut fed = Vec::new();
    for chunk in chunks {
        let mut input: &[u8] = chunk;
        let mut idle_events = 0;
        fed.extend_from_slice(chunk);
        loop {
            let step = match decoder.decode(input) {
                Ok(step) => step,
                Err(e) => {
                    // A failed decoder stays failed.
                    assert_eq!(decoder.decode(b"more").err(), Some(e));
                    assert_eq!(decoder.finish(), Err(e));
                    oracle.check(decoder, &fed);
                    return Outcome { items, end: Err(e) };
                }
            };
            assert!(step.consumed <= input.len(), "consumed past the input");
            input = &input[step.consumed..];
            let Some(event) = step.event else {
                assert!(input.is_empty(), "no event but {} bytes left", input.len());
                oracle.check(decoder, &fed);
                break;
            };
            if step.consumed == 0 {
                idle_events += 1;
                assert!(
                    idle_events <= 2,
                    "events that consume nothing, again and again"
                );
            } else {
                idle_events = 0;
            }
            match event {
                Event::Frame(f) => {
                    assert!(stream.is_none(), "whole frame inside a streamed frame");
                    assert!(f.payload.len() as u64 <= max, "frame over the limit");
                    assert_eq!(f.head.len(), format.head_len(), "head of the wrong size");
                    items.push(frame_item(f));
                }
                Event::StreamStart { head, len } => {
                    assert!(streaming, "stream event without streaming");
                    assert!(stream.is_none(), "stream start inside a stream");
                    assert_eq!(head.len(), format.head_len(), "head of the wrong size");
                    stream = Some((len, head.to_vec(), Vec::new()));
                }
                Event::StreamPiece(piece) => {
                    let (len, _, body) = stream.as_mut().expect("piece outside a stream");
                    assert!(!piece.is_empty(), "empty piece");
                    body.extend_from_slice(piece);
                    assert!(
                        body.len() as u64 <= *len,
                        "pieces past the announced length"
                    );
                }
                Event::StreamEnd => {
                    let (len, head, payload) = stream.take().expect("end outside a stream");
                    assert_eq!(payload.len() as u64, len, "stream ended short");
                    items.push(Item::Streamed { head, payload });
                }
                Event::Skipped { len } => {
                    assert_eq!(format.oversize(), Oversize::Skip);
                    assert!(len > max);
                    items.push(Item::Skipped(len));
                }
            }
        }
    }
    Outcome {
        items,
        end: decoder.finish(),
    }
}

/// What `decoder` reports: its counters, `missing`, state and `finish`.
pub fn progress<B: FrameBuffer>(decoder: &LengthDecoder<B>) -> Progress {
    Progress {
        frames: decoder.frames(),
        offset: decoder.offset(),
        missing: decoder.missing(),
        idle: decoder.is_idle(),
        failed: decoder.is_failed(),
        finish: decoder.finish(),
    }
}

/// The progress oracle of one run: when the decoder starts a stream afresh, each check asserts
/// that it reports what the reference does for the bytes fed so far. The reference's previous
/// answer is kept, so each check reads only from the frame then in progress.
struct ProgressOracle {
    /// Off for a decoder that did not start on a fresh stream.
    on: bool,
    last: Option<Progress>,
}

impl ProgressOracle {
    fn new<B: FrameBuffer>(decoder: &LengthDecoder<B>) -> Self {
        Self {
            on: progress(decoder) == reference_progress(decoder.format(), &[]),
            last: None,
        }
    }

    /// Asserts that `decoder`, fed `fed` from the start of the stream, reports what the
    /// reference does.
    fn check<B: FrameBuffer>(&mut self, decoder: &LengthDecoder<B>, fed: &[u8]) {
        if !self.on {
            return;
        }
        let want = reference_progress_after(decoder.format(), fed, self.last.as_ref());
        assert_eq!(
            progress(decoder),
            want,
            "after the first {} bytes",
            fed.len()
        );
        self.last = Some(want);
    }
}

/// Asserts that of the frames the chunk from stream offset `start` completed (`frames`: span,
/// payload length, handed out whole), those lying wholly inside it were handed out as slices
/// of it (zero-copy), given for each whole-frame event whether its payload pointed into it.
fn assert_zero_copy(frames: &[(Range<usize>, u64, bool)], start: usize, in_chunk: &[bool]) {
    let whole: Vec<_> = frames.iter().filter(|f| f.2).collect();
    assert_eq!(
        whole.len(),
        in_chunk.len(),
        "a frame event for every whole frame"
    );
    for ((span, len, _), &pointed_in) in whole.into_iter().zip(in_chunk) {
        // (A frame that began in an earlier chunk may still hand out its payload from this
        // one; an empty payload points nowhere in particular.)
        if span.start >= start && *len > 0 {
            assert!(
                pointed_in,
                "frame at {span:?} lies in the chunk from {start} but was copied"
            );
        }
    }
}

/// Events in arrival order turned into items, checking the order the way [`run`] does.
#[derive(Debug, Default)]
pub struct Collector {
    /// The items completed so far.
    pub items: Vec<Item>,
    stream: Option<(u64, Vec<u8>, Vec<u8>)>,
}

impl Collector {
    /// Whether a streamed frame has all its pieces but not yet its end event.
    pub fn end_pending(&self) -> bool {
        self.stream
            .as_ref()
            .is_some_and(|(len, _, body)| body.len() as u64 == *len)
    }

    /// Takes the next event.
    pub fn take(&mut self, event: Event<'_>) {
        match event {
            Event::Frame(f) => {
                assert!(self.stream.is_none(), "whole frame inside a streamed frame");
                self.items.push(frame_item(f));
            }
            Event::StreamStart { head, len } => {
                assert!(self.stream.is_none(), "stream start inside a stream");
                self.stream = Some((len, head.to_vec(), Vec::new()));
            }
            Event::StreamPiece(piece) => {
                assert!(!piece.is_empty(), "empty piece");
                self.stream
                    .as_mut()
                    .expect("piece outside a stream")
                    .2
                    .extend_from_slice(piece);
            }
            Event::StreamEnd => {
                let (len, head, payload) = self.stream.take().expect("end outside a stream");
                assert_eq!(payload.len() as u64, len, "stream ended short");
                self.items.push(Item::Streamed { head, payload });
            }
            Event::Skipped { len } => self.items.push(Item::Skipped(len)),
        }
    }
}

/// Like [`run`], but through [`LengthDecoder::decode_all`]; checks event order the same way.
pub fn run_all<B: FrameBuffer>(decoder: &mut LengthDecoder<B>, chunks: &[&[u8]]) -> Outcome {
    let mut events = Collector::default();
    let mut oracle = ProgressOracle::new(decoder);
    let mut fed = Vec::new();
    for chunk in chunks {
        // Whether each whole frame handed out points into this chunk.
        let range = chunk.as_ptr_range();
        let mut in_chunk = Vec::new();
        let result = decoder.decode_all(chunk, |event| {
            if let Event::Frame(f) = event {
                in_chunk.push(range.contains(&f.payload.as_ptr()));
            }
            events.take(event)
        });
        let start = fed.len();
        fed.extend_from_slice(chunk);
        if oracle.on {
            let capacity = decoder.buffer().capacity();
            let frames =
                reference_frames_after(decoder.format(), capacity, &fed, oracle.last.as_ref());
            assert_zero_copy(&frames, start, &in_chunk);
        }
        oracle.check(decoder, &fed);
        if let Err(e) = result {
            return Outcome {
                items: events.items,
                end: Err(e),
            };
        }
    }
    Outcome {
        items: events.items,
        end: decoder.finish(),
    }
}

/// Like [`run`], but through [`LengthDecoder::decode_until`], stopping after every `batch`
/// events and calling again with the rest of the chunk. Checks what it promises: it uses all
/// of the input unless stopped, never more than the input, at least the bytes of the events it
/// handed out, and a frame lying in the input ends exactly where its step's bytes end.
pub fn run_until<B: FrameBuffer>(
    decoder: &mut LengthDecoder<B>,
    chunks: &[&[u8]],
    batch: usize,
) -> Outcome {
    assert!(batch > 0);
    let mut events = Collector::default();
    let mut oracle = ProgressOracle::new(decoder);
    let mut fed = Vec::new();
    for chunk in chunks {
        fed.extend_from_slice(chunk);
        let mut input: &[u8] = chunk;
        // Each call hands out at least one event or uses the whole rest: bounded.
        for _ in 0..=chunk.len() * 2 + 4 {
            let range = input.as_ptr_range();
            let (mut n, mut at) = (0, 0);
            let result = decoder.decode_until(input, |event, consumed| {
                at += consumed;
                assert!(at <= input.len(), "events used more than the input");
                if let Event::Frame(f) = event
                    && range.contains(&f.payload.as_ptr())
                {
                    let end = f.payload.as_ptr() as usize - range.start as usize + f.payload.len();
                    assert_eq!(end, at, "a frame in the input ends where its step ends");
                }
                events.take(event);
                n += 1;
                if n == batch {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
            let used = match result {
                Ok(used) => used,
                Err(e) => {
                    assert_eq!(decoder.decode_until(b"more", |_, _| panic!()), Err(e));
                    oracle.check(decoder, &fed);
                    return Outcome {
                        items: events.items,
                        end: Err(e),
                    };
                }
            };
            assert!(
                at <= used && used <= input.len(),
                "used {used} of {}",
                input.len()
            );
            if n < batch {
                assert_eq!(used, input.len(), "not stopped, yet input left");
            }
            input = &input[used..];
            if n < batch {
                break;
            }
        }
        assert!(
            input.is_empty(),
            "decode_until kept stopping without progress"
        );
        oracle.check(decoder, &fed);
    }
    Outcome {
        items: events.items,
        end: decoder.finish(),
    }
}

/// Feeds `chunks` the way a tokio codec sees them: appended to a growing buffer, decoded with
/// [`LengthDecoder::decode_whole`], consumed bytes dropped. Checks that frames are slices of
/// the buffer ending at `consumed` and that `None` never loses bytes. At the end the rest goes
/// through `decode` and `finish`.
pub fn run_whole(format: FrameFormat, capacity: usize, chunks: &[&[u8]]) -> Outcome {
    let mut storage = vec![0u8; capacity];
    let mut decoder = LengthDecoder::new(format, &mut storage[..]).expect("valid format");
    let mut items = Vec::new();
    let mut stream: Option<(Vec<u8>, Vec<u8>)> = None;
    let mut buffer: Vec<u8> = Vec::new();
    for chunk in chunks {
        buffer.extend_from_slice(chunk);
        loop {
            let range = buffer.as_ptr_range();
            let step = match decoder.decode_whole(&buffer) {
                Ok(step) => step,
                Err(e) => return Outcome { items, end: Err(e) },
            };
            let consumed = step.consumed;
            let more = match step.event {
                Some(Event::Frame(f)) => {
                    for part in [f.head, f.payload] {
                        assert!(
                            part.is_empty() || range.contains(&part.as_ptr()),
                            "frame was copied"
                        );
                    }
                    assert_eq!(
                        f.payload.as_ptr() as usize + f.payload.len(),
                        range.start as usize + consumed,
                        "frame does not end at consumed"
                    );
                    items.push(frame_item(f));
                    true
                }
                Some(Event::Skipped { len }) => {
                    items.push(Item::Skipped(len));
                    true
                }
                Some(Event::StreamStart { head, .. }) => {
                    stream = Some((head.to_vec(), Vec::new()));
                    true
                }
                Some(Event::StreamPiece(p)) => {
                    stream
                        .as_mut()
                        .expect("piece in a stream")
                        .1
                        .extend_from_slice(p);
                    true
                }
                Some(Event::StreamEnd) => {
                    let (head, payload) = stream.take().expect("end of a stream");
                    items.push(Item::Streamed { head, payload });
                    true
                }
                None => false,
            };
            buffer.drain(..consumed);
            if !more {
                break;
            }
        }
    }
    // End of stream: whatever is left is a partial frame; let `decode` and `finish` say so.
    let mut end = decoder.decode_all(&buffer, |_| panic!("a whole frame left behind"));
    if end.is_ok() {
        end = decoder.finish();
    }
    Outcome { items, end }
}

/// Drives a decoder the way a transport that reads into a given buffer does: random-sized
/// reads of `stream` straight into [`LengthDecoder::spare`], then
/// [`commit`](LengthDecoder::commit). Needs a buffer of at least one byte when streaming or
/// skipping. Checks that frames equal [`LengthDecoder::stored`].
pub fn run_spare(format: FrameFormat, capacity: usize, stream: &[u8], seed: u64) -> Outcome {
    let mut storage = vec![0u8; capacity];
    let mut decoder = LengthDecoder::new(format, &mut storage[..]).expect("valid format");
    run_spare_with(&mut decoder, stream, seed)
}

/// [`run_spare`] with any buffer kind.
pub fn run_spare_with<B: FrameBuffer>(
    decoder: &mut LengthDecoder<B>,
    stream: &[u8],
    seed: u64,
) -> Outcome {
    let mut rng = Rng::new(seed);
    run_spare_by(decoder, stream, |room| 1 + rng.below(room as u64) as usize)
}

/// [`run_spare`] with read sizes the caller chooses (a fuzzer, a property test): read `i`
/// takes `reads[i % reads.len()]` bytes, at least 1 and at most the spare region (all of it
/// when `reads` is empty).
pub fn run_spare_sized(
    format: FrameFormat,
    capacity: usize,
    stream: &[u8],
    reads: &[usize],
) -> Outcome {
    let mut storage = vec![0u8; capacity];
    let mut decoder = LengthDecoder::new(format, &mut storage[..]).expect("valid format");
    let mut next = reads.iter().cycle();
    run_spare_by(&mut decoder, stream, |room| {
        next.next().map_or(room, |&n| n.clamp(1, room))
    })
}

/// The spare/commit runner: `read(room)` says how many bytes (1 to `room`) the next read into
/// a spare region of `room` bytes takes.
fn run_spare_by<B: FrameBuffer>(
    decoder: &mut LengthDecoder<B>,
    stream: &[u8],
    mut read: impl FnMut(usize) -> usize,
) -> Outcome {
    let mut items = Vec::new();
    let mut open: Option<(Vec<u8>, Vec<u8>)> = None;
    let mut rest = stream;
    let mut idle = 0;
    let h = decoder.format().head_len();
    // After every commit the decoder reports what the reference does for the bytes committed
    // so far, except between a streamed frame's last piece and its end event.
    let mut oracle = ProgressOracle::new(decoder);
    let mut announced = 0;
    loop {
        let spare = decoder.spare();
        let want = spare.len();
        let n = if want == 0 {
            0
        } else {
            let n = read(want).min(rest.len());
            spare[..n].copy_from_slice(&rest[..n]);
            n
        };
        if want > 0 && n == 0 {
            // End of stream.
            return Outcome {
                items,
                end: decoder.finish(),
            };
        }
        rest = &rest[n..];
        let fed = &stream[..stream.len() - rest.len()];
        let step = match decoder.commit(n) {
            Ok(step) => step,
            Err(e) => {
                oracle.check(decoder, fed);
                return Outcome { items, end: Err(e) };
            }
        };
        assert_eq!(step.consumed, n);
        let event = step.event;
        let ending = matches!(event, Some(Event::StreamPiece(p))
            if open.as_ref().is_some_and(|(_, body)| body.len() + p.len() == announced));
        if n == 0 {
            idle += 1;
            assert!(idle <= 2, "no progress");
        } else {
            idle = 0;
        }
        match event {
            Some(Event::Frame(f)) => {
                let item = frame_item(f);
                let (head, payload) = (item.head().unwrap(), item.payload().unwrap());
                let stored = decoder.stored(h + payload.len());
                assert_eq!((&stored[..h], &stored[h..]), (head, payload));
                items.push(item);
            }
            Some(Event::StreamStart { head, len }) => {
                announced = len as usize;
                open = Some((head.to_vec(), Vec::new()));
            }
            Some(Event::StreamPiece(p)) => open
                .as_mut()
                .expect("piece in a stream")
                .1
                .extend_from_slice(p),
            Some(Event::StreamEnd) => {
                let (head, payload) = open.take().expect("end of a stream");
                items.push(Item::Streamed { head, payload });
            }
            Some(Event::Skipped { len }) => items.push(Item::Skipped(len)),
            None => {}
        }
        if !ending {
            oracle.check(decoder, fed);
        }
    }
}

/// [`run_all`] on a fresh decoder with `format` over a `capacity`-byte slice buffer.
pub fn run_all_fresh(format: FrameFormat, capacity: usize, chunks: &[&[u8]]) -> Outcome {
    let mut buf = vec![0u8; capacity];
    let mut decoder = LengthDecoder::new(format, &mut buf[..]).expect("valid format");
    run_all(&mut decoder, chunks)
}

/// [`run_until`] on a fresh decoder with `format` over a `capacity`-byte slice buffer.
pub fn run_until_fresh(
    format: FrameFormat,
    capacity: usize,
    chunks: &[&[u8]],
    batch: usize,
) -> Outcome {
    let mut buf = vec![0u8; capacity];
    let mut decoder = LengthDecoder::new(format, &mut buf[..]).expect("valid format");
    run_until(&mut decoder, chunks, batch)
}

/// A fresh decoder with `format` over a `capacity`-byte slice buffer, fed `chunks`.
pub fn run_fresh(format: FrameFormat, capacity: usize, chunks: &[&[u8]]) -> Outcome {
    let mut buf = vec![0u8; capacity];
    let mut decoder = LengthDecoder::new(format, &mut buf[..]).expect("valid format");
    run(&mut decoder, chunks)
}

/// The README's Rust examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// Drives one decoder through both input paths at random, as `FrameReader` does: sometimes a
/// random-sized chunk of `stream` through [`LengthDecoder::decode`], sometimes a random-sized
/// read straight into [`LengthDecoder::spare`] and [`commit`](LengthDecoder::commit). Checks
/// [`LengthDecoder::missing`] against the bytes each frame still needed.
pub fn run_mixed_with<B: FrameBuffer>(
    decoder: &mut LengthDecoder<B>,
    stream: &[u8],
    seed: u64,
) -> Outcome {
    let mut rng = Rng::new(seed);
    let mut items = Vec::new();
    let mut open: Option<(Vec<u8>, Vec<u8>)> = None;
    let mut rest = stream;
    let mut idle = 0;
    let mut take = |event: Option<Event<'_>>, items: &mut Vec<Item>| match event {
        Some(Event::Frame(f)) => items.push(frame_item(f)),
        Some(Event::StreamStart { head, .. }) => open = Some((head.to_vec(), Vec::new())),
        Some(Event::StreamPiece(p)) => open
            .as_mut()
            .expect("piece in a stream")
            .1
            .extend_from_slice(p),
        Some(Event::StreamEnd) => {
            let (head, payload) = open.take().expect("end of a stream");
            items.push(Item::Streamed { head, payload });
        }
        Some(Event::Skipped { len }) => items.push(Item::Skipped(len)),
        None => {}
    };
    loop {
        let missing = decoder.missing();
        // At the end of the input only the spare path can deliver what is pending
        // (`commit(0)`) and see the end of the stream.
        if rest.is_empty() || rng.below(2) == 0 {
            let spare = decoder.spare();
            let want = spare.len();
            let n = if want == 0 {
                0
            } else {
                (1 + rng.below(want as u64) as usize).min(rest.len())
            };
            if want > 0 && n == 0 {
                return Outcome {
                    items,
                    end: decoder.finish(),
                };
            }
            spare[..n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
            assert!(n as u64 <= missing || missing == 0, "spare past the frame");
            match decoder.commit(n) {
                Ok(step) => take(step.event, &mut items),
                Err(e) => return Outcome { items, end: Err(e) },
            }
            idle = if n == 0 { idle + 1 } else { 0 };
            assert!(idle <= 2, "no progress");
        } else {
            let n = 1 + rng.below(rest.len().min(3000) as u64) as usize;
            let mut chunk = &rest[..n];
            rest = &rest[n..];
            while !chunk.is_empty() {
                match decoder.decode(chunk) {
                    Ok(step) => {
                        assert!(step.consumed > 0 || step.event.is_some(), "no progress");
                        chunk = &chunk[step.consumed..];
                        take(step.event, &mut items);
                    }
                    Err(e) => return Outcome { items, end: Err(e) },
                }
            }
        }
    }
}
