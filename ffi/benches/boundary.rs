//! What the C boundary costs: the same decode loop over the same stream, once calling
//! `LengthDecoder::decode` from Rust, once calling `unstick_decode` through the C ABI (as a C
//! program does: the event in a C struct, every pointer checked), once taking up to 64 events
//! per `unstick_decode_events` call, once with a C callback per event (`unstick_decode_each`,
//! the core's `decode_all`, whose Rust counterpart is timed too); 16 B and 4 KiB frames in
//! 16 KiB chunks, the format chosen at run time in every loop.
//!
//! On a shared machine, where sequential criterion groups drift, `BOUNDARY_PAIRED=41 cargo
//! bench -p unstick-ffi --bench boundary` instead runs the loops in turn 41 times and prints
//! the median and quartiles of each loop's time over the Rust `decode` loop's in the same round.

#![allow(missing_docs)]
// criterion_group! generates an undocumented pub fn
// The C loop calls the C API as a C program does: through raw pointers.
#![allow(unsafe_code)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use unstick::{Event, FrameFormat, LengthDecoder};
use unstick_ffi::{
    UNSTICK_DECODER_SIZE, unstick_code, unstick_decoder_init, unstick_decoder_storage,
    unstick_event, unstick_event_kind, unstick_format,
};

// The C API's functions as a C program sees them: through their symbols and the C ABI, not
// inlined into the loop.
unsafe extern "C" {
    fn unstick_decode_events(
        decoder: *mut core::ffi::c_void,
        chunk: *const u8,
        len: usize,
        events: *mut unstick_event,
        capacity: usize,
        count: *mut usize,
        consumed: *mut usize,
        err: *mut unstick_ffi::unstick_error,
    ) -> unstick_code;
    fn unstick_decode_each(
        decoder: *mut core::ffi::c_void,
        chunk: *const u8,
        len: usize,
        on_event: unstick_ffi::unstick_on_event,
        context: *mut core::ffi::c_void,
        count: *mut usize,
        err: *mut unstick_ffi::unstick_error,
    ) -> unstick_code;
    fn unstick_decode(
        decoder: *mut core::ffi::c_void,
        chunk: *const u8,
        len: usize,
        event: *mut unstick_event,
        err: *mut unstick_ffi::unstick_error,
    ) -> unstick_code;
}

const STREAM: usize = 4 << 20;
const CHUNK: usize = 16 << 10;

fn stream(payload: usize) -> Vec<u8> {
    let frame = [&(payload as u32).to_be_bytes()[..], &vec![7u8; payload]].concat();
    frame.repeat(STREAM / frame.len())
}

/// Chosen at run time in both loops, as a C program's is (opaque to the optimizer).
fn format() -> FrameFormat {
    black_box(FrameFormat::new().with_max_frame_len(8192))
}

#[inline(never)]
fn rust_loop(stream: &[u8], buf: &mut [u8]) -> usize {
    let mut decoder = LengthDecoder::new(format(), buf).expect("a usable format");
    let mut total = 0;
    for chunk in stream.chunks(CHUNK) {
        let mut input = chunk;
        loop {
            let step = decoder.decode(input).expect("a valid stream");
            input = &input[step.consumed..];
            match step.event {
                Some(Event::Frame(f)) => total += f.payload.len(),
                Some(_) => {}
                None => break,
            }
        }
    }
    total
}

/// A decoder for `format()` in `storage` over `buf`, through the C API.
fn c_decoder(storage: &mut unstick_decoder_storage, buf: &mut [u8]) -> *mut core::ffi::c_void {
    let dec = (storage as *mut unstick_decoder_storage).cast::<core::ffi::c_void>();
    let f = unstick_format {
        max_frame_len: format().max_frame_len(),
        ..unstick_format::default()
    };
    // SAFETY: storage and buffer outlive the decoder; the pointers are valid for their lengths.
    let code = unsafe {
        unstick_decoder_init(
            dec,
            UNSTICK_DECODER_SIZE,
            &f,
            buf.as_mut_ptr(),
            buf.len(),
            core::ptr::null_mut(),
        )
    };
    assert_eq!(code, unstick_code::UNSTICK_OK);
    dec
}

#[inline(never)]
fn c_loop(stream: &[u8], buf: &mut [u8]) -> usize {
    let mut storage = unstick_decoder_storage {
        bytes: [0; UNSTICK_DECODER_SIZE],
    };
    let dec = c_decoder(&mut storage, buf);
    let mut total = 0;
    let mut ev = unstick_event::default();
    for chunk in stream.chunks(CHUNK) {
        let (mut p, mut left) = (chunk.as_ptr(), chunk.len());
        loop {
            // SAFETY: `p` points at `left` bytes of `chunk`; `ev` is a valid event.
            let code = unsafe { unstick_decode(dec, p, left, &mut ev, core::ptr::null_mut()) };
            assert_eq!(code, unstick_code::UNSTICK_OK);
            // SAFETY: `consumed` is at most `left`: still inside `chunk`.
            p = unsafe { p.add(ev.consumed) };
            left -= ev.consumed;
            match ev.kind {
                unstick_event_kind::UNSTICK_EVENT_FRAME => total += ev.data_len,
                unstick_event_kind::UNSTICK_EVENT_NONE => break,
                _ => {}
            }
        }
    }
    total
}

#[inline(never)]
fn c_batch_loop(stream: &[u8], buf: &mut [u8]) -> usize {
    let mut storage = unstick_decoder_storage {
        bytes: [0; UNSTICK_DECODER_SIZE],
    };
    let dec = c_decoder(&mut storage, buf);
    let mut total = 0;
    let mut events = [unstick_event::default(); 64];
    for chunk in stream.chunks(CHUNK) {
        let (mut p, mut left) = (chunk.as_ptr(), chunk.len());
        loop {
            let (mut count, mut used) = (0, 0);
            // SAFETY: `p` points at `left` bytes of `chunk`; `events` holds 64 events.
            let code = unsafe {
                unstick_decode_events(
                    dec,
                    p,
                    left,
                    events.as_mut_ptr(),
                    events.len(),
                    &mut count,
                    &mut used,
                    core::ptr::null_mut(),
                )
            };
            assert_eq!(code, unstick_code::UNSTICK_OK);
            // SAFETY: `used` is at most `left`: still inside `chunk`.
            p = unsafe { p.add(used) };
            left -= used;
            if count == 0 {
                break;
            }
            for ev in &events[..count] {
                if ev.kind == unstick_event_kind::UNSTICK_EVENT_FRAME {
                    total += ev.data_len;
                }
            }
        }
    }
    total
}

/// What a C program's callback does with each event: add up the payload lengths.
unsafe extern "C" fn add_payload(context: *mut core::ffi::c_void, event: *const unstick_event) {
    // SAFETY: `context` is the `usize` the loop passed; `event` is valid during the call.
    unsafe {
        if (*event).kind == unstick_event_kind::UNSTICK_EVENT_FRAME {
            *context.cast::<usize>() += (*event).data_len;
        }
    }
}

#[inline(never)]
fn c_each_loop(stream: &[u8], buf: &mut [u8]) -> usize {
    let mut storage = unstick_decoder_storage {
        bytes: [0; UNSTICK_DECODER_SIZE],
    };
    let dec = c_decoder(&mut storage, buf);
    let mut total = 0usize;
    for chunk in stream.chunks(CHUNK) {
        let mut count = 0;
        // SAFETY: `chunk` is valid for its length; `total` outlives the call.
        let code = unsafe {
            unstick_decode_each(
                dec,
                chunk.as_ptr(),
                chunk.len(),
                Some(add_payload),
                (&raw mut total).cast(),
                &mut count,
                core::ptr::null_mut(),
            )
        };
        assert_eq!(code, unstick_code::UNSTICK_OK);
    }
    total
}

/// The Rust counterpart of `unstick_decode_each`: `decode_all` with a closure.
#[inline(never)]
fn rust_all_loop(stream: &[u8], buf: &mut [u8]) -> usize {
    let mut decoder = LengthDecoder::new(format(), buf).expect("a usable format");
    let mut total = 0;
    for chunk in stream.chunks(CHUNK) {
        decoder
            .decode_all(chunk, |event| {
                if let Event::Frame(f) = event {
                    total += f.payload.len();
                }
            })
            .expect("a valid stream");
    }
    total
}

fn bench(c: &mut Criterion) {
    for payload in [16usize, 4096] {
        let data = stream(payload);
        let frames = data.len() / (payload + 4);
        let mut buf = vec![0u8; 8192 + 64];
        let expected = rust_loop(&data, &mut buf);
        assert_eq!(c_loop(&data, &mut buf), expected);
        assert_eq!(c_batch_loop(&data, &mut buf), expected);
        assert_eq!(c_each_loop(&data, &mut buf), expected);
        assert_eq!(rust_all_loop(&data, &mut buf), expected);
        let mut group = c.benchmark_group(format!("boundary/{payload}B"));
        group.throughput(Throughput::Elements(frames as u64));
        group.bench_function(BenchmarkId::from_parameter("rust-decode"), |b| {
            b.iter(|| rust_loop(black_box(&data), &mut buf))
        });
        group.bench_function(BenchmarkId::from_parameter("c-abi-unstick_decode"), |b| {
            b.iter(|| c_loop(black_box(&data), &mut buf))
        });
        group.bench_function(
            BenchmarkId::from_parameter("c-abi-unstick_decode_events"),
            |b| b.iter(|| c_batch_loop(black_box(&data), &mut buf)),
        );
        group.bench_function(
            BenchmarkId::from_parameter("c-abi-unstick_decode_each"),
            |b| b.iter(|| c_each_loop(black_box(&data), &mut buf)),
        );
        group.bench_function(BenchmarkId::from_parameter("rust-decode_all"), |b| {
            b.iter(|| rust_all_loop(black_box(&data), &mut buf))
        });
        group.finish();
    }
}

/// Each loop's time over the Rust `decode` loop's, round by round, so drift cancels out.
fn paired(rounds: usize) {
    type Loop = fn(&[u8], &mut [u8]) -> usize;
    let loops: [(&str, Loop); 5] = [
        ("rust-decode", rust_loop),
        ("c-abi-unstick_decode", c_loop),
        ("c-abi-unstick_decode_events", c_batch_loop),
        ("c-abi-unstick_decode_each", c_each_loop),
        ("rust-decode_all", rust_all_loop),
    ];
    for payload in [16usize, 4096] {
        let data = stream(payload);
        let mut buf = vec![0u8; 8192 + 64];
        let mut ratios = vec![Vec::with_capacity(rounds); loops.len()];
        for _ in 0..rounds {
            let times = loops.map(|(_, f)| {
                let start = std::time::Instant::now();
                for _ in 0..5 {
                    black_box(f(black_box(&data), &mut buf));
                }
                start.elapsed().as_secs_f64()
            });
            for (r, t) in ratios.iter_mut().zip(times) {
                r.push(t / times[0]);
            }
        }
        println!("boundary/{payload}B, time over rust-decode, median [q1 q3] of {rounds} rounds");
        for ((name, _), r) in loops.iter().zip(&mut ratios) {
            r.sort_by(f64::total_cmp);
            let q = |f: usize| r[(r.len() - 1) * f / 4];
            println!("  {name:30} {:.2} [{:.2} {:.2}]", q(2), q(1), q(3));
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}

fn main() {
    match std::env::var("BOUNDARY_PAIRED")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        Some(rounds) if rounds > 0 => paired(rounds),
        _ => {
            benches();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
