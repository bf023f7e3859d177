//! An in-memory `embedded_io::Read` that hands out irregular chunks, like a UART FIFO or a
//! network stack's receive window.

use core::convert::Infallible;
use core::num::NonZeroUsize;

/// Reads `data` in chunks of 1..=`max` bytes (pseudo-random sizes from `seed`).
pub struct Chunked<'a> {
    data: &'a [u8],
    max: NonZeroUsize,
    state: u32,
}

impl<'a> Chunked<'a> {
    /// A reader over `data` with chunks of at most `max` bytes.
    pub fn new(data: &'a [u8], max: usize, seed: u32) -> Self {
        Self {
            data,
            max: NonZeroUsize::new(max).unwrap_or(NonZeroUsize::MIN),
            state: seed | 1,
        }
    }

    fn next_len(&mut self) -> usize {
        // xorshift32: a different irregular split for every seed.
        self.state ^= self.state << 13;
        self.state ^= self.state >> 17;
        self.state ^= self.state << 5;
        1 + self.state as usize % self.max // NonZero: no division-by-zero path
    }
}

impl embedded_io::ErrorType for Chunked<'_> {
    type Error = Infallible;
}

impl embedded_io::Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        // Written without indexing, so the decode path's panic check sees no harness panics.
        let n = self.next_len().min(buf.len()).min(self.data.len());
        let (head, rest) = self.data.split_at_checked(n).unwrap_or((self.data, &[]));
        for (dst, src) in buf.iter_mut().zip(head) {
            *dst = *src;
        }
        self.data = rest;
        Ok(head.len())
    }
}
