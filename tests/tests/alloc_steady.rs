//! The std frame reader allocates nothing per frame in steady state: a counting global
//! allocator sees no allocation while thousands of frames (many straddling reads) go by.
//! Its own test binary, so no other test allocates concurrently.

// A counting GlobalAlloc cannot be written without `unsafe`; the libraries forbid it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};

use unstick::FrameFormat;
use unstick_std::FrameReader;
use unstick_tests::{Rng, encode_stream};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Hands out the stream in reads of 1000 bytes, as a socket might.
struct Chunks<'a>(&'a [u8]);

impl Read for Chunks<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.0.len().min(out.len()).min(1000);
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn no_allocation_per_frame_in_steady_state() {
    let mut rng = Rng::new(5);
    // The largest frame first, so the straddle buffer reaches its final size in warm-up.
    let mut payloads = vec![vec![1u8; 4096]];
    payloads.extend((0..20_000).map(|_| {
        let len = rng.below(4097) as usize;
        rng.bytes(len)
    }));
    let format = FrameFormat::new().with_max_frame_len(4096);
    let stream = encode_stream(format, &payloads);
    let mut reader = FrameReader::new(Chunks(&stream), format);
    let mut bytes = 0usize;
    for _ in 0..100 {
        bytes += reader.read_frame().unwrap().unwrap().payload.len();
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    assert!(before > 0, "the counter sees the warm-up allocations");
    while let Some(frame) = reader.read_frame().unwrap() {
        bytes += frame.payload.len();
    }
    let during = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(bytes, payloads.iter().map(Vec::len).sum::<usize>());
    assert_eq!(reader.frames(), payloads.len() as u64);
    assert_eq!(
        during,
        0,
        "allocations while reading {} frames",
        payloads.len() - 100
    );
}
