//! The embedded-io helpers over real transports through `embedded-io-adapters` (`FromStd` over
//! TCP, `FromTokio` over tokio TCP) and over in-memory pipes, blocking and async.

use std::net::{TcpListener, TcpStream};

use embedded_io_adapters::std::FromStd;
use embedded_io_adapters::tokio_1::FromTokio;
use unstick::eio::{self, ReadError};
use unstick::{DecodeError, Event, FrameFormat, LengthDecoder, LengthEncoder, Oversize};
use unstick_tests::{Item, Rng, encode_stream};

fn payloads(seed: u64, count: usize, max: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let len = rng.below(max + 1) as usize;
            rng.bytes(len)
        })
        .collect()
}

/// Adds an event to the items read so far (`open`: a streamed frame's head and pieces).
fn add(items: &mut Vec<Item>, open: &mut Option<(Vec<u8>, Vec<u8>)>, event: Event<'_>) {
    match event {
        Event::Frame(f) => items.push(Item::Frame {
            head: f.head.to_vec(),
            payload: f.payload.to_vec(),
        }),
        Event::StreamStart { head, .. } => *open = Some((head.to_vec(), Vec::new())),
        Event::StreamPiece(p) => open.as_mut().unwrap().1.extend_from_slice(p),
        Event::StreamEnd => {
            let (head, payload) = open.take().unwrap();
            items.push(Item::Streamed { head, payload });
        }
        Event::Skipped { len } => items.push(Item::Skipped(len)),
    }
}

/// Collects every event until the end of the stream, as items.
fn collect_events<R: embedded_io::Read>(
    reader: &mut R,
    decoder: &mut LengthDecoder<[u8; 256]>,
) -> Result<Vec<Item>, ReadError<R::Error>> {
    let mut items = Vec::new();
    let mut open = None;
    while let Some(event) = eio::read_event(reader, decoder)? {
        add(&mut items, &mut open, event);
    }
    Ok(items)
}

#[test]
fn blocking_over_tcp_with_from_std() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = payloads(11, 500, 256);
    let to_send = sent.clone();
    let sender = std::thread::spawn(move || {
        let mut w = FromStd::new(TcpStream::connect(addr).unwrap());
        for p in &to_send {
            eio::write_frame(&mut w, &LengthEncoder::default(), p).unwrap();
        }
    });
    let (conn, _) = listener.accept().unwrap();
    let mut r = FromStd::new(conn);
    let mut decoder =
        LengthDecoder::new(FrameFormat::new().with_max_frame_len(256), [0u8; 256]).unwrap();
    let mut got = Vec::new();
    while let Some(frame) = eio::read_frame(&mut r, &mut decoder).unwrap() {
        got.push(frame.payload.to_vec());
    }
    sender.join().unwrap();
    assert!(got == sent);
}

#[test]
fn blocking_in_memory_streaming_skipping_and_truncation() {
    // Frames up to 2 KiB through a 256-byte buffer: the long ones stream; over 1 KiB are skipped.
    let sent = payloads(12, 200, 2048);
    let stream = encode_stream(FrameFormat::new(), &sent);
    let config = FrameFormat::new()
        .with_max_frame_len(1024)
        .with_streaming(true)
        .with_oversize(Oversize::Skip);
    let mut decoder = LengthDecoder::new(config, [0u8; 256]).unwrap();
    let mut reader = &stream[..];
    let items = collect_events(&mut reader, &mut decoder).unwrap();
    let expected: Vec<Item> = sent
        .iter()
        .map(|p| match p.len() {
            n if n > 1024 => Item::Skipped(n as u64),
            n if n > 256 => Item::streamed(p.clone()),
            _ => Item::frame(p.clone()),
        })
        .collect();
    assert_eq!(items, expected);

    // read_frame refuses to hand out a streamed frame as a whole one.
    let mut decoder = LengthDecoder::new(config, [0u8; 256]).unwrap();
    let big = encode_stream(FrameFormat::new(), &[vec![1u8; 300]]);
    let mut reader = &big[..];
    assert_eq!(
        eio::read_frame(&mut reader, &mut decoder),
        Err(ReadError::Streamed { len: 300 })
    );

    // A stream cut inside a frame: the framing error, apart from any transport error.
    let mut decoder = LengthDecoder::new(config, [0u8; 256]).unwrap();
    let mut cut = &stream[..stream.len() - 1];
    let err = collect_events(&mut cut, &mut decoder).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::Decode(DecodeError::TruncatedFrame { missing: 1, .. })
        ),
        "{err:?}"
    );
}

#[test]
fn a_transport_error_stays_a_transport_error() {
    struct Broken;
    impl embedded_io::ErrorType for Broken {
        type Error = embedded_io::ErrorKind;
    }
    impl embedded_io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> Result<usize, Self::Error> {
            Err(embedded_io::ErrorKind::ConnectionReset)
        }
    }
    let mut decoder =
        LengthDecoder::new(FrameFormat::new().with_max_frame_len(8), [0u8; 8]).unwrap();
    assert_eq!(
        eio::read_frame(&mut Broken, &mut decoder),
        Err(ReadError::Io(embedded_io::ErrorKind::ConnectionReset))
    );
}

#[tokio::test]
async fn async_over_tokio_tcp_with_from_tokio() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = payloads(13, 500, 200);
    let to_send = sent.clone();
    let sender = tokio::spawn(async move {
        let mut w = FromTokio::new(tokio::net::TcpStream::connect(addr).await.unwrap());
        for p in &to_send {
            eio::write_frame_async(&mut w, &LengthEncoder::default(), p)
                .await
                .unwrap();
        }
    });
    let (conn, _) = listener.accept().await.unwrap();
    let mut r = FromTokio::new(conn);
    let mut decoder =
        LengthDecoder::new(FrameFormat::new().with_max_frame_len(200), [0u8; 200]).unwrap();
    let mut got = Vec::new();
    while let Some(frame) = eio::read_frame_async(&mut r, &mut decoder).await.unwrap() {
        got.push(frame.payload.to_vec());
    }
    sender.await.unwrap();
    assert!(got == sent);
}

/// The async helpers on a minimal executor and an in-memory pipe: no runtime needed.
#[test]
fn async_in_memory_on_a_tiny_executor() {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = pin!(f);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    let sent = payloads(14, 100, 64);
    let mut wire = vec![0u8; 100 * (64 + 4)];
    let total = wire.len();
    let mut out = &mut wire[..];
    block_on(async {
        for p in &sent {
            eio::write_frame_async(&mut out, &LengthEncoder::default(), p)
                .await
                .unwrap();
        }
    });
    let written = total - out.len();
    let mut input = &wire[..written];
    let mut decoder = LengthDecoder::new(
        FrameFormat::new().with_max_frame_len(64),
        heapless::Vec::<u8, 64>::new(),
    )
    .unwrap();
    let got = block_on(async {
        let mut got = Vec::new();
        while let Some(f) = eio::read_frame_async(&mut input, &mut decoder)
            .await
            .unwrap()
        {
            got.push(f.payload.to_vec());
        }
        got
    });
    assert!(got == sent);

    // read_event_async hands out what read_event does: whole, streamed and skipped frames.
    let sent = payloads(15, 60, 600);
    let stream = encode_stream(FrameFormat::new(), &sent);
    let config = FrameFormat::new()
        .with_max_frame_len(400)
        .with_streaming(true)
        .with_oversize(Oversize::Skip);
    let mut decoder = LengthDecoder::new(config, [0u8; 256]).unwrap();
    let blocking = collect_events(&mut &stream[..], &mut decoder).unwrap();
    assert!(blocking.iter().any(|i| matches!(i, Item::Streamed { .. })));
    assert!(blocking.iter().any(|i| matches!(i, Item::Skipped(_))));
    let mut decoder = LengthDecoder::new(config, [0u8; 256]).unwrap();
    let mut input = &stream[..];
    let events = block_on(async {
        let (mut items, mut open) = (Vec::new(), None);
        while let Some(event) = eio::read_event_async(&mut input, &mut decoder)
            .await
            .unwrap()
        {
            add(&mut items, &mut open, event);
        }
        items
    });
    assert_eq!(events, blocking);
}

/// The helpers' errors say what went wrong: the transport's error, or the framing error's own
/// message, or what the caller must do.
#[test]
fn read_and_write_errors_say_what_went_wrong() {
    use embedded_io::ErrorKind;
    use unstick::EncodeError;
    use unstick::eio::WriteError;
    let framing = DecodeError::NonMinimalLength {
        frame: 3,
        offset: 40,
    };
    let read = |e: ReadError<ErrorKind>| e.to_string();
    assert!(read(ReadError::Io(ErrorKind::ConnectionReset)).contains("ConnectionReset"));
    assert_eq!(read(ReadError::Decode(framing)), framing.to_string());
    assert!(read(ReadError::NoBuffer).contains("buffer larger than the head"));
    assert!(read(ReadError::Streamed { len: 300 }).contains("300-byte frame"));
    let refused = EncodeError::FrameTooLarge { len: 9, max: 8 };
    let write = |e: WriteError<ErrorKind>| e.to_string();
    assert!(write(WriteError::Io(ErrorKind::BrokenPipe)).contains("BrokenPipe"));
    assert_eq!(write(WriteError::Encode(refused)), refused.to_string());
}
