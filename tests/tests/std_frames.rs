//! unstick-std length frames over real loopback TCP: blocking, non-blocking (mio) with several
//! clients at once, and misbehaving peers.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use unstick::{FrameFormat, LengthEncoder};
use unstick_std::{DEFAULT_READ_BUFFER_LEN, FrameReader, FrameWriter};
use unstick_tests::Rng;

const MAX: u64 = 1 << 20;

/// A writer that passes on at most a random number of bytes per call: often 1, sometimes a
/// segment, sometimes everything.
struct Chopper<W> {
    inner: W,
    rng: Rng,
}

impl<W: Write> Write for Chopper<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let limit = match self.rng.below(6) {
            0 => 1,
            1 => 7,
            2 => 1460,
            3 => 65_536,
            _ => usize::MAX,
        };
        self.inner.write(&buf[..buf.len().min(limit)])
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn frames(seed: u64, count: usize) -> impl Iterator<Item = Vec<u8>> {
    let mut rng = Rng::new(seed);
    (0..count).map(move |_| {
        let len = rng.frame_len();
        rng.bytes(len)
    })
}

#[test]
fn thousands_of_random_frames_over_blocking_tcp() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = 2000;
    let sender = thread::spawn(move || {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        let chopper = Chopper {
            inner: stream,
            rng: Rng::new(99),
        };
        let mut writer = FrameWriter::new(chopper, FrameFormat::new().with_max_frame_len(MAX));
        let all: Vec<Vec<u8>> = frames(7, count).collect();
        // Singles, and batches through one vectored call.
        for batch in all.chunks(10) {
            if batch.len() == 10 && batch[0].len() % 2 == 0 {
                let refs: Vec<&[u8]> = batch.iter().map(Vec::as_slice).collect();
                assert_eq!(writer.write_frames(&refs).unwrap(), refs.len());
            } else {
                for frame in batch {
                    writer.write_frame(frame).unwrap();
                }
            }
        }
        writer.flush().unwrap();
    });
    let (conn, _) = listener.accept().unwrap();
    let mut reader = FrameReader::new(conn, FrameFormat::new().with_max_frame_len(MAX));
    let mut n = 0;
    for expected in frames(7, count) {
        let got = reader.read_frame().unwrap().expect("a frame").payload;
        assert!(
            got == expected.as_slice(),
            "frame {n} differs ({} vs {} bytes)",
            got.len(),
            expected.len()
        );
        n += 1;
    }
    assert_eq!(reader.read_frame().unwrap(), None);
    assert_eq!(n, count);
    sender.join().unwrap();
}

#[test]
fn peers_that_break_the_protocol_get_the_documented_errors() {
    let config = FrameFormat::new().with_max_frame_len(1000);
    let cases: [(&[u8], io::ErrorKind, &str); 3] = [
        // Half a frame, then close.
        (
            b"\0\0\0\x0ahalf",
            io::ErrorKind::UnexpectedEof,
            "stream ended inside frame 0 (at byte 0): 6 of its 10 payload bytes missing",
        ),
        // A huge announced length.
        (
            b"\xff\xff\xff\xf0",
            io::ErrorKind::InvalidData,
            "frame 0 (at byte 0) announces a 4294967280-byte payload, over the limit of 1000",
        ),
        // Half a header.
        (
            b"\0\0",
            io::ErrorKind::UnexpectedEof,
            "stream ended inside the head or length field of frame 0 (at byte 0): 2 bytes of it received",
        ),
    ];
    for (bytes, kind, message) in cases {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let peer = thread::spawn(move || {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(bytes).unwrap();
            s.shutdown(Shutdown::Write).unwrap();
            // Keep the socket open until the reader has seen the end.
            let _ = s.read(&mut [0u8; 1]);
        });
        let (conn, _) = listener.accept().unwrap();
        let mut reader = FrameReader::new(&conn, config);
        let err = reader.read_frame().unwrap_err();
        assert_eq!((err.kind(), err.to_string().as_str()), (kind, message));
        drop(reader);
        drop(conn);
        peer.join().unwrap();
    }
}

/// One mio thread serves several clients at once, echoing frames; misbehaving clients are
/// dropped with their error while the good ones keep being served.
#[test]
fn mio_event_loop_serves_many_clients_and_drops_bad_ones() {
    use mio::unix::SourceFd;
    use mio::{Events, Interest, Poll, Token};
    use std::os::fd::AsRawFd;

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let good_clients = 4;
    let bad_clients = 3;
    let config = FrameFormat::new().with_max_frame_len(MAX);

    let server = thread::spawn(move || {
        struct Conn {
            reader: FrameReader<TcpStream>,
            writer: FrameWriter<TcpStream>,
        }
        let mut poll = Poll::new().unwrap();
        let mut events = Events::with_capacity(64);
        poll.registry()
            .register(
                &mut SourceFd(&listener.as_raw_fd()),
                Token(0),
                Interest::READABLE,
            )
            .unwrap();
        let mut conns: Vec<Option<Conn>> = Vec::new();
        let mut errors: Vec<io::ErrorKind> = Vec::new();
        let mut finished = 0;
        let mut frames_echoed = 0u64;
        // Bounded: every client finishes within this many wakeups.
        for _ in 0..1_000_000 {
            if finished == good_clients + bad_clients {
                break;
            }
            poll.poll(&mut events, Some(Duration::from_secs(10)))
                .unwrap();
            assert!(!events.is_empty(), "event loop stalled");
            for event in events.iter() {
                if event.token() == Token(0) {
                    while let Ok((stream, _)) = listener.accept() {
                        stream.set_nonblocking(true).unwrap();
                        let token = Token(conns.len() + 1);
                        poll.registry()
                            .register(
                                &mut SourceFd(&stream.as_raw_fd()),
                                token,
                                Interest::READABLE | Interest::WRITABLE,
                            )
                            .unwrap();
                        let clone = stream.try_clone().unwrap();
                        conns.push(Some(Conn {
                            reader: FrameReader::new(stream, config),
                            writer: FrameWriter::new(clone, config),
                        }));
                    }
                    continue;
                }
                let i = event.token().0 - 1;
                let Some(conn) = conns[i].as_mut() else {
                    continue;
                };
                let outcome = (|| -> io::Result<bool> {
                    conn.writer.flush()?;
                    loop {
                        match conn.reader.read_frame() {
                            Ok(Some(frame)) => {
                                let reply = frame.payload.to_ascii_uppercase();
                                conn.writer.write_frame(&reply)?;
                                frames_echoed += 1;
                            }
                            Ok(None) => return Ok(true),
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                            Err(e) => return Err(e),
                        }
                    }
                })();
                match outcome {
                    Ok(false) => {}
                    Ok(true) => {
                        // Clean end: send what is pending, blocking briefly, then close.
                        while conn.writer.has_pending() {
                            match conn.writer.flush() {
                                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                                    thread::sleep(Duration::from_millis(1))
                                }
                                other => other.unwrap(),
                            }
                        }
                        conns[i] = None;
                        finished += 1;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => {
                        errors.push(e.kind());
                        conns[i] = None;
                        finished += 1;
                    }
                }
            }
        }
        errors.sort_by_key(|k| format!("{k:?}"));
        (errors, frames_echoed)
    });

    // Bad clients: half a frame then close, a huge length, and one that trickles a frame in
    // 1-byte writes but never finishes it before closing.
    let bad: Vec<thread::JoinHandle<()>> = [
        b"\0\0\0\x0ahalf".to_vec(),
        b"\x7f\xff\xff\xff".to_vec(),
        b"\0\0\x10\0trickle".to_vec(),
    ]
    .into_iter()
    .map(|bytes| {
        thread::spawn(move || {
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_nodelay(true).unwrap();
            for b in bytes {
                s.write_all(&[b]).unwrap();
                thread::sleep(Duration::from_millis(2));
            }
            let _ = s.shutdown(Shutdown::Write);
            let _ = s.read(&mut [0u8; 16]);
        })
    })
    .collect();

    let good: Vec<thread::JoinHandle<usize>> = (0..good_clients)
        .map(|c| {
            thread::spawn(move || {
                let stream = TcpStream::connect(addr).unwrap();
                let read_half = stream.try_clone().unwrap();
                let count = 300;
                let writer = thread::spawn(move || {
                    let mut w = FrameWriter::new(
                        Chopper {
                            inner: stream,
                            rng: Rng::new(c),
                        },
                        FrameFormat::new().with_max_frame_len(MAX),
                    );
                    for frame in frames(100 + c, count) {
                        w.write_frame(&frame).unwrap();
                    }
                    w.flush().unwrap();
                    let Ok(chopper) = w.into_inner() else {
                        panic!("a flushed writer owes nothing")
                    };
                    chopper.inner.shutdown(Shutdown::Write).unwrap();
                });
                let mut r = FrameReader::new(read_half, FrameFormat::new().with_max_frame_len(MAX));
                let mut n = 0;
                for expected in frames(100 + c, count) {
                    let got = r.read_frame().unwrap().expect("echo").payload;
                    assert!(
                        got == expected.to_ascii_uppercase().as_slice(),
                        "client {c} frame {n}"
                    );
                    n += 1;
                }
                assert_eq!(r.read_frame().unwrap(), None);
                writer.join().unwrap();
                n
            })
        })
        .collect();

    let served: usize = good.into_iter().map(|h| h.join().unwrap()).sum();
    for h in bad {
        h.join().unwrap();
    }
    let (errors, echoed) = server.join().unwrap();
    assert_eq!(served, 4 * 300);
    assert_eq!(echoed, 4 * 300);
    assert_eq!(
        errors,
        [
            io::ErrorKind::InvalidData,
            io::ErrorKind::UnexpectedEof,
            io::ErrorKind::UnexpectedEof
        ]
    );
}

/// Hands out at most `max` bytes per read, says `WouldBlock` on every third call when `flaky`,
/// and records how many bytes each read asked for.
struct Recording<'a> {
    data: &'a [u8],
    max: usize,
    flaky: bool,
    calls: usize,
    requests: Vec<usize>,
}

impl Read for Recording<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.flaky && self.calls.is_multiple_of(3) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        self.requests.push(buf.len());
        let n = buf.len().min(self.max).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn large_frames_are_read_straight_into_the_frame_buffer() {
    let sizes = [3 << 20, 10, 200_000, 0, 1 << 20, 5, 70_000];
    let mut rng = Rng::new(7);
    let payloads: Vec<Vec<u8>> = sizes.iter().map(|&n| rng.bytes(n)).collect();
    let format = FrameFormat::new().with_max_frame_len(4 << 20);
    let mut wire = Vec::new();
    for p in &payloads {
        unstick_std::write_frame(&mut wire, &LengthEncoder::new(format), p).unwrap();
    }
    for flaky in [false, true] {
        let source = Recording {
            data: &wire,
            max: 512 << 10,
            flaky,
            calls: 0,
            requests: Vec::new(),
        };
        let mut reader = FrameReader::new(source, format);
        let mut got = Vec::new();
        for _ in 0..1000 {
            match reader.read_frame() {
                Ok(Some(frame)) => got.push(frame.payload.to_vec()),
                Ok(None) => break,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert!(got == payloads, "flaky: {flaky}");
        let requests = &reader.inner().requests;
        // Only a read straight into the frame buffer asks for more than the read buffer.
        let direct = requests
            .iter()
            .filter(|&&n| n > DEFAULT_READ_BUFFER_LEN)
            .count();
        assert!(direct >= 3, "{direct} direct reads");
        // A 64 KiB read buffer alone takes at least 69 reads. Here the first frame grows the
        // frame buffer 64 KiB per read (48 reads); the 1 MiB one later needs 3 reads, not 17.
        let window_only = wire.len().div_ceil(DEFAULT_READ_BUFFER_LEN);
        assert!(
            requests.len() + 10 <= window_only,
            "{} reads",
            requests.len()
        );
    }

    // The stream ending inside a large frame read straight: the usual truncation error.
    let cut = &wire[..(2 << 20)];
    let source = Recording {
        data: cut,
        max: 512 << 10,
        flaky: false,
        calls: 0,
        requests: Vec::new(),
    };
    let mut reader = FrameReader::new(source, format);
    let err = reader.read_frame().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    assert_eq!(
        err.to_string(),
        format!(
            "stream ended inside frame 0 (at byte 0): {} of its {} payload bytes missing",
            (3 << 20) + 4 - (2 << 20),
            3 << 20
        )
    );
}
