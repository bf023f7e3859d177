//! Bugs found once, kept as plain tests with their exact inputs.

use unstick::{Event, FrameFormat, LengthDecoder};

/// Found by the `buffer_kinds_agree` property test: `commit` re-derived the read region with
/// `spare()`, which for `Vec` and `heapless::Vec` buffers truncated and zero-filled it, wiping
/// the bytes just read: a 1-byte frame `[1]` came out as `[0]`.
#[test]
fn commit_keeps_bytes_read_into_growable_buffers() {
    fn check<B: unstick::FrameBuffer>(mut decoder: LengthDecoder<B>) {
        let stream = [0u8, 0, 0, 1, 1];
        let mut frame = None;
        for byte in stream {
            let spare = decoder.spare();
            spare[0] = byte;
            if let Some(Event::Frame(f)) = decoder.commit(1).unwrap().event {
                frame = Some(f.payload.to_vec());
            }
        }
        assert_eq!(frame.as_deref(), Some(&[1u8][..]));
    }
    let config = FrameFormat::new().with_max_frame_len(256);
    check(LengthDecoder::new(config, Vec::new()).unwrap());
    check(LengthDecoder::new(config, heapless::Vec::<u8, 256>::new()).unwrap());
    check(LengthDecoder::new(config, [0u8; 256]).unwrap());
}

/// Review defect: on a `Vec` buffer, a header committed through `spare()`, then `commit(5)`
/// without a `spare()` call, emitted `Frame([])` for an announced 5-byte frame. Committing
/// past the spare region is now a typed error that changes nothing, for every buffer kind, and
/// a frame always has its announced length.
#[test]
fn commit_without_spare_never_yields_a_short_frame() {
    use unstick::DecodeError;
    fn check<B: unstick::FrameBuffer>(mut decoder: LengthDecoder<B>, growable: bool) {
        decoder.spare()[..4].copy_from_slice(&[0, 0, 0, 5]);
        assert_eq!(decoder.commit(4).unwrap().event, None);
        if growable {
            // Nothing was grown for the payload: the buffer holds only the 4 bytes the length
            // field was read into, so 5 cannot have arrived there.
            assert_eq!(
                decoder.commit(5),
                Err(DecodeError::CommitPastSpare {
                    frame: 0,
                    offset: 0,
                    committed: 5,
                    spare: 4
                })
            );
            assert!(!decoder.is_failed());
        }
        // More than the spare region is refused for every kind.
        let spare = decoder.spare().len();
        assert_eq!(spare, 5);
        assert!(matches!(
            decoder.commit(6),
            Err(DecodeError::CommitPastSpare {
                committed: 6,
                spare: 5,
                ..
            })
        ));
        decoder.spare().copy_from_slice(b"hello");
        match decoder.commit(5).unwrap().event {
            Some(Event::Frame(f)) => assert_eq!((f.head, f.payload), (&[][..], &b"hello"[..])),
            other => panic!("{other:?}"),
        }
        decoder.finish().unwrap();
    }
    let config = FrameFormat::new().with_max_frame_len(64);
    check(LengthDecoder::new(config, Vec::new()).unwrap(), true);
    check(
        LengthDecoder::new(config, heapless::Vec::<u8, 64>::new()).unwrap(),
        true,
    );
    check(LengthDecoder::new(config, [0u8; 64]).unwrap(), false);
    let mut slice = [0u8; 64];
    check(LengthDecoder::new(config, &mut slice[..]).unwrap(), false);

    // Streaming (a small heapless buffer; a Vec holds any frame): a piece is never empty and
    // never longer than what spare() grew.
    let mut decoder = LengthDecoder::new(
        FrameFormat::new()
            .with_max_frame_len(100)
            .with_streaming(true),
        heapless::Vec::<u8, 8>::new(),
    )
    .unwrap();
    decoder.spare()[..4].copy_from_slice(&[0, 0, 0, 20]);
    assert_eq!(
        decoder.commit(4).unwrap().event,
        Some(Event::StreamStart { head: &[], len: 20 })
    );
    // The buffer holds the 4 bytes the length field was read into, no more.
    assert!(matches!(
        decoder.commit(5),
        Err(DecodeError::CommitPastSpare {
            committed: 5,
            spare: 4,
            ..
        })
    ));
}

/// Review defect: a `FrameReader` whose decoder failed read the transport again, so a
/// `WouldBlock` hid the error (an event loop then waits forever). After a framing error every
/// call returns the same error without touching the transport, whatever the buffer size; the
/// same holds after a truncated end of stream, and for the JSON reader and the eio helpers.
#[test]
fn a_failed_reader_repeats_its_error_without_reading() {
    use std::io::{self, Read};
    use unstick::{LengthEncoder, json};
    use unstick_std::{FrameReader, JsonFrameReader};

    /// Gives `data`, then `WouldBlock` (or end of stream), counting reads after the data.
    struct Then {
        data: Vec<u8>,
        at: usize,
        eof: bool,
        reads_after: usize,
    }
    impl Read for Then {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.at == self.data.len() {
                self.reads_after += 1;
                return if self.eof {
                    Ok(0)
                } else {
                    Err(io::ErrorKind::WouldBlock.into())
                };
            }
            let n = out.len().min(self.data.len() - self.at);
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }
    let then = |data: &[u8], eof| Then {
        data: data.to_vec(),
        at: 0,
        eof,
        reads_after: 0,
    };

    for buffer_len in [1, 2, 3, 4, 5, 64 * 1024] {
        // Over the limit (the reviewer's case), then WouldBlock.
        let mut r = FrameReader::with_buffer_len(
            then(&[0, 0, 1, 0], false),
            FrameFormat::new().with_max_frame_len(16),
            buffer_len,
        );
        let first = r.read_frame().unwrap_err();
        assert_eq!(first.kind(), io::ErrorKind::InvalidData, "{buffer_len}");
        for _ in 0..3 {
            let again = r.read_frame().unwrap_err();
            assert_eq!(again.kind(), io::ErrorKind::InvalidData);
            assert_eq!(again.to_string(), first.to_string());
        }
        assert_eq!(r.inner().reads_after, 0, "buffer {buffer_len}");

        // A stream that ends inside a frame: the truncation repeats, the transport is not read.
        let mut wire = Vec::new();
        unstick_std::write_frame(&mut wire, &LengthEncoder::default(), b"whole").unwrap();
        wire.extend_from_slice(&[0, 0, 0, 9, b'x']);
        let mut r = FrameReader::with_buffer_len(then(&wire, true), FrameFormat::new(), buffer_len);
        assert_eq!(
            r.read_frame().unwrap().map(|f| f.payload),
            Some(&b"whole"[..])
        );
        let first = r.read_frame().unwrap_err();
        assert_eq!(first.kind(), io::ErrorKind::UnexpectedEof);
        let reads = r.inner().reads_after;
        let again = r.read_frame().unwrap_err();
        assert_eq!(again.to_string(), first.to_string());
        assert_eq!(r.inner().reads_after, reads);

        // The JSON reader: a refused header, then WouldBlock.
        let header = br#"{"total_size": -1}"#;
        let mut wire = (header.len() as u32).to_be_bytes().to_vec();
        wire.extend_from_slice(header);
        let mut r =
            JsonFrameReader::with_buffer_len(then(&wire, false), json::Config::new(), buffer_len);
        let first = r.next_frame().map(|_| ()).unwrap_err();
        assert_eq!(first.kind(), io::ErrorKind::InvalidData);
        let again = r.next_frame().map(|_| ()).unwrap_err();
        assert_eq!(again.to_string(), first.to_string());
        assert_eq!(r.inner().reads_after, 0);

        // The JSON reader: a body cut short; the body read and next_frame repeat it.
        let header = br#"{"total_size": 10}"#;
        let mut wire = (header.len() as u32).to_be_bytes().to_vec();
        wire.extend_from_slice(header);
        wire.extend_from_slice(b"abc");
        let mut r =
            JsonFrameReader::with_buffer_len(then(&wire, true), json::Config::new(), buffer_len);
        let mut frame = r.next_frame().unwrap().unwrap();
        let mut body = Vec::new();
        let first = frame.read_to_end(&mut body).unwrap_err();
        assert_eq!(first.kind(), io::ErrorKind::UnexpectedEof);
        let again = frame.read(&mut [0u8; 8]).unwrap_err();
        assert_eq!(again.to_string(), first.to_string());
        let reads = r.inner().reads_after;
        let again = r.next_frame().map(|_| ()).unwrap_err();
        assert_eq!(again.to_string(), first.to_string());
        assert_eq!(r.inner().reads_after, reads);
    }
}

/// The eio helpers: a truncated end of stream fails the decoder, so the next call repeats the
/// error instead of reading the transport again.
#[test]
fn eio_repeats_a_truncation_without_reading() {
    use unstick::eio::{self, ReadError};
    struct Counting<'a> {
        data: &'a [u8],
        reads: usize,
    }
    impl embedded_io::ErrorType for Counting<'_> {
        type Error = core::convert::Infallible;
    }
    impl embedded_io::Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
            self.reads += 1;
            let n = buf.len().min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }
    let mut reader = Counting {
        data: &[0, 0, 0, 9, 1, 2],
        reads: 0,
    };
    let mut decoder =
        LengthDecoder::new(FrameFormat::new().with_max_frame_len(16), [0u8; 16]).unwrap();
    let first = eio::read_frame(&mut reader, &mut decoder).unwrap_err();
    assert!(matches!(
        first,
        ReadError::Decode(unstick::DecodeError::TruncatedFrame { missing: 7, .. })
    ));
    let reads = reader.reads;
    let again = eio::read_frame(&mut reader, &mut decoder).unwrap_err();
    assert_eq!(again, first);
    assert_eq!(reader.reads, reads);
    assert!(decoder.is_failed());
}

/// Review defect: `write_frames` on a coalescing writer returned `WouldBlock` after frame A was
/// already accepted into its buffer; the caller retried the batch and the wire carried A, A, B.
/// Now it returns how many frames it accepted, and a retry of the rest puts each frame on the
/// wire exactly once, for every capacity and every place the writer may block.
#[test]
fn a_retried_batch_never_duplicates_a_frame() {
    use std::io::{self, Write};
    use unstick::LengthEncoder;
    use unstick_std::FrameWriter;

    /// Accepts at most `step` bytes per call and blocks on every call whose index is in `block`.
    struct Blocky {
        out: Vec<u8>,
        step: usize,
        calls: usize,
        block: fn(usize) -> bool,
    }
    impl Write for Blocky {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.calls += 1;
            if (self.block)(self.calls) {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(self.step);
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    let batch: [&[u8]; 4] = [
        b"AAAAAAAAAA",
        b"BBBBBBBBBB",
        b"",
        b"CCCCCCCCCCCCCCCCCCCCCCCCCCCCCC",
    ];
    let mut expected = Vec::new();
    for p in batch {
        unstick_std::write_frame(&mut expected, &LengthEncoder::default(), p).unwrap();
    }
    let blocks: [fn(usize) -> bool; 4] = [|c| c == 1, |c| c % 2 == 1, |c| c % 3 != 0, |c| c < 5];
    for capacity in [0, 1, 14, 16, 28, 100] {
        for step in [1, 3, 7, 1000] {
            for block in blocks {
                let w = Blocky {
                    out: Vec::new(),
                    step,
                    calls: 0,
                    block,
                };
                let mut w = FrameWriter::with_capacity(w, FrameFormat::new(), capacity);
                let mut rest = &batch[..];
                let mut tries = 0;
                while !rest.is_empty() {
                    tries += 1;
                    assert!(tries < 1000, "no progress");
                    match w.write_frames(rest) {
                        Ok(n) => {
                            assert!(n >= 1 && n <= rest.len());
                            rest = &rest[n..];
                        }
                        Err(e) => assert_eq!(e.kind(), io::ErrorKind::WouldBlock),
                    }
                }
                while let Err(e) = w.flush() {
                    assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
                    tries += 1;
                    assert!(tries < 2000, "flush makes no progress");
                }
                let (inner, owed) = w.into_parts();
                assert!(owed.is_empty());
                assert_eq!(inner.out, expected, "capacity {capacity} step {step}");
            }
        }
    }

    // The reviewer's exact case: capacity 16, the writer blocks at once.
    let w = Blocky {
        out: Vec::new(),
        step: 1000,
        calls: 0,
        block: |c| c == 1,
    };
    let mut w = FrameWriter::with_capacity(w, FrameFormat::new(), 16);
    let batch: [&[u8]; 2] = [b"AAAAAAAAAA", b"BBBBBBBBBB"];
    assert_eq!(w.write_frames(&batch).unwrap(), 1);
    assert_eq!(w.write_frames(&batch[1..]).unwrap(), 1);
    w.flush().unwrap();
    let mut expected = Vec::new();
    for p in batch {
        unstick_std::write_frame(&mut expected, &LengthEncoder::default(), p).unwrap();
    }
    assert_eq!(w.into_parts().0.out, expected);
}

/// Dropping a coalescing writer writes the frames it accepted (as `BufWriter` does).
#[test]
fn dropping_a_frame_writer_writes_what_it_accepted() {
    use unstick_std::FrameWriter;
    let mut wire = Vec::new();
    {
        let mut w = FrameWriter::with_capacity(&mut wire, FrameFormat::new(), 64);
        w.write_frame(b"kept").unwrap();
    }
    assert_eq!(wire, b"\0\0\0\x04kept");
}

/// Review defect: with no head, a decode call on an empty input at a frame boundary left the
/// decoder inside an empty length field, so `decode_whole` no longer recognised the boundary
/// and copied a partial frame into its buffer. `LengthCodec::decode_eof` makes that call, so a
/// codec polled again after end of stream consumed less than the frame it then returned.
#[test]
fn an_empty_input_keeps_the_frame_boundary() {
    use unstick::{Decoded, FrameFormat};
    for format in [FrameFormat::new(), FrameFormat::GRPC] {
        let h = format.head_len();
        let mut buf = vec![0u8; h + 64];
        let mut decoder = LengthDecoder::new(format.with_max_frame_len(64), &mut buf[..]).unwrap();
        assert_eq!(
            decoder.decode(&[]).unwrap(),
            Decoded {
                consumed: 0,
                event: None
            }
        );
        decoder.decode_all(&[], |_| panic!("no event")).unwrap();
        assert!(decoder.is_idle());
        // A partial frame is left for the caller to offer again, never taken.
        let mut wire = vec![7u8; h];
        wire.extend_from_slice(b"\0\0\0\x05hel");
        assert_eq!(decoder.decode_whole(&wire).unwrap().consumed, 0);
        wire.extend_from_slice(b"lo");
        let step = decoder.decode_whole(&wire).unwrap();
        assert_eq!(step.consumed, wire.len());
        match step.event {
            Some(Event::Frame(f)) => assert_eq!((f.head.len(), f.payload), (h, &b"hello"[..])),
            other => panic!("{other:?}"),
        }
    }
}

/// Review defect: a positive adjustment on a field as wide as u64 (LEB128, u64) made the
/// largest payload look like 0, so a decoder without streaming accepted a buffer smaller than
/// its limit and then streamed.
#[test]
fn a_positive_adjustment_on_a_wide_field_still_needs_the_buffer() {
    use unstick::{ConfigError, FrameFormat, LengthField};
    for length in [LengthField::Leb128, LengthField::U64_BE] {
        let format = FrameFormat::new()
            .with_length(length)
            .with_adjustment(1)
            .with_max_frame_len(1000);
        assert_eq!(
            LengthDecoder::new(format, [0u8; 4]).err(),
            Some(ConfigError::BufferTooSmall {
                capacity: 4,
                head_len: 0,
                max_frame_len: 1000
            })
        );
    }
}

/// Review defect: past 2^56 - 1 bytes `decode` refused a frame that `decode_whole` waited for
/// forever and the encoder wrote; all three now agree on `MAX_PAYLOAD_LEN`.
#[test]
fn frames_past_the_largest_payload_are_refused_everywhere() {
    use unstick::{
        DecodeError, EncodeError, FrameFormat, LengthEncoder, LengthField, MAX_PAYLOAD_LEN,
    };
    let format = FrameFormat::new()
        .with_length(LengthField::U64_BE)
        .with_max_frame_len(u64::MAX);
    let wire = (MAX_PAYLOAD_LEN + 1).to_be_bytes();
    let too_large = DecodeError::FrameTooLarge {
        frame: 0,
        offset: 0,
        len: MAX_PAYLOAD_LEN + 1,
        max: MAX_PAYLOAD_LEN,
    };
    let mut decoder = LengthDecoder::new(format, Vec::new()).unwrap();
    assert_eq!(decoder.decode_whole(&wire).err(), Some(too_large));
    let mut decoder = LengthDecoder::new(format, Vec::new()).unwrap();
    assert_eq!(decoder.decode(&wire).err(), Some(too_large));
    if let Ok(len) = usize::try_from(MAX_PAYLOAD_LEN + 1) {
        assert_eq!(
            LengthEncoder::new(format).prefix(len),
            Err(EncodeError::FrameTooLarge {
                len: MAX_PAYLOAD_LEN + 1,
                max: MAX_PAYLOAD_LEN
            })
        );
    }
}
