//! Decoding throughput: unstick's `LengthDecoder` vs tokio-util's `LengthDelimitedCodec`, with
//! a `copy_from_slice` baseline, on the same pre-encoded stream fed in the same chunks.
//!
//! Run with `tests/benches/run.sh` (sets `GLIBC_TUNABLES` against the rep-movsb trap and
//! prints the table with ratios).

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use std::hint::black_box;
use std::time::Duration;

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tokio_util::codec::LengthDelimitedCodec;
use unstick::{Event, FrameFormat, LengthDecoder};
use unstick_tests::encode_stream;

mod common;
use common::{tokio_decode, unstick_decode, unstick_decode_all};

const PAYLOADS: [usize; 5] = [16, 256, 4 << 10, 64 << 10, 1 << 20];
const CHUNKS: [usize; 3] = [1460, 16 << 10, 64 << 10];
/// About this many stream bytes per iteration, whatever the payload size.
const STREAM_BYTES: usize = 4 << 20;

fn tokio_codec(max: usize) -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .length_field_length(4)
        .big_endian()
        .max_frame_length(max)
        .new_codec()
}

fn bench(c: &mut Criterion) {
    for payload in PAYLOADS {
        let count = (STREAM_BYTES / (payload + 4)).max(4);
        let payloads: Vec<Vec<u8>> = (0..count).map(|i| vec![i as u8; payload]).collect();
        let config = FrameFormat::new().with_max_frame_len(payload as u64);
        let stream = encode_stream(config, &payloads);
        let mut storage = vec![0u8; payload];

        for chunk_size in CHUNKS {
            let chunks: Vec<&[u8]> = stream.chunks(chunk_size).collect();

            // Both must produce identical frames before anything is timed.
            let mut ours = Vec::new();
            let mut decoder = LengthDecoder::new(config, &mut storage[..]).unwrap();
            unstick_decode(&mut decoder, &chunks, |f| ours.push(f.to_vec()));
            let mut theirs = Vec::new();
            tokio_decode(
                &mut tokio_codec(payload),
                &mut BytesMut::new(),
                &chunks,
                |f| theirs.push(f.to_vec()),
            );
            assert!(ours == payloads && theirs == payloads, "decoders disagree");
            drop((ours, theirs));

            let mut group = c.benchmark_group(format!("decode/{payload}B/chunk{chunk_size}"));
            group.throughput(Throughput::Elements(count as u64));
            group.bench_function(BenchmarkId::from_parameter("unstick"), |b| {
                b.iter(|| {
                    decoder.reset();
                    let mut bytes = 0usize;
                    unstick_decode(&mut decoder, &chunks, |f| bytes += black_box(f).len());
                    assert_eq!(bytes, payload * count);
                })
            });
            group.bench_function(BenchmarkId::from_parameter("unstick-all"), |b| {
                b.iter(|| {
                    decoder.reset();
                    let mut bytes = 0usize;
                    unstick_decode_all(&mut decoder, &chunks, |f| bytes += black_box(f).len());
                    assert_eq!(bytes, payload * count);
                })
            });
            // Streaming mode with a 1 KiB buffer: frames over 1 KiB arrive as pieces borrowed
            // from the chunks, never copied. Only meaningful where frames exceed the buffer.
            if payload > 1024 {
                let mut small = [0u8; 1024];
                let streaming = config.with_streaming(true);
                let mut streamer = LengthDecoder::new(streaming, &mut small[..]).unwrap();
                group.bench_function(BenchmarkId::from_parameter("unstick-stream"), |b| {
                    b.iter(|| {
                        streamer.reset();
                        let (mut bytes, mut ends) = (0usize, 0usize);
                        for chunk in &chunks {
                            streamer
                                .decode_all(chunk, |event| match event {
                                    Event::StreamPiece(p) => bytes += black_box(p).len(),
                                    Event::StreamEnd => ends += 1,
                                    Event::StreamStart { .. } => {}
                                    other => panic!("unexpected {other:?}"),
                                })
                                .expect("valid stream");
                        }
                        assert_eq!((bytes, ends), (payload * count, count));
                    })
                });
            }
            let mut codec = tokio_codec(payload);
            let mut buf = BytesMut::with_capacity(chunk_size + payload + 4);
            group.bench_function(BenchmarkId::from_parameter("tokio-util"), |b| {
                b.iter(|| {
                    let mut bytes = 0usize;
                    tokio_decode(&mut codec, &mut buf, &chunks, |f| {
                        bytes += black_box(f).len()
                    });
                    assert_eq!(bytes, payload * count);
                })
            });
            // One pass over the stream into a small, cache-hot buffer: the cheapest copy there is.
            let mut dst = vec![0u8; chunk_size];
            group.bench_function(BenchmarkId::from_parameter("memcpy"), |b| {
                b.iter(|| {
                    for chunk in &chunks {
                        dst[..chunk.len()].copy_from_slice(chunk);
                        black_box(&mut dst);
                    }
                })
            });
            // The copy any reassembler must do: every chunk into frame-sized storage at the
            // running offset (wrapping), with no framing logic.
            let frame_len = payload + 4;
            let mut frame_dst = vec![0u8; frame_len];
            group.bench_function(BenchmarkId::from_parameter("memcpy-frame"), |b| {
                b.iter(|| {
                    let mut at = 0usize;
                    for chunk in &chunks {
                        let mut src: &[u8] = chunk;
                        while !src.is_empty() {
                            let n = src.len().min(frame_len - at);
                            frame_dst[at..at + n].copy_from_slice(&src[..n]);
                            src = &src[n..];
                            at = (at + n) % frame_len;
                        }
                        black_box(&mut frame_dst);
                    }
                })
            });
            group.finish();
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
