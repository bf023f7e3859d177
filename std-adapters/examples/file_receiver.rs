//! Receives the tutorials' JSON-header file uploads (`{"filename", "total_size", "hash"}` +
//! body) into a directory: SHA-256 checked, written to a temporary file and renamed into place
//! only when the hash matches, in constant memory for any size.
//!
//! ```text
//! cargo run -p unstick-std --example file_receiver -- /tmp/inbox 127.0.0.1:9000
//! ```
//!
//! Try it with `unstick file send --connect 127.0.0.1:9000 FILE`, or the tutorial's Python client.

use std::net::TcpListener;
use std::path::PathBuf;

use unstick::json::Config;
use unstick_std::JsonFrameReader;
use unstick_std::transfer::receive_file;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = TcpListener::bind(&listen)?;
    println!(
        "listening on {}, saving into {}",
        listener.local_addr()?,
        dir.display()
    );
    for stream in listener.incoming() {
        let stream = stream?;
        let peer = stream.peer_addr()?;
        // Headers up to 8 KiB, bodies up to 4 GiB.
        let config = Config::new()
            .with_max_header_len(8 << 10)
            .with_max_body_len(4 << 30);
        let mut reader = JsonFrameReader::new(stream, config);
        loop {
            match receive_file(&mut reader, &dir) {
                Ok(Some(file)) => println!(
                    "{peer}: received {} ({} bytes, sha256 ok)",
                    file.header.filename, file.header.total_size
                ),
                Ok(None) => break,
                Err(e) => {
                    eprintln!("{peer}: {e}");
                    break;
                }
            }
        }
    }
    Ok(())
}
