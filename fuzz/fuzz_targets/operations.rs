//! Any sequence of the decoder's operations, in any order, on any buffer kind, against the
//! whole-buffer reference: `decode` loops, `decode_all`, `decode_until` in batches, reads
//! through `spare`/`commit` (including commits past the region and `commit(0)`), `finish`,
//! `end_stream` and `reset`. After every operation the events so far, the counters,
//! `missing`, `is_idle`, `is_failed` and `finish` match the reference for the bytes fed since
//! the last reset. Limits come from {small, the buffer's capacity - 1, + 0, + 1, the length
//! field's largest value, u64::MAX}.
#![no_main]

use std::ops::ControlFlow;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use unstick::{DecodeError, FrameBuffer, FrameFormat, LengthDecoder};
use unstick_fuzz::FuzzConfig;
use unstick_tests::{Collector, progress, reference, reference_progress};

#[derive(Debug, Arbitrary)]
enum Op {
    /// A `decode` loop over the next bytes.
    Decode(u16),
    /// `decode_all` over the next bytes.
    DecodeAll(u16),
    /// `decode_until` over the next bytes, stopping every `batch` events.
    DecodeUntil(u16, u8),
    /// Up to this many bytes read into `spare`, then committed.
    Read(u16),
    /// A commit of more than `spare` offers (by 1 + this).
    OverCommit(u8),
    /// `commit(0)`.
    CommitNothing,
    Finish,
    EndStream,
    Reset,
}

#[derive(Debug, Arbitrary)]
struct Input {
    config: FuzzConfig,
    buffer: u8,
    limit: u8,
    ops: Vec<Op>,
    bytes: Vec<u8>,
}

/// The decoder and what the reference says about it.
struct Run<'s, B: FrameBuffer> {
    decoder: LengthDecoder<B>,
    stream: &'s [u8],
    capacity: usize,
    /// Where the stream starts since the last reset, and how far it has been fed.
    base: usize,
    pos: usize,
    events: Collector,
    /// The error the decoder failed with, once it has.
    failed: Option<DecodeError>,
}

impl<'s, B: FrameBuffer> Run<'s, B> {
    /// The next `n` bytes of the stream (fewer at its end).
    fn next(&self, n: u16) -> &'s [u8] {
        let stream: &'s [u8] = self.stream;
        let end = stream.len().min(self.pos + usize::from(n));
        &stream[self.pos..end]
    }

    fn apply(&mut self, op: &Op) {
        // Bytes handed to a failed decoder are not part of its stream.
        let (frozen, pos) = (self.failed.is_some(), self.pos);
        self.step(op);
        if frozen {
            self.pos = pos;
        }
    }

    fn step(&mut self, op: &Op) {
        match *op {
            Op::Decode(n) => {
                let chunk = self.next(n);
                let mut input = chunk;
                self.pos += chunk.len();
                for _ in 0..=chunk.len() * 2 + 4 {
                    match self.decoder.decode(input) {
                        Ok(step) => {
                            input = &input[step.consumed..];
                            match step.event {
                                Some(event) => self.events.take(event),
                                None => break,
                            }
                        }
                        Err(e) => return self.fail(e),
                    }
                }
                assert!(input.is_empty(), "a decode loop that did not end");
            }
            Op::DecodeAll(n) => {
                let chunk = self.next(n);
                self.pos += chunk.len();
                let events = &mut self.events;
                if let Err(e) = self.decoder.decode_all(chunk, |event| events.take(event)) {
                    self.fail(e);
                }
            }
            Op::DecodeUntil(n, batch) => {
                let batch = usize::from(batch % 4) + 1;
                let mut input = self.next(n);
                self.pos += input.len();
                for _ in 0..=input.len() * 2 + 4 {
                    let mut taken = 0;
                    let events = &mut self.events;
                    let result = self.decoder.decode_until(input, |event, _| {
                        events.take(event);
                        taken += 1;
                        if taken == batch {
                            ControlFlow::Break(())
                        } else {
                            ControlFlow::Continue(())
                        }
                    });
                    match result {
                        Ok(used) => input = &input[used..],
                        Err(e) => return self.fail(e),
                    }
                    if taken < batch {
                        break;
                    }
                }
                assert!(input.is_empty(), "decode_until stopped without progress");
            }
            Op::Read(n) => {
                let rest = &self.stream[self.pos..];
                let spare = self.decoder.spare();
                let k = spare.len().min(usize::from(n)).min(rest.len());
                spare[..k].copy_from_slice(&rest[..k]);
                self.pos += k;
                match self.decoder.commit(k) {
                    Ok(step) => {
                        assert_eq!(step.consumed, k);
                        if let Some(event) = step.event {
                            self.events.take(event);
                        }
                    }
                    Err(e) => self.fail(e),
                }
            }
            Op::OverCommit(extra) => {
                let offered = self.decoder.spare().len();
                let before = progress(&self.decoder);
                let result = self.decoder.commit(offered + 1 + usize::from(extra));
                match self.failed {
                    // A failed decoder answers with its error.
                    Some(e) => assert_eq!(result.err(), Some(e)),
                    None => {
                        assert!(
                            matches!(result, Err(DecodeError::CommitPastSpare { .. })),
                            "over-commit gave {result:?}"
                        );
                        assert_eq!(progress(&self.decoder), before, "over-commit changed state");
                    }
                }
            }
            Op::CommitNothing => match self.decoder.commit(0) {
                Ok(step) => {
                    assert_eq!(step.consumed, 0);
                    if let Some(event) = step.event {
                        self.events.take(event);
                    }
                }
                Err(e) => self.fail(e),
            },
            Op::Finish => {
                let fed = &self.stream[self.base..self.pos];
                assert_eq!(
                    self.decoder.finish(),
                    reference_progress(self.format(), fed).finish
                );
            }
            Op::EndStream => {
                let fed = &self.stream[self.base..self.pos];
                let want = reference_progress(self.format(), fed).finish;
                let got = self.decoder.end_stream();
                assert_eq!(got, want);
                if let Err(e) = got {
                    // A truncation fails the decoder too: the stream is over.
                    self.failed = Some(e);
                    assert!(self.decoder.is_failed());
                }
            }
            Op::Reset => {
                self.decoder.reset();
                self.base = self.pos;
                self.events = Collector::default();
                self.failed = None;
            }
        }
    }

    fn fail(&mut self, e: DecodeError) {
        if let Some(first) = self.failed {
            assert_eq!(e, first, "a failed decoder changed its error");
        }
        self.failed = Some(e);
    }

    fn format(&self) -> FrameFormat {
        self.decoder.format()
    }

    /// The decoder against the reference for the bytes fed since the last reset.
    fn check(&self) {
        let fed = &self.stream[self.base..self.pos];
        if let Some(e) = self.failed {
            assert!(self.decoder.is_failed());
            // The reference's end: the error, or the truncation `end_stream` made final.
            assert_eq!(reference(self.format(), self.capacity, fed).end, Err(e));
        }
        // Between a streamed frame's last piece and its end event, the frame is complete for
        // the reference but not yet handed out: the decoder lags by design.
        if self.events.end_pending() {
            return;
        }
        let want = reference(self.format(), self.capacity, fed);
        assert_eq!(self.events.items, want.items, "the events so far");
        let mut want = reference_progress(self.format(), fed);
        if self.failed.is_some() {
            // Failed by `end_stream` on a truncation: nothing more is missing.
            (want.failed, want.missing) = (true, 0);
        }
        assert_eq!(progress(&self.decoder), want, "after {} bytes", fed.len());
    }
}

fn drive<B: FrameBuffer>(format: FrameFormat, buffer: B, capacity: usize, input: &Input) {
    let Ok(decoder) = LengthDecoder::new(format, buffer) else {
        return;
    };
    let mut run = Run {
        decoder,
        stream: &input.bytes,
        capacity,
        base: 0,
        pos: 0,
        events: Collector::default(),
        failed: None,
    };
    for op in input.ops.iter().take(256) {
        run.apply(op);
        run.check();
    }
}

fuzz_target!(|input: Input| {
    let (format, cap) = input.config.build();
    let room = (cap - format.head_len()) as u64;
    let limit = match input.limit % 6 {
        0 => format.max_frame_len(),
        1 => room.saturating_sub(1),
        2 => room,
        3 => room + 1,
        4 => format.length().max_value(),
        _ => u64::MAX,
    };
    let format = format.with_max_frame_len(limit);
    match input.buffer % 4 {
        0 => drive(format, vec![0u8; cap].as_mut_slice(), cap, &input),
        1 => drive(format, Vec::new(), usize::MAX, &input),
        // (`build` keeps capacities at most 16 + 4096 + 63 bytes.)
        2 => drive(format, heapless::Vec::<u8, 4200>::new(), 4200, &input),
        _ => drive(format, [0u8; 4200], 4200, &input),
    }
});
