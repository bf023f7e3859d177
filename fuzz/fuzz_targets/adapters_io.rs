//! The std adapters (`FrameWriter`, `FrameReader`, the JSON frame reader and writer,
//! `LengthCodec`) over a transport whose every call the fuzzer decides: reads and writes of any
//! length, `WouldBlock`, `Interrupted`, other errors, end of stream. The invariants (frames on
//! the wire exactly once and in order, frames read equal frames sent, errors repeat without
//! touching the transport) are in `unstick_tests::adapters_io`; CI runs this target with
//! `-malloc_limit_mb` so no allocation may follow an announced length.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    unstick_tests::adapters_io::run(data);
});
