//! The tokio codecs alone, in memory: unstick's `LengthCodec` vs tokio-util's
//! `LengthDelimitedCodec`, encoding a batch of frames into a `BytesMut` and decoding it back the
//! way `FramedRead` does (one `decode` call per frame, frames dropped as they come). This is the
//! codec's share of `loopback`, without the sockets and the runtime.

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use std::hint::black_box;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tokio_util::codec::{Decoder, Encoder, LengthDelimitedCodec};
use unstick::FrameFormat;
use unstick_std::LengthCodec;

const PAYLOADS: [usize; 3] = [16, 256, 4 << 10];
/// About this many stream bytes per batch, whatever the payload size.
const BATCH_BYTES: usize = 1 << 20;

fn tokio_codec(max: usize) -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(max)
        .new_codec()
}

fn unstick_codec(max: usize) -> LengthCodec {
    LengthCodec::new(FrameFormat::new().with_max_frame_len(max as u64))
}

fn encode_batch<C: Encoder<Bytes>>(codec: &mut C, data: &Bytes, n: usize, dst: &mut BytesMut)
where
    C::Error: std::fmt::Debug,
{
    dst.clear();
    for _ in 0..n {
        codec.encode(data.clone(), dst).expect("encodes");
    }
}

fn decode_batch<C: Decoder<Item = BytesMut>>(codec: &mut C, src: &mut BytesMut) -> usize
where
    C::Error: std::fmt::Debug,
{
    let mut frames = 0;
    while let Some(frame) = codec.decode(src).expect("valid stream") {
        black_box(&frame);
        frames += 1;
    }
    frames
}

fn bench_pair<C>(c: &mut Criterion, name: &str, payload: usize, codec: impl Fn() -> C)
where
    C: Encoder<Bytes> + Decoder<Item = BytesMut>,
    <C as Encoder<Bytes>>::Error: std::fmt::Debug,
    <C as Decoder>::Error: std::fmt::Debug,
{
    let n = BATCH_BYTES / (payload + 4);
    let data = Bytes::from(vec![7u8; payload]);
    let mut encoded = BytesMut::new();
    encode_batch(&mut codec(), &data, n, &mut encoded);

    let mut group = c.benchmark_group(format!("codec/{payload}B/encode"));
    group.throughput(Throughput::Elements(n as u64));
    let mut enc = codec();
    let mut dst = BytesMut::with_capacity(encoded.len());
    group.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter(|| encode_batch(&mut enc, &data, n, &mut dst))
    });
    group.finish();

    let mut group = c.benchmark_group(format!("codec/{payload}B/decode"));
    group.throughput(Throughput::Elements(n as u64));
    let mut dec = codec();
    group.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter_batched_ref(
            || BytesMut::from(&encoded[..]),
            |src| assert_eq!(decode_batch(&mut dec, src), n),
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    for payload in PAYLOADS {
        bench_pair(c, "tokio-util", payload, || tokio_codec(payload));
        bench_pair(c, "unstick", payload, || unstick_codec(payload));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
