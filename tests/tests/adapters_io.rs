//! The proptest twin of the `adapters_io` fuzz target: the std adapters over a transport whose
//! every call the input decides (see `unstick_tests::adapters_io` for the invariants).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;

/// Records the largest single allocation: no adapter may size one from an announced length
/// (tokio#333). Every scenario's configured limits and buffers are at most 1 MiB.
struct Largest;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only records sizes.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is passed through.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is passed through.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed through.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Largest = Largest;

/// Limits (1 MiB), buffers (70 KB) and payloads (150 KB) of the scenarios, with room for
/// `Vec` doubling and proptest's own bookkeeping.
const LARGEST_ALLOWED: usize = 4 << 20;

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn adapters_over_a_scripted_transport(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        unstick_tests::adapters_io::run(&data);
        let largest = LARGEST.load(Ordering::Relaxed);
        prop_assert!(largest <= LARGEST_ALLOWED, "an allocation of {} bytes", largest);
    }
}

/// Inputs that once broke an invariant or that pin a path down.
#[test]
fn known_inputs() {
    // Length frames through a coalescing writer that blocks at once, read back one byte at a time.
    for data in [
        &[0u8, 3, 0, 0, 1, 16, 4, 8, 0, 0, 0, 0][..],
        &[],
        &[2],
        &[3, 255, 255],
    ] {
        unstick_tests::adapters_io::run(data);
    }
}
