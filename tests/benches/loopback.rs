//! End-to-end loopback TCP throughput: a writer thread (or task) sends N frames, the reader
//! receives them all; both ends run concurrently on the 2 cores. Per payload size (16 B, 4 KiB,
//! 1 MiB): unstick's blocking `FrameReader` with a `FrameWriter` over a `BufWriter`
//! (`unstick-blocking`) or with its own coalescing buffer (`unstick-coalescing`, and
//! `unstick-batch` where the reader takes each read's frames in one `read_frames` call), a plain
//! `BufReader`/`BufWriter` +
//! `read_exact` loop, tokio-util's `FramedRead`/`FramedWrite` with `LengthDelimitedCodec`, and
//! the same with unstick's `LengthCodec`, and a codec that does no work at all
//! (`null-codec-bound`: the fastest any codec can be under `FramedRead`/`FramedWrite`).

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use std::io::{BufReader, BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures_util::{SinkExt, StreamExt};
use tokio_util::codec::{Decoder, Encoder, FramedRead, FramedWrite, LengthDelimitedCodec};
use unstick::{Frame, FrameFormat};
use unstick_std::{FrameReader, FrameWriter, LengthCodec};

const PAYLOADS: [usize; 3] = [16, 4 << 10, 1 << 20];
const STREAM: usize = 16 << 20;

fn count(payload: usize) -> usize {
    (STREAM / (payload + 4)).max(64)
}

fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (client, server)
}

/// Runs `send` on a thread and `recv` here; returns the time until `recv` is done.
fn timed(send: impl FnOnce(TcpStream) + Send + 'static, recv: impl FnOnce(TcpStream)) -> Duration {
    let (tx, rx) = pair();
    let start = Instant::now();
    let sender = std::thread::spawn(move || send(tx));
    recv(rx);
    let elapsed = start.elapsed();
    sender.join().unwrap();
    elapsed
}

/// unstick's `FrameReader` receiving what a `FrameWriter` made by `writer` sends, both ends
/// with the same format; with `batch` the reader takes each read's frames in one
/// `read_frames` call.
fn unstick_frames<W: Write + 'static>(
    payload: usize,
    batch: bool,
    writer: fn(TcpStream, FrameFormat) -> FrameWriter<W>,
) -> Duration {
    let n = count(payload);
    let format = FrameFormat::new().with_max_frame_len(payload as u64);
    timed(
        move |tx| {
            let data = vec![7u8; payload];
            let mut w = writer(tx, format);
            for _ in 0..n {
                w.write_frame(&data).unwrap();
            }
            w.flush().unwrap();
        },
        move |rx| {
            let mut r = FrameReader::new(rx, format);
            let mut got = 0;
            let mut check = |f: Frame<'_>| {
                assert_eq!(f.payload.len(), payload);
                got += 1;
            };
            if batch {
                while r.read_frames(&mut check).unwrap().is_some() {}
            } else {
                while let Some(f) = r.read_frame().unwrap() {
                    check(f);
                }
            }
            assert_eq!(got, n);
        },
    )
}

fn coalescing(tx: TcpStream, format: FrameFormat) -> FrameWriter<TcpStream> {
    FrameWriter::with_capacity(tx, format, 64 << 10)
}

fn unstick_batch(payload: usize) -> Duration {
    unstick_frames(payload, true, coalescing)
}

fn unstick_blocking(payload: usize) -> Duration {
    // Small frames: a BufWriter batches them into large writes, like FramedWrite does.
    unstick_frames(payload, false, |tx, format| {
        FrameWriter::new(BufWriter::with_capacity(64 << 10, tx), format)
    })
}

fn unstick_coalescing(payload: usize) -> Duration {
    unstick_frames(payload, false, coalescing)
}

fn bufreader_read_exact(payload: usize) -> Duration {
    let n = count(payload);
    timed(
        move |tx| {
            let data = vec![7u8; payload];
            let mut w = BufWriter::with_capacity(64 << 10, tx);
            for _ in 0..n {
                w.write_all(&(payload as u32).to_be_bytes()).unwrap();
                w.write_all(&data).unwrap();
            }
            w.flush().unwrap();
        },
        move |rx| {
            let mut r = BufReader::with_capacity(64 << 10, rx);
            let mut frame = vec![0u8; payload];
            for _ in 0..n {
                let mut header = [0u8; 4];
                r.read_exact(&mut header).unwrap();
                let len = u32::from_be_bytes(header) as usize;
                assert!(len <= payload);
                r.read_exact(&mut frame[..len]).unwrap();
            }
        },
    )
}

fn tokio_framed<C>(rt: &tokio::runtime::Runtime, payload: usize, codec: impl Fn() -> C) -> Duration
where
    C: Decoder<Item = bytes::BytesMut, Error = std::io::Error>
        + Encoder<bytes::Bytes, Error = std::io::Error>
        + Send
        + 'static,
{
    let n = count(payload);
    let (tx, rx) = pair();
    tx.set_nonblocking(true).unwrap();
    rx.set_nonblocking(true).unwrap();
    let (enc, dec) = (codec(), codec());
    rt.block_on(async move {
        let tx = tokio::net::TcpStream::from_std(tx).unwrap();
        let rx = tokio::net::TcpStream::from_std(rx).unwrap();
        let start = Instant::now();
        let sender = tokio::spawn(async move {
            let data = bytes::Bytes::from(vec![7u8; payload]);
            let mut sink = FramedWrite::new(tx, enc);
            for _ in 0..n {
                sink.feed(data.clone()).await.unwrap();
            }
            SinkExt::<bytes::Bytes>::flush(&mut sink).await.unwrap();
        });
        let mut source = FramedRead::new(rx, dec);
        let mut got = 0;
        while got < n {
            let f = source.next().await.unwrap().unwrap();
            assert_eq!(f.len(), payload);
            got += 1;
        }
        let elapsed = start.elapsed();
        sender.await.unwrap();
        elapsed
    })
}

/// The least any length codec can do under `FramedRead`/`FramedWrite` with `BytesMut` items:
/// frames of a size known in advance, no parsing, no checks. Not a usable codec; it measures
/// how much of the loopback time is the framework's (splitting, dropping and cloning the
/// buffers, polling), which no codec can save.
struct NullCodec(usize);

impl Decoder for NullCodec {
    type Item = bytes::BytesMut;
    type Error = std::io::Error;

    #[inline]
    fn decode(&mut self, src: &mut bytes::BytesMut) -> std::io::Result<Option<bytes::BytesMut>> {
        if src.len() < self.0 + 4 {
            return Ok(None);
        }
        bytes::Buf::advance(src, 4);
        Ok(Some(src.split_to(self.0)))
    }
}

impl Encoder<bytes::Bytes> for NullCodec {
    type Error = std::io::Error;

    #[inline]
    fn encode(&mut self, item: bytes::Bytes, dst: &mut bytes::BytesMut) -> std::io::Result<()> {
        dst.reserve(4 + item.len());
        bytes::BufMut::put_u32(dst, item.len() as u32);
        bytes::BufMut::put_slice(dst, &item);
        Ok(())
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .build()
        .unwrap();
    for payload in PAYLOADS {
        let mut group = c.benchmark_group(format!("loopback/{payload}B"));
        group.throughput(Throughput::Elements(count(payload) as u64));
        group.bench_function(BenchmarkId::from_parameter("unstick-blocking"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| unstick_blocking(payload)).sum())
        });
        group.bench_function(BenchmarkId::from_parameter("unstick-coalescing"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| unstick_coalescing(payload)).sum())
        });
        group.bench_function(BenchmarkId::from_parameter("unstick-batch"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| unstick_batch(payload)).sum())
        });
        group.bench_function(BenchmarkId::from_parameter("bufreader-read-exact"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| bufreader_read_exact(payload)).sum())
        });
        group.bench_function(BenchmarkId::from_parameter("tokio-util-framed"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        tokio_framed(&rt, payload, || {
                            LengthDelimitedCodec::builder()
                                .max_frame_length(payload)
                                .new_codec()
                        })
                    })
                    .sum()
            })
        });
        group.bench_function(BenchmarkId::from_parameter("unstick-tokio-codec"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        tokio_framed(&rt, payload, || {
                            LengthCodec::new(FrameFormat::new().with_max_frame_len(payload as u64))
                        })
                    })
                    .sum()
            })
        });
        group.bench_function(BenchmarkId::from_parameter("null-codec-bound"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| tokio_framed(&rt, payload, || NullCodec(payload)))
                    .sum()
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
