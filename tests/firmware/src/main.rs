//! unstick on a Cortex-M3 (QEMU `lm3s6965evb`), no allocator.
//!
//! Feeds framed byte streams through the decoders in irregular chunks via an in-memory
//! `embedded_io::Read`: length frames (buffered, larger than the buffer so they stream, over the
//! limit in `Skip` mode, a truncated tail) and JSON-header frames (bodies larger than any
//! buffer, a truncated tail). Every event is checked against what was encoded. Prints a summary
//! with the decoder sizes and the peak stack of a decode call over semihosting, then exits with
//! success, or failure on any wrong event. A panic reports itself and exits with failure.
//!
//! Features pick what is linked, so the image size of each can be compared to `baseline`
//! (no default features: the same harness without unstick).

#![no_std]
#![no_main]

mod chunked;
#[cfg(feature = "json")]
mod json;
#[cfg(feature = "decoder")]
mod length;
mod platform;
mod stack;

use platform::entry;

/// Counts failed checks and prints each one.
pub struct Checks {
    failed: u32,
    passed: u32,
}

impl Checks {
    /// Records `ok`; prints `what` when it is false.
    pub fn check(&mut self, ok: bool, what: &str) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            hprintln!("FAIL: {}", what);
        }
    }
}

/// Payload byte `i` of a frame: varied, so a shifted or mixed-up piece is caught.
pub fn pattern(seed: u8, i: usize) -> u8 {
    (i as u8).wrapping_mul(31).wrapping_add(seed) ^ ((i >> 8) as u8)
}

/// Writes a stream into a fixed buffer (harness code, the same in every image).
pub struct Builder<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> Builder<'a> {
    /// Starts writing at the beginning of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// Appends bytes; returns false if they do not fit.
    pub fn put(&mut self, bytes: &[u8]) -> bool {
        match self.buf.get_mut(self.len..self.len + bytes.len()) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.len += bytes.len();
                true
            }
            None => false,
        }
    }

    /// Appends a 4-byte big-endian length and `len` pattern bytes.
    pub fn frame(&mut self, len: usize, seed: u8) -> bool {
        if !self.put(&(len as u32).to_be_bytes()) {
            return false;
        }
        (0..len).all(|i| self.put(&[pattern(seed, i)]))
    }

    /// The stream so far.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

#[entry]
fn main() -> ! {
    let mut checks = Checks {
        failed: 0,
        passed: 0,
    };
    #[cfg(feature = "decoder")]
    length::run(&mut checks);
    #[cfg(feature = "json")]
    json::run(&mut checks);
    #[cfg(feature = "json")]
    json::python_escapes(&mut checks);
    #[cfg(not(feature = "decoder"))]
    baseline(&mut checks);

    hprintln!(
        "unstick firmware: {} checks passed, {} failed",
        checks.passed,
        checks.failed
    );
    if checks.failed == 0 {
        hprintln!("RESULT: PASS");
    } else {
        hprintln!("RESULT: FAIL");
    }
    platform::exit(checks.failed == 0)
}

/// The harness without unstick: builds a stream and reads it through the chunked reader, so
/// `decoder` images minus this one is what unstick costs.
#[cfg(not(feature = "decoder"))]
fn baseline(checks: &mut Checks) {
    use embedded_io::Read;
    let mut buf = [0u8; 512];
    let mut b = Builder::new(&mut buf);
    let built = b.frame(100, 1) && b.frame(7, 2);
    let len = b.bytes().len();
    let mut reader = chunked::Chunked::new(&buf[..len], 7, 1);
    let mut sum = 0usize;
    let mut chunk = [0u8; 16];
    while let Ok(n @ 1..) = reader.read(&mut chunk) {
        sum += chunk[..n].iter().map(|&x| x as usize).sum::<usize>();
    }
    let (_, depth) = stack::peak(|| sum.count_ones());
    checks.check(built && sum > 0 && depth < 4096, "baseline stream");
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("PANIC: {}", info);
    hprintln!("RESULT: FAIL");
    platform::exit(false)
}
