//! Frame formats with a head and an adjustment, head to head with tokio-util's
//! `LengthDelimitedCodec` built with the matching options (`length_field_offset`,
//! `length_adjustment`, `num_skip`), on the same pre-encoded stream fed in the same chunks:
//! gRPC messages (a 1-byte head) and Postgres messages (a type byte, a length that counts
//! itself), 16 and 256-byte payloads.
//!
//! `cargo bench -p unstick-tests --bench formats`

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use std::hint::black_box;
use std::time::Duration;

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tokio_util::codec::{Decoder, LengthDelimitedCodec};
use unstick::{Event, FrameFormat, LengthDecoder};
use unstick_tests::encode_frames;

/// About this many stream bytes per iteration, whatever the payload size.
const STREAM_BYTES: usize = 4 << 20;
const CHUNK: usize = 16 << 10;

/// tokio-util with the options that read the same frames: the head is its length field
/// offset, the adjustment the same, and head and field skipped so the item is the payload.
fn tokio_codec(format: FrameFormat) -> LengthDelimitedCodec {
    let mut builder = LengthDelimitedCodec::builder();
    builder
        .length_field_offset(format.head_len())
        .length_field_length(4)
        .length_adjustment(format.adjustment() as isize)
        .num_skip(format.head_len() + 4)
        .max_frame_length(
            (format.max_frame_len() as i64 - i64::from(format.adjustment())) as usize,
        );
    builder.big_endian().new_codec()
}

fn bench(c: &mut Criterion) {
    let shapes = [
        ("grpc", FrameFormat::GRPC),
        ("postgres", FrameFormat::POSTGRES),
    ];
    for (name, format) in shapes {
        for payload in [16usize, 256] {
            let count = STREAM_BYTES / (payload + format.head_len() + 4);
            let frames: Vec<(Vec<u8>, Vec<u8>)> = (0..count)
                .map(|i| (vec![i as u8; format.head_len()], vec![i as u8; payload]))
                .collect();
            let stream = encode_frames(format, &frames);
            let chunks: Vec<&[u8]> = stream.chunks(CHUNK).collect();
            let mut buf = vec![0u8; 1 << 17];
            let mut decoder = LengthDecoder::new(format, &mut buf[..]).unwrap();
            let mut codec = tokio_codec(format);
            let mut group = c.benchmark_group(format!("formats/{name}/{payload}B"));
            group.throughput(Throughput::Elements(count as u64));
            group.bench_function(BenchmarkId::from_parameter("unstick-all"), |b| {
                b.iter(|| {
                    decoder.reset();
                    let mut bytes = 0usize;
                    for chunk in &chunks {
                        decoder
                            .decode_all(chunk, |event| match event {
                                Event::Frame(f) => bytes += black_box(f.payload).len(),
                                other => panic!("unexpected {other:?}"),
                            })
                            .expect("valid stream");
                    }
                    assert_eq!(bytes, payload * count);
                })
            });
            group.bench_function(BenchmarkId::from_parameter("unstick"), |b| {
                b.iter(|| {
                    decoder.reset();
                    let mut bytes = 0usize;
                    for chunk in &chunks {
                        let mut input: &[u8] = chunk;
                        loop {
                            let step = decoder.decode(input).expect("valid stream");
                            input = &input[step.consumed..];
                            match step.event {
                                Some(Event::Frame(f)) => bytes += black_box(f.payload).len(),
                                Some(other) => panic!("unexpected {other:?}"),
                                None => break,
                            }
                        }
                    }
                    assert_eq!(bytes, payload * count);
                })
            });
            let mut src = BytesMut::with_capacity(CHUNK + payload + 8);
            group.bench_function(BenchmarkId::from_parameter("tokio-util"), |b| {
                b.iter(|| {
                    let mut bytes = 0usize;
                    for chunk in &chunks {
                        src.extend_from_slice(chunk);
                        while let Some(frame) = codec.decode(&mut src).expect("valid stream") {
                            bytes += black_box(frame).len();
                        }
                    }
                    assert_eq!(bytes, payload * count);
                })
            });
            group.finish();
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
