//! JSON-header frames: header parse time, and body throughput for bodies of 1 KiB to 64 MiB
//! fed in 64 KiB chunks. `serde_json` parsing the same header into a `Value` is the reference
//! for what a std user would otherwise do per header.

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use unstick::json;

const HEADER: &str = r#"{"filename": "a.txt", "total_size": 12345, "hash": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}"#;

fn frame(body_len: usize) -> Vec<u8> {
    let json = format!(
        r#"{{"filename": "a.txt", "total_size": {body_len}, "hash": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}}"#
    );
    let mut out = (json.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(json.as_bytes());
    out.extend((0..body_len).map(|i| i as u8));
    out
}

fn headers(c: &mut Criterion) {
    let config = json::Config::new();
    let mut group = c.benchmark_group("json-header");
    group.throughput(Throughput::Elements(1));
    group.bench_function("unstick inspect", |b| {
        b.iter(|| config.inspect(black_box(HEADER.as_bytes())).unwrap())
    });
    let one = frame(0);
    let mut buf = [0u8; 4096];
    let mut decoder = json::Decoder::new(config, &mut buf[..]).unwrap();
    group.bench_function("unstick decode frame", |b| {
        b.iter(|| {
            let mut total = 0;
            decoder
                .decode_all(black_box(&one), |e| {
                    if let json::Event::Header(h) = e {
                        total = h.total_size();
                    }
                })
                .unwrap();
            total
        })
    });
    group.bench_function("serde_json Value", |b| {
        b.iter(|| {
            let v: serde_json::Value = serde_json::from_str(black_box(HEADER)).unwrap();
            v["total_size"].as_u64().unwrap()
        })
    });
    group.finish();
}

fn bodies(c: &mut Criterion) {
    let config = json::Config::new().with_max_body_len(u64::MAX);
    for body_len in [1 << 10, 64 << 10, 1 << 20, 64 << 20] {
        let count = ((64 << 20) / body_len).clamp(1, 4096);
        let stream: Vec<u8> = (0..count).flat_map(|_| frame(body_len)).collect();
        let chunks: Vec<&[u8]> = stream.chunks(64 << 10).collect();
        let mut group = c.benchmark_group("json-body");
        group.throughput(Throughput::Bytes((body_len * count) as u64));
        let mut buf = [0u8; 4096];
        let mut decoder = json::Decoder::new(config, &mut buf[..]).unwrap();
        group.bench_function(BenchmarkId::from_parameter(body_len), |b| {
            b.iter(|| {
                decoder.reset();
                let (mut bytes, mut ends) = (0usize, 0usize);
                for chunk in &chunks {
                    decoder
                        .decode_all(chunk, |e| match e {
                            json::Event::BodyPiece(p) => bytes += black_box(p).len(),
                            json::Event::End => ends += 1,
                            json::Event::Header(_) => {}
                        })
                        .unwrap();
                }
                assert_eq!((bytes, ends), (body_len * count, count));
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = headers, bodies
}
criterion_main!(benches);
