//! Sticky packets, reassembled.
//!
//! A sender frames a few messages with a 4-byte big-endian length (`struct.pack("!I", n)`),
//! "TCP" cuts the stream at random points, and the decoder recovers the messages exactly.
//!
//! ```text
//! cargo run -p unstick --example reassemble            # a random split
//! cargo run -p unstick --example reassemble -- 42      # a reproducible split (seed 42)
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use unstick::{Event, FrameFormat, LengthDecoder, LengthEncoder};

/// xorshift64*: enough randomness to cut a stream, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn show(bytes: &[u8]) -> String {
    let text: String = bytes.escape_ascii().to_string();
    if text.len() > 48 {
        format!("{}...", &text[..45])
    } else {
        text
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seed = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos() as u64 % 100_000,
    };
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);

    let messages: [&[u8]; 5] = [
        b"hello",
        "\u{4f60}\u{597d}, \u{7c98}\u{5305}".as_bytes(), // 你好, 粘包
        b"",
        b"dir /s",
        &[b'x'; 40],
    ];
    // One format for both directions: struct.pack("!I", n), then the payload.
    let format = FrameFormat::new().with_max_frame_len(256);
    let encoder = LengthEncoder::new(format);
    let mut stream = Vec::new();
    for msg in messages {
        stream.extend_from_slice(&encoder.prefix(msg.len())?);
        stream.extend_from_slice(msg);
    }
    println!(
        "sender: {} messages framed as 4-byte big-endian length + payload = {} bytes on the wire",
        messages.len(),
        stream.len()
    );

    // TCP guarantees order, not boundaries: cut the stream at random points.
    let mut chunks = Vec::new();
    let mut rest = &stream[..];
    while !rest.is_empty() {
        let n = 1 + rng.below(rest.len().min(24));
        let (chunk, tail) = rest.split_at(n);
        chunks.push(chunk);
        rest = tail;
    }
    println!(
        "network: delivered as {} recv() chunks (seed {seed}); recv() boundaries match no message:",
        chunks.len()
    );

    let mut buf = [0u8; 256];
    let mut decoder = LengthDecoder::new(format, &mut buf[..])?;
    let mut recovered = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        println!(
            "  recv #{:<2} {:>2} bytes  {}",
            i + 1,
            chunk.len(),
            show(chunk)
        );
        let range = chunk.as_ptr_range();
        let mut input = *chunk;
        loop {
            let step = decoder.decode(input)?;
            input = &input[step.consumed..];
            match step.event {
                Some(Event::Frame(frame)) => {
                    let frame = frame.payload;
                    let how = if range.contains(&frame.as_ptr()) || frame.is_empty() {
                        "zero-copy, inside this chunk"
                    } else {
                        "reassembled across chunks"
                    };
                    println!(
                        "           -> frame {}: {:?} ({how})",
                        recovered.len(),
                        String::from_utf8_lossy(frame)
                    );
                    recovered.push(frame.to_vec());
                }
                Some(other) => return Err(format!("unexpected event {other:?}").into()),
                None => break,
            }
        }
    }
    decoder.finish()?;
    let intact = recovered.iter().map(Vec::as_slice).eq(messages);
    println!(
        "receiver: {} frames recovered, {}",
        recovered.len(),
        if intact {
            "identical to what was sent"
        } else {
            "MISMATCH"
        }
    );
    if !intact {
        return Err("the recovered frames differ from the messages".into());
    }
    Ok(())
}
