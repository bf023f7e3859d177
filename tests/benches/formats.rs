//! Frame formats other than the tutorials', head to head with what a Rust user would pick
//! instead, on the same pre-encoded stream fed in the same chunks:
//!
//! - gRPC messages (a 1-byte head) and Postgres messages (a type byte, a length that counts
//!   itself) against tokio-util's `LengthDelimitedCodec` built with the matching options
//!   (`length_field_offset`, `length_adjustment`, `num_skip`);
//! - protobuf delimited messages (a LEB128 length) against the usual Rust way: prost's
//!   `decode_length_delimiter` in a loop over a `BytesMut`, splitting each message off.
//!
//! 16 and 256-byte payloads. `cargo bench -p unstick-tests --bench formats`

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use std::hint::black_box;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tokio_util::codec::LengthDelimitedCodec;
use unstick::{FrameFormat, LengthDecoder};
use unstick_tests::encode_frames;

mod common;
use common::{tokio_decode, unstick_decode, unstick_decode_all};

/// About this many stream bytes per iteration, whatever the payload size.
const STREAM_BYTES: usize = 4 << 20;
const CHUNK: usize = 16 << 10;
const PAYLOADS: [usize; 2] = [16, 256];

/// A decoder unstick is timed against.
trait Peer {
    /// Its name in the benchmark group.
    const NAME: &'static str;
    /// Decodes every chunk; calls `frame` with each payload.
    fn decode(&mut self, chunks: &[&[u8]], frame: impl FnMut(&[u8]));
}

/// tokio-util's codec with the options that read the same frames: the head is its length
/// field offset, the adjustment the same, and head and field skipped so the item is the
/// payload. Fed through a `BytesMut` as `FramedRead` would.
struct Tokio(LengthDelimitedCodec, BytesMut);

impl Tokio {
    fn new(format: FrameFormat) -> Self {
        let mut builder = LengthDelimitedCodec::builder();
        builder
            .length_field_offset(format.head_len())
            .length_field_length(4)
            .length_adjustment(format.adjustment() as isize)
            .num_skip(format.head_len() + 4)
            .max_frame_length(
                (format.max_frame_len() as i64 - i64::from(format.adjustment())) as usize,
            );
        Self(
            builder.big_endian().new_codec(),
            BytesMut::with_capacity(CHUNK + 1024),
        )
    }
}

impl Peer for Tokio {
    const NAME: &'static str = "tokio-util";
    fn decode(&mut self, chunks: &[&[u8]], frame: impl FnMut(&[u8])) {
        tokio_decode(&mut self.0, &mut self.1, chunks, frame)
    }
}

/// Delimited protobuf messages the way prost users read them: append each chunk to a
/// `BytesMut`, read the length with `decode_length_delimiter`, split the message off once it
/// has arrived. A truncated varint is an error to prost; while fewer than its 10 bytes are
/// buffered it means "more to come".
struct Prost(BytesMut);

impl Peer for Prost {
    const NAME: &'static str = "prost";
    fn decode(&mut self, chunks: &[&[u8]], mut frame: impl FnMut(&[u8])) {
        let buf = &mut self.0;
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            loop {
                let mut peek: &[u8] = buf;
                let len = match prost::decode_length_delimiter(&mut peek) {
                    Ok(len) => len,
                    Err(_) if buf.len() < 10 => break,
                    Err(e) => panic!("invalid stream: {e}"),
                };
                let prefix = buf.len() - peek.len();
                if peek.len() < len {
                    break;
                }
                buf.advance(prefix);
                frame(&buf.split_to(len));
            }
        }
    }
}

/// Times `decode`, `decode_all` and the peer on one format at each payload size.
fn bench_format<P: Peer>(c: &mut Criterion, name: &str, format: FrameFormat, mut peer: P) {
    for payload in PAYLOADS {
        let count = STREAM_BYTES / (payload + format.head_len() + 4);
        let frames: Vec<(Vec<u8>, Vec<u8>)> = (0..count)
            .map(|i| (vec![i as u8; format.head_len()], vec![i as u8; payload]))
            .collect();
        let stream = encode_frames(format, &frames);
        let chunks: Vec<&[u8]> = stream.chunks(CHUNK).collect();
        let mut buf = vec![0u8; 1 << 17];
        let mut decoder = LengthDecoder::new(format, &mut buf[..]).unwrap();

        // Both must produce the same payloads before anything is timed.
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        unstick_decode(&mut decoder, &chunks, |f| ours.push(f.to_vec()));
        peer.decode(&chunks, |f| theirs.push(f.to_vec()));
        let payloads: Vec<Vec<u8>> = frames.into_iter().map(|(_, p)| p).collect();
        assert!(ours == payloads && theirs == payloads, "decoders disagree");

        let mut group = c.benchmark_group(format!("formats/{name}/{payload}B"));
        group.throughput(Throughput::Elements(count as u64));
        group.bench_function(BenchmarkId::from_parameter("unstick-all"), |b| {
            b.iter(|| {
                decoder.reset();
                let mut bytes = 0usize;
                unstick_decode_all(&mut decoder, &chunks, |f| bytes += black_box(f).len());
                assert_eq!(bytes, payload * count);
            })
        });
        group.bench_function(BenchmarkId::from_parameter("unstick"), |b| {
            b.iter(|| {
                decoder.reset();
                let mut bytes = 0usize;
                unstick_decode(&mut decoder, &chunks, |f| bytes += black_box(f).len());
                assert_eq!(bytes, payload * count);
            })
        });
        group.bench_function(BenchmarkId::from_parameter(P::NAME), |b| {
            b.iter(|| {
                let mut bytes = 0usize;
                peer.decode(&chunks, |f| bytes += black_box(f).len());
                assert_eq!(bytes, payload * count);
            })
        });
        group.finish();
    }
}

fn bench(c: &mut Criterion) {
    for (name, format) in [
        ("grpc", FrameFormat::GRPC),
        ("postgres", FrameFormat::POSTGRES),
    ] {
        bench_format(c, name, format, Tokio::new(format));
    }
    let protobuf = FrameFormat::PROTOBUF_DELIMITED;
    bench_format(
        c,
        "protobuf",
        protobuf,
        Prost(BytesMut::with_capacity(CHUNK + 1024)),
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
