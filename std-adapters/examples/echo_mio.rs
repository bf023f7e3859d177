//! One thread, many connections: a mio event loop with `FrameReader` and `FrameWriter` on
//! non-blocking sockets (`cargo run -p unstick-std --example echo_mio`). `WouldBlock` leaves
//! both resumable, and a frame is read only when the writer has room to gather its echo.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::rc::Rc;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use unstick::FrameFormat;
use unstick_std::{FrameReader, FrameWriter};

const MAX_FRAME: usize = 16 << 10;
const FORMAT: FrameFormat = FrameFormat::new().with_max_frame_len(MAX_FRAME as u64);
/// The writer gathers echoes up to this many bytes; reading pauses while it cannot take one.
const GATHER: usize = 64 << 10;

/// One socket shared by the reader and the writer (mio reads and writes through `&TcpStream`).
struct Shared(Rc<TcpStream>);

impl Read for Shared {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self.0).read(buf)
    }
}

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(()) // nothing buffered in a socket
    }
}

type Conn = (FrameReader<Shared>, FrameWriter<Shared>);

fn connection(stream: TcpStream) -> Conn {
    let stream = Rc::new(stream);
    let writer = FrameWriter::with_capacity(Shared(stream.clone()), FORMAT, GATHER);
    (FrameReader::new(Shared(stream), FORMAT), writer)
}

/// Echoes what is readable. `Ok` once the peer is gone and every echo is written;
/// `WouldBlock` to wait for the next readiness event.
fn pump((reader, writer): &mut Conn) -> io::Result<()> {
    loop {
        // Back-pressure: read a frame only when the writer can gather its echo.
        if writer.pending() + MAX_FRAME + 16 > GATHER {
            writer.flush()?;
        }
        let frame = match reader.read_frame() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => return writer.flush().and(Err(e)),
            other => other?,
        };
        let Some(frame) = frame else {
            return writer.flush();
        };
        writer.write_frame(frame.payload)?;
    }
}

fn main() -> io::Result<()> {
    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind("127.0.0.1:0".parse().expect("an address"))?;
    let addr = listener.local_addr()?;
    let registry = poll.registry().try_clone()?;
    registry.register(&mut listener, Token(0), Interest::READABLE)?;
    // A blocking client: three frames in one burst, then the echoes until the server closes.
    let client = std::thread::spawn(move || -> io::Result<Vec<String>> {
        let stream = std::net::TcpStream::connect(addr)?;
        FrameWriter::new(&stream, FORMAT).write_frames(&[b"one", b"two", b"three"])?;
        stream.shutdown(std::net::Shutdown::Write)?;
        let (mut reader, mut echoes) = (FrameReader::new(&stream, FORMAT), Vec::new());
        while let Some(f) = reader.read_frame()? {
            echoes.push(String::from_utf8_lossy(f.payload).into_owned());
        }
        Ok(echoes)
    });
    let (mut conns, mut events, mut next) = (HashMap::new(), Events::with_capacity(64), 1);
    while !client.is_finished() {
        poll.poll(&mut events, Some(std::time::Duration::from_millis(50)))?;
        for event in &events {
            let token = event.token();
            if token == Token(0) {
                while let Ok((mut stream, _)) = listener.accept() {
                    let token = Token(next);
                    next += 1;
                    registry.register(
                        &mut stream,
                        token,
                        Interest::READABLE | Interest::WRITABLE,
                    )?;
                    conns.insert(token, connection(stream));
                }
            } else if let Some(conn) = conns.get_mut(&token) {
                // Closed, or failed: this connection only.
                if !matches!(pump(conn), Err(e) if e.kind() == ErrorKind::WouldBlock) {
                    conns.remove(&token);
                }
            }
        }
    }
    println!("echoed: {:?}", client.join().expect("client thread")?);
    Ok(())
}
