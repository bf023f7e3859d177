//! One thread, many connections: a mio event loop with `FrameReader` and `FrameWriter` on
//! non-blocking sockets (`cargo run -p unstick-std --example echo_mio`). `WouldBlock` leaves
//! both resumable; a frame the writer could not take yet is kept and offered again.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::rc::Rc;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use unstick::FrameFormat;
use unstick_std::{FrameReader, FrameWriter};

const FORMAT: FrameFormat = FrameFormat::new().with_max_frame_len(1 << 20);

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
        Ok(()) // a socket has nothing buffered
    }
}

struct Conn {
    reader: FrameReader<Shared>,
    writer: FrameWriter<Shared>,
    /// An echo the writer refused with `WouldBlock`: nothing of it was sent.
    unsent: Option<Vec<u8>>,
}

impl Conn {
    fn new(stream: TcpStream) -> Self {
        let stream = Rc::new(stream);
        Self {
            reader: FrameReader::new(Shared(stream.clone()), FORMAT),
            writer: FrameWriter::new(Shared(stream), FORMAT),
            unsent: None,
        }
    }
}

/// `WouldBlock` as `None`: wait for the next readiness event.
fn ready<T>(result: io::Result<T>) -> io::Result<Option<T>> {
    match result {
        Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(None),
        other => other.map(Some),
    }
}

/// Echoes what is readable; `Ok(false)` once the peer is gone.
fn pump(conn: &mut Conn) -> io::Result<bool> {
    loop {
        if let Some(payload) = &conn.unsent {
            if ready(conn.writer.write_frame(payload))?.is_none() {
                return Ok(true);
            }
            conn.unsent = None;
        }
        let frame = match ready(conn.reader.read_frame())? {
            Some(Some(frame)) => frame,
            Some(None) => return Ok(false),
            None => return Ok(true),
        };
        if ready(conn.writer.write_frame(frame.payload))?.is_none() {
            conn.unsent = Some(frame.payload.to_vec());
        }
    }
}

fn main() -> io::Result<()> {
    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind("127.0.0.1:0".parse().expect("an address"))?;
    let addr = listener.local_addr()?;
    poll.registry()
        .register(&mut listener, Token(0), Interest::READABLE)?;
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
                    let both = Interest::READABLE | Interest::WRITABLE;
                    poll.registry().register(&mut stream, token, both)?;
                    conns.insert(token, Conn::new(stream));
                }
            } else if let Some(conn) = conns.get_mut(&token)
                && !pump(conn)?
            {
                conns.remove(&token);
            }
        }
    }
    println!("echoed: {:?}", client.join().expect("client thread")?);
    Ok(())
}
