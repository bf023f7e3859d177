//! The flash probe: the smallest program that reads frames from an `embedded_io::Read`, in the
//! same feature variants as the firmware. `probe(variant) - probe(baseline)` is what unstick
//! adds to an image; the checking harness of `main.rs` stays out of the figure.

#![no_std]
#![no_main]

#[path = "../chunked.rs"]
mod chunked;
#[path = "../platform.rs"]
mod platform;

use platform::entry;

/// Frames of 5, 40 (streams: over the 32-byte buffer), 100 (skipped: over the limit) and 10 bytes.
const LENS: [usize; 4] = [5, 40, 100, 10];
/// The prefix of each frame: a 4-byte big-endian length; a 1-byte LEB128 length (every length
/// here is under 128); or a 2-byte head and a 2-byte length that counts itself.
const PREFIX: usize = if cfg!(feature = "varint") { 1 } else { 4 };
const STREAM_LEN: usize = PREFIX * LENS.len() + 155;
/// The head the decoder's buffer holds besides the payload.
#[cfg(all(feature = "decoder", not(feature = "json")))]
const HEAD: usize = if cfg!(feature = "headed") { 2 } else { 0 };

const fn length_stream() -> [u8; STREAM_LEN] {
    let mut out = [0u8; STREAM_LEN];
    let (mut at, mut k) = (0, 0);
    while k < LENS.len() {
        let mut prefix = [0u8; 4];
        if cfg!(feature = "varint") {
            prefix[0] = LENS[k] as u8;
        } else if cfg!(feature = "headed") {
            prefix[0] = 0xAB;
            prefix[1] = k as u8;
            let counted = ((LENS[k] + 2) as u16).to_be_bytes();
            prefix[2] = counted[0];
            prefix[3] = counted[1];
        } else {
            prefix = (LENS[k] as u32).to_be_bytes();
        }
        let mut i = 0;
        while i < PREFIX {
            out[at] = prefix[i];
            at += 1;
            i += 1;
        }
        let mut j = 0;
        while j < LENS[k] {
            out[at] = (j as u8).wrapping_mul(7).wrapping_add(k as u8);
            at += 1;
            j += 1;
        }
        k += 1;
    }
    out
}

static STREAM: [u8; STREAM_LEN] = length_stream();

#[entry]
fn main() -> ! {
    let sum = consume(&mut chunked::Chunked::new(&STREAM, 7, 1));
    hprintln!("probe: {}", sum);
    platform::exit(sum > 0)
}

/// Without unstick: sums the raw bytes.
#[cfg(not(feature = "decoder"))]
fn consume(r: &mut chunked::Chunked<'_>) -> u32 {
    use embedded_io::Read;
    let mut buf = [0u8; 32];
    let mut sum = 0u32;
    while let Ok(n @ 1..) = r.read(&mut buf) {
        sum = buf
            .iter()
            .take(n)
            .fold(sum, |s, &b| s.wrapping_add(b.into()));
    }
    sum
}

/// Length frames: sums the payloads (and, with `encoder`, each frame re-encoded).
#[cfg(all(feature = "decoder", not(feature = "json")))]
fn consume(r: &mut chunked::Chunked<'_>) -> u32 {
    use unstick::{Event, Format, FrameFormat, LengthDecoder, LengthField, Oversize, eio};
    const U32: FrameFormat = FrameFormat::new()
        .with_max_frame_len(64)
        .with_oversize(Oversize::Skip)
        .with_streaming(true);
    const FORMAT: FrameFormat = if cfg!(feature = "varint") {
        U32.with_length(LengthField::Leb128)
    } else if cfg!(feature = "headed") {
        U32.with_head_len(2)
            .with_length(LengthField::U16_BE)
            .with_adjustment(-2)
    } else {
        U32
    };
    /// The format fixed at compile time, as firmware would: only its shape's code is linked.
    #[derive(Clone, Copy)]
    #[cfg_attr(feature = "runtime-format", allow(dead_code))]
    struct Fixed;
    impl Format for Fixed {
        #[inline(always)]
        fn format(&self) -> FrameFormat {
            FORMAT
        }
    }
    #[cfg(feature = "runtime-format")]
    let format = core::hint::black_box(FORMAT);
    #[cfg(not(feature = "runtime-format"))]
    let format = Fixed;
    let Ok(mut decoder) = LengthDecoder::new(format, [0u8; 32 + HEAD]) else {
        return 0;
    };
    let mut sum = 0u32;
    loop {
        match eio::read_event(r, &mut decoder) {
            Ok(Some(Event::Frame(frame))) => {
                let p = frame.payload;
                #[cfg(feature = "encoder")]
                {
                    let mut out = [0u8; 40];
                    if let Ok(n) = unstick::LengthEncoder::new(format).encode(p, &mut out) {
                        sum = out
                            .iter()
                            .take(n)
                            .fold(sum, |s, &b| s.wrapping_add(b.into()));
                    }
                }
                sum = p.iter().fold(sum, |s, &b| s.wrapping_add(b.into()));
            }
            Ok(Some(Event::StreamPiece(p))) => {
                sum = p.iter().fold(sum, |s, &b| s.wrapping_add(b.into()));
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return sum,
        }
    }
}

/// JSON-header frames: sums `total_size`, the file name's length and the body.
#[cfg(feature = "json")]
fn consume(_: &mut chunked::Chunked<'_>) -> u32 {
    use embedded_io::Read;
    use unstick::json;
    #[derive(serde::Deserialize)]
    struct Upload<'a> {
        filename: &'a str,
        total_size: u32,
    }
    static WIRE: [u8; JSON_LEN] = json_stream();
    let mut r = chunked::Chunked::new(&WIRE, 7, 1);
    let config = json::Config::new()
        .with_max_header_len(64)
        .with_max_body_len(1024);
    let Ok(mut decoder) = json::Decoder::new(config, [0u8; 64]) else {
        return 0;
    };
    let mut sum = 0u32;
    let mut chunk = [0u8; 16];
    while let Ok(n @ 1..) = r.read(&mut chunk) {
        let mut input = chunk.get(..n).unwrap_or_default();
        while let Ok(json::Decoded {
            consumed,
            event: Some(event),
        }) = decoder.decode(input)
        {
            input = input.get(consumed..).unwrap_or_default();
            match event {
                json::Event::Header(h) => {
                    if let Ok(u) = h.deserialize::<Upload>() {
                        sum = sum.wrapping_add(u.total_size + u.filename.len() as u32);
                    }
                }
                json::Event::BodyPiece(p) => {
                    sum = p.iter().fold(sum, |s, &b| s.wrapping_add(b.into()))
                }
                json::Event::End => {}
            }
        }
    }
    sum
}

#[cfg(feature = "json")]
const JSON_HEADER: &[u8] = br#"{"filename":"a.txt","total_size":12}"#;
#[cfg(feature = "json")]
const JSON_LEN: usize = 4 + JSON_HEADER.len() + 12;

#[cfg(feature = "json")]
const fn json_stream() -> [u8; JSON_LEN] {
    let mut out = [0u8; JSON_LEN];
    out[3] = JSON_HEADER.len() as u8;
    let mut i = 0;
    while i < JSON_HEADER.len() {
        out[4 + i] = JSON_HEADER[i];
        i += 1;
    }
    let body = b"hello, world";
    let mut j = 0;
    while j < body.len() {
        out[4 + JSON_HEADER.len() + j] = body[j];
        j += 1;
    }
    out
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    platform::exit(false)
}
