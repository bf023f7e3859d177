//! A blocking echo server and client with `FrameReader` and `FrameWriter`: the shape of the
//! tutorials' 循环通信 programs, without a sticky packet.
//!
//! ```text
//! cargo run -p unstick-std --example echo_blocking
//! ```

use std::io;
use std::net::{TcpListener, TcpStream};
use std::thread;

use unstick::FrameFormat;
use unstick_std::{FrameReader, FrameWriter};

/// One format for both directions: `struct.pack("!I", len)`, frames up to 1 MiB.
const FORMAT: FrameFormat = FrameFormat::new().with_max_frame_len(1 << 20);

/// Answers every frame with its payload upper-cased until the peer closes.
fn serve(stream: TcpStream) -> io::Result<()> {
    let mut reader = FrameReader::new(stream.try_clone()?, FORMAT);
    let mut writer = FrameWriter::new(stream, FORMAT);
    while let Some(frame) = reader.read_frame()? {
        writer.write_frame(&frame.payload.to_ascii_uppercase())?;
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = thread::spawn(move || -> io::Result<()> {
        let (stream, _) = listener.accept()?;
        serve(stream)
    });

    let stream = TcpStream::connect(addr)?;
    let mut reader = FrameReader::new(stream.try_clone()?, FORMAT);
    // Coalesce the burst into few writes; each frame still arrives whole and alone.
    let mut writer = FrameWriter::with_capacity(stream, FORMAT, 64 << 10);
    let messages = ["hello", "sticky", "packets"];
    for m in messages {
        writer.write_frame(m.as_bytes())?;
    }
    writer.flush()?;
    for m in messages {
        let reply = reader.read_frame()?.expect("one reply per message");
        println!("{m} -> {}", String::from_utf8_lossy(reply.payload));
    }
    // Closing our side ends the server's loop.
    writer.inner().shutdown(std::net::Shutdown::Write)?;
    server.join().expect("server thread")?;
    Ok(())
}
