//! The std adapters over a transport whose every call the input decides: reads and writes of
//! any length from 0 up, `WouldBlock`, `Interrupted`, other errors, end of stream. The caller
//! retries exactly as the adapters' docs say. Shared by the `adapters_io` fuzz target and its
//! proptest twin.
//!
//! Invariants checked:
//! - the wire carries exactly the frames the writer accepted, each once, in order;
//! - every frame read equals one sent, in order, and skipped or refused frames are the ones the
//!   reference decoder skips or refuses;
//! - a framing error repeats, without the transport being called again;
//! - what a writer keeps stays within its capacity plus one frame.

use std::cell::{Cell, RefCell};
use std::io::{self, IoSlice, Read, Write};
use std::rc::Rc;

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};
use unstick::{ByteOrder, Frame, FrameFormat, LengthEncoder, LengthField, Oversize, Width, json};
use unstick_std::{FrameReader, FrameWriter, JsonFrameReader, JsonFrameWriter, LengthCodec};

use crate::{Item, Outcome, reference};

/// Calls before giving up on progress: far more than any script can block.
const MAX_ATTEMPTS: usize = 100_000;

/// Draws decisions from the input bytes; zeros once they run out.
pub struct Draw<'a> {
    data: &'a [u8],
}

impl<'a> Draw<'a> {
    /// Decisions from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn below(&mut self, n: usize) -> usize {
        let v = usize::from(self.byte()) << 8 | usize::from(self.byte());
        v % n.max(1)
    }

    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }
}

/// What one transport call does.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Move at most this many bytes (a write of 0 is `Ok(0)`; a read gives at least 1).
    Give(usize),
    WouldBlock,
    Interrupted,
    /// An error the caller may retry after (a timeout).
    Other,
    /// Reads only: `Ok(0)` even with bytes left.
    Eof,
}

/// A transport script; once it runs out every call moves all it can.
#[derive(Debug, Clone, Default)]
struct Script {
    steps: Vec<Step>,
    at: usize,
    calls: usize,
}

impl Script {
    fn draw(d: &mut Draw<'_>, allow_eof: bool) -> Self {
        let n = d.below(64);
        let steps = (0..n)
            .map(|_| match d.byte() % 16 {
                0..=5 => Step::Give(usize::from(d.byte()) + 1),
                6 => Step::Give(usize::from(d.byte()) * 1024 + 1),
                7 => Step::Give(0),
                8..=9 => Step::WouldBlock,
                10..=11 => Step::Interrupted,
                12 => Step::Other,
                13 if allow_eof => Step::Eof,
                _ => Step::Give(usize::MAX),
            })
            .collect();
        Self {
            steps,
            at: 0,
            calls: 0,
        }
    }

    fn next(&mut self) -> Step {
        self.calls += 1;
        let step = self
            .steps
            .get(self.at)
            .copied()
            .unwrap_or(Step::Give(usize::MAX));
        self.at += 1;
        step
    }

    fn error(step: Step) -> Option<io::Error> {
        Some(match step {
            Step::WouldBlock => io::ErrorKind::WouldBlock.into(),
            Step::Interrupted => io::ErrorKind::Interrupted.into(),
            Step::Other => io::ErrorKind::TimedOut.into(),
            Step::Give(_) | Step::Eof => return None,
        })
    }
}

/// A writer that follows a script and records the wire. `calm` switches the script off.
struct ScriptedWriter {
    script: Script,
    wire: Rc<RefCell<Vec<u8>>>,
    calm: Rc<Cell<bool>>,
}

impl ScriptedWriter {
    fn step(&mut self) -> Step {
        if self.calm.get() {
            Step::Give(usize::MAX)
        } else {
            self.script.next()
        }
    }
}

impl Write for ScriptedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let step = self.step();
        if let Some(e) = Script::error(step) {
            return Err(e);
        }
        let Step::Give(mut room) = step else {
            return Ok(0);
        };
        let mut n = 0;
        for buf in bufs {
            let take = buf.len().min(room);
            self.wire.borrow_mut().extend_from_slice(&buf[..take]);
            n += take;
            room -= take;
            if room == 0 {
                break;
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A reader of `data` that follows a script, counting its calls.
struct ScriptedReader {
    script: Script,
    data: Vec<u8>,
    at: usize,
}

impl Read for ScriptedReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let step = self.script.next();
        if let Some(e) = Script::error(step) {
            return Err(e);
        }
        let want = match step {
            Step::Give(n) => n.max(1),
            _ => return Ok(0),
        };
        let n = want.min(out.len()).min(self.data.len() - self.at);
        out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A frame shape: a head of 0 to 16 bytes, any length field, a small adjustment.
fn format(d: &mut Draw<'_>) -> FrameFormat {
    let length = match d.byte() % 8 {
        0 => LengthField::Leb128,
        1 => LengthField::MqttVbi,
        2 => LengthField::QuicVarint,
        _ => {
            let width = [Width::W1, Width::W2, Width::W3, Width::W4, Width::W8][d.below(5)];
            let order = if d.byte() & 1 == 0 {
                ByteOrder::Big
            } else {
                ByteOrder::Little
            };
            LengthField::fixed(width, order, d.byte() & 1 == 1)
        }
    };
    let head_len = match d.byte() % 4 {
        0 | 1 => 0,
        2 => d.below(5),
        _ => d.below(17),
    };
    let adjustment = match d.byte() % 4 {
        0 | 1 => 0,
        _ => d.below(17) as i32 - 8,
    };
    FrameFormat::new()
        .with_head_len(head_len)
        .with_length(length)
        .with_adjustment(adjustment)
        .with_non_minimal_lengths(d.byte() & 1 == 1)
}

/// Whether a `len`-byte payload can be sent in `format`, worked out apart from the encoder.
fn sendable(format: FrameFormat, len: usize) -> bool {
    let value = len as i128 - i128::from(format.adjustment());
    len as u64 <= format.max_frame_len()
        && value >= 0
        && value <= i128::from(format.length().max_value())
}

/// Receive limits: a small or a 1 MiB maximum, over-limit frames refused or skipped.
fn receive_config(d: &mut Draw<'_>, format: FrameFormat) -> FrameFormat {
    let max = match d.byte() % 3 {
        0 => d.below(400) as u64,
        _ => 1 << 20,
    };
    let oversize = if d.byte() & 1 == 0 {
        Oversize::Reject
    } else {
        Oversize::Skip
    };
    format.with_max_frame_len(max).with_oversize(oversize)
}

/// The head of the frame with this index.
fn head(format: FrameFormat, index: usize) -> Vec<u8> {
    (0..format.head_len())
        .map(|i| (index * 13 + i) as u8)
        .collect()
}

/// The frames a reader hands out (skipped ones are not), in order.
fn whole_frames(expect: &Outcome) -> Vec<(&[u8], &[u8])> {
    expect
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Frame { head, payload } => Some((&head[..], &payload[..])),
            _ => None,
        })
        .collect()
}

/// A payload length: mostly small, sometimes far larger than any buffer, now and then larger
/// than a socket buffer (the writer sends such a frame's prefix on its own).
fn payload_len(d: &mut Draw<'_>) -> usize {
    match d.byte() {
        0..=239 => d.below(300),
        255 => (512 << 10) + d.below(70_000),
        b => usize::from(b - 239) * 9_000 + d.below(5000),
    }
}

fn payload(index: usize, len: usize) -> Vec<u8> {
    (0..len).map(|i| (index * 31 + i * 7) as u8).collect()
}

/// Runs every adapter scenario the input describes.
pub fn run(data: &[u8]) {
    let mut d = Draw::new(data);
    match d.byte() % 4 {
        0 | 1 => length_frames(&mut d),
        2 => json_frames(&mut d),
        _ => codec(&mut d),
    }
}

/// `FrameWriter` (plain or coalescing; `write_frame`, `write_frames`, `flush`, drop), then
/// `FrameReader` over what it wrote, possibly cut short or followed by garbage.
fn length_frames(d: &mut Draw<'_>) {
    let shape = format(d);
    let send_limit = match d.byte() % 4 {
        0 => d.below(500) as u64,
        _ => u64::MAX,
    };
    let send = shape.with_max_frame_len(send_limit);
    let encoder = LengthEncoder::new(send);
    let capacity = match d.byte() % 3 {
        0 => 0,
        1 => d.below(64),
        _ => d.below(70_000),
    };
    let calm = Rc::new(Cell::new(false));
    let shared_wire = Rc::new(RefCell::new(Vec::new()));
    let transport = ScriptedWriter {
        script: Script::draw(d, false),
        wire: shared_wire.clone(),
        calm: calm.clone(),
    };
    let mut writer = FrameWriter::with_capacity(transport, send, capacity);
    let mut accepted: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut attempts = 0;
    let ops = d.below(24);
    for op in 0..ops {
        match d.byte() % 8 {
            0..=3 => {
                let len = payload_len(d);
                let p = payload(op, len);
                let h = head(send, op);
                let wire_before = shared_wire.borrow().len();
                let pending_before = writer.pending();
                // Without a head, `write_frame` too: it has its own path for plain formats.
                let headless = h.is_empty() && d.byte().is_multiple_of(2);
                loop {
                    attempts += 1;
                    assert!(attempts < MAX_ATTEMPTS, "write_frame makes no progress");
                    let result = if headless {
                        writer.write_frame(&p)
                    } else {
                        writer.write_frame_with_head(&h, &p)
                    };
                    match result {
                        Ok(()) => {
                            assert!(sendable(send, p.len()));
                            accepted.push((h.clone(), p.clone()));
                            break;
                        }
                        Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                            assert!(!sendable(send, p.len()));
                            assert_eq!(shared_wire.borrow().len(), wire_before);
                            assert_eq!(writer.pending(), pending_before);
                            break;
                        }
                        // Not accepted: offer it again (a real caller would wait for
                        // writability after WouldBlock).
                        Err(_) => {}
                    }
                }
                assert!(writer.pending() <= capacity.max(pending_before) + 26 + len);
            }
            4..=6 => {
                let n = d.below(8);
                let batch: Vec<(Vec<u8>, Vec<u8>)> = (0..n)
                    .map(|i| (head(send, op * 8 + i), payload(op * 8 + i, payload_len(d))))
                    .collect();
                let mut rest: Vec<(&[u8], &[u8])> =
                    batch.iter().map(|(h, p)| (&h[..], &p[..])).collect();
                let largest = rest.iter().map(|(_, p)| p.len()).max().unwrap_or(0);
                let pending_before = writer.pending();
                while !rest.is_empty() {
                    attempts += 1;
                    assert!(attempts < MAX_ATTEMPTS, "write_frames makes no progress");
                    let wire_before = shared_wire.borrow().len();
                    let pending = writer.pending();
                    // Without a head, the plain batch call; with one, the call with heads.
                    let sent = if send.head_len() == 0 {
                        let payloads: Vec<&[u8]> = rest.iter().map(|(_, p)| *p).collect();
                        writer.write_frames(&payloads)
                    } else {
                        writer.write_frames_with_heads(&rest)
                    };
                    match sent {
                        Ok(n) => {
                            assert!(n >= 1 && n <= rest.len(), "{n} of {}", rest.len());
                            accepted.extend(rest.drain(..n).map(|(h, p)| (h.to_vec(), p.to_vec())));
                        }
                        Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                            // Nothing of the batch is written; drop the refused payloads.
                            assert_eq!(shared_wire.borrow().len(), wire_before);
                            assert_eq!(writer.pending(), pending);
                            assert!(rest.iter().any(|(_, p)| !sendable(send, p.len())));
                            rest.retain(|(_, p)| sendable(send, p.len()));
                        }
                        Err(_) => {}
                    }
                }
                assert!(writer.pending() <= capacity.max(pending_before) + 26 + largest);
            }
            _ => {
                attempts += 1;
                let _ = writer.flush();
            }
        }
    }
    // The end: flush until done, or drop (which writes what is kept once the writer is calm).
    if d.byte() & 1 == 0 {
        loop {
            attempts += 1;
            assert!(attempts < MAX_ATTEMPTS, "flush makes no progress");
            if writer.flush().is_ok() {
                break;
            }
        }
        assert!(!writer.has_pending());
    } else {
        calm.set(true);
        if capacity > send.head_len() + send.length().max_len() {
            let (h, p) = (head(send, 999), payload(999, 1));
            if writer.write_frame_with_head(&h, &p).is_ok() {
                accepted.push((h, p));
            }
        }
        drop(writer);
    }
    let wire = shared_wire.take();
    let mut expected = Vec::new();
    for (h, p) in &accepted {
        expected.extend_from_slice(&encoder.prefix_with_head(h, p.len()).unwrap());
        expected.extend_from_slice(p);
    }
    assert!(
        wire == expected,
        "the wire is not the accepted frames, each once"
    );

    // Read it back, maybe cut short or with garbage after it.
    let mut stream = wire;
    match d.byte() % 4 {
        0 => stream.truncate(d.below(stream.len() + 1)),
        1 => {
            let n = d.below(16);
            stream.extend_from_slice(d.bytes(n));
        }
        _ => {}
    }
    let config = receive_config(d, shape);
    let expect = reference(config, usize::MAX, &stream);
    let buffer_len = 1 + d.below(70_000);
    let transport = ScriptedReader {
        script: Script::draw(d, true),
        data: stream,
        at: 0,
    };
    let mut reader = FrameReader::with_buffer_len(transport, config, buffer_len);
    let frames = whole_frames(&expect);
    // One frame per call, or every frame a read holds per call.
    let batch = d.byte() & 1 == 0;
    let mut got = 0;
    let mut attempts = 0;
    loop {
        attempts += 1;
        assert!(attempts < MAX_ATTEMPTS, "read_frame makes no progress");
        let before = got;
        let mut check = |frame: Frame<'_>| {
            assert!(got < frames.len(), "a frame that was never sent");
            assert!(
                (frame.head, frame.payload) == frames[got],
                "frame {got} differs"
            );
            got += 1;
        };
        let outcome = if batch {
            reader.read_frames(&mut check).map(|handed| {
                if let Some(n) = handed {
                    assert!(
                        n >= 1 && before + n == got,
                        "read_frames counts what it handed out"
                    );
                }
                handed.is_some()
            })
        } else {
            reader.read_frame().map(|frame| frame.map(check).is_some())
        };
        match outcome {
            Ok(true) => {}
            // A clean end: early only if the script ended the stream early.
            Ok(false) => {
                let t = reader.inner();
                assert!(got == frames.len() || t.at < t.data.len());
                break;
            }
            Err(e) => match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {}
                io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => {
                    if e.kind() == io::ErrorKind::InvalidData {
                        // Only the reference's own refusal, after every frame before it.
                        assert_eq!(got, frames.len());
                        let want = expect.end.expect_err("the reference refuses too");
                        assert_eq!(e.to_string(), want.to_string());
                    } else if reader.inner().at == reader.inner().data.len() {
                        // All bytes were read: the stream itself is cut short.
                        assert_eq!(got, frames.len());
                        let want = expect.end.expect_err("the reference sees the cut too");
                        assert_eq!(e.to_string(), want.to_string());
                    }
                    let calls = reader.inner().script.calls;
                    for _ in 0..2 {
                        let again = reader.read_frame().map(|_| ()).unwrap_err();
                        assert_eq!(again.to_string(), e.to_string(), "the error repeats");
                    }
                    assert_eq!(reader.inner().script.calls, calls, "no read after failing");
                    break;
                }
                other => panic!("unexpected error kind {other:?}: {e}"),
            },
        }
    }
}

/// `JsonFrameWriter` (blocking by its docs: it stops at the first error and the frame on the
/// wire is then incomplete), then `JsonFrameReader` over the wire with reads of every size.
fn json_frames(d: &mut Draw<'_>) {
    let config = json::Config::new().with_length(LengthField::I32_LE);
    let shared_wire = Rc::new(RefCell::new(Vec::new()));
    let transport = ScriptedWriter {
        script: Script::draw(d, false),
        wire: shared_wire.clone(),
        calm: Rc::new(Cell::new(false)),
    };
    let mut writer = JsonFrameWriter::new(transport, config);
    let mut sent: Vec<Vec<u8>> = Vec::new();
    let mut complete_until = 0usize;
    let mut failed = false;
    for i in 0..d.below(6) {
        let body = payload(i, payload_len(d));
        let header =
            serde_json::json!({"filename": format!("{i}😀.bin"), "total_size": body.len()});
        match writer.send(&header, &body[..]) {
            Ok(n) => {
                assert_eq!(n, body.len() as u64);
                sent.push(body);
                complete_until = shared_wire.borrow().len();
            }
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    drop(writer);
    let wire = shared_wire.take();
    // Complete frames, then (after an error) at most a prefix of the failed one.
    let mut expected = Vec::new();
    {
        let mut w = JsonFrameWriter::new(&mut expected, config);
        for (i, body) in sent.iter().enumerate() {
            let header =
                serde_json::json!({"filename": format!("{i}😀.bin"), "total_size": body.len()});
            w.send(&header, &body[..]).unwrap();
        }
    }
    assert!(
        wire[..complete_until] == expected[..],
        "complete frames, each once"
    );
    assert!(failed || wire.len() == complete_until);

    let transport = ScriptedReader {
        script: Script::draw(d, true),
        data: wire,
        at: 0,
    };
    let mut reader = JsonFrameReader::with_buffer_len(transport, config, 1 + d.below(5000));
    let mut got = 0;
    let mut attempts = 0;
    'frames: loop {
        attempts += 1;
        assert!(attempts < MAX_ATTEMPTS, "next_frame makes no progress");
        let mut frame = match reader.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(e) => {
                assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
                let again = reader.next_frame().map(|_| ()).unwrap_err();
                assert_eq!(again.to_string(), e.to_string());
                break;
            }
        };
        let header: serde_json::Value = frame.header().expect("a header we wrote");
        assert_eq!(header["filename"], format!("{got}😀.bin"));
        let read_whole = !d.byte().is_multiple_of(4);
        let mut body = Vec::new();
        let mut buf = vec![0u8; 1 + d.below(9000)];
        if read_whole {
            loop {
                match frame.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => body.extend_from_slice(&buf[..n]),
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                        ) =>
                    {
                        // Only refusals count: every read that gives bytes is progress.
                        attempts += 1;
                        assert!(attempts < MAX_ATTEMPTS, "body read makes no progress");
                    }
                    Err(e) => {
                        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
                        let again = frame.read(&mut buf).unwrap_err();
                        assert_eq!(again.to_string(), e.to_string());
                        assert!(sent.get(got).is_none_or(|b| b.starts_with(&body)));
                        break 'frames;
                    }
                }
            }
        }
        if read_whole {
            assert!(got < sent.len(), "a frame that was never completed");
            assert!(body == sent[got], "body {got} differs");
        }
        got += 1;
    }
    assert!(got <= sent.len() + 1);
}

/// `LengthCodec` against the blocking writer's encoding, fed in chunks the script decides, with
/// `decode_eof` at the end.
fn codec(d: &mut Draw<'_>) {
    let shape = format(d);
    let config = receive_config(d, shape);
    let encoder = LengthEncoder::new(config);
    let mut codec = LengthCodec::new(config);
    let mut stream = BytesMut::new();
    for i in 0..d.below(12) {
        let (h, p) = (head(config, i), payload(i, payload_len(d)));
        let mut plain = Vec::new();
        let written = unstick_std::write_frame_with_head(&mut plain, &encoder, &h, &p);
        let before = stream.len();
        // The codec's item is the head, then the payload.
        let item = [&h[..], &p[..]].concat();
        match codec.encode(&item[..], &mut stream) {
            Ok(()) => assert_eq!(stream[before..], plain[..]),
            Err(e) => {
                assert!(written.is_err());
                assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
                assert_eq!(stream.len(), before);
            }
        }
    }
    if d.byte() & 1 == 1 {
        let cut = d.below(stream.len() + 1);
        stream.truncate(cut);
    }
    let expect = reference(config, usize::MAX, &stream);
    let frames = whole_frames(&expect);
    let mut script = Script::draw(d, false);
    let mut src = BytesMut::new();
    let mut fed = 0;
    let mut got = 0;
    let mut attempts = 0;
    let failure = loop {
        attempts += 1;
        assert!(attempts < MAX_ATTEMPTS, "the codec makes no progress");
        let at_eof = fed == stream.len();
        let result = if at_eof {
            codec.decode_eof(&mut src)
        } else {
            if let Step::Give(n) = script.next() {
                let n = n.min(stream.len() - fed);
                src.extend_from_slice(&stream[fed..fed + n]);
                fed += n;
            }
            codec.decode(&mut src)
        };
        match result {
            Ok(Some(frame)) => {
                assert!(
                    got < frames.len() && frame[..] == [frames[got].0, frames[got].1].concat(),
                    "frame {got}"
                );
                got += 1;
            }
            Ok(None) if at_eof => break None,
            Ok(None) => {}
            Err(e) => break Some(e),
        }
    };
    assert_eq!(got, frames.len());
    match (failure, expect.end) {
        (None, Ok(())) => {}
        (Some(e), Err(want)) => {
            assert_eq!(e.to_string(), want.to_string());
            let again = codec.decode_eof(&mut src).unwrap_err();
            assert_eq!(again.to_string(), e.to_string(), "the error repeats");
        }
        (ours, theirs) => panic!("codec ended {ours:?}, the reference {theirs:?}"),
    }
}
