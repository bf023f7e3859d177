//! The read buffer both frame readers sit on: a window of bytes read but not yet decoded.

use std::io::{self, Read};

#[derive(Debug)]
pub(crate) struct ReadWindow<R> {
    pub(crate) inner: R,
    pub(crate) buf: Box<[u8]>,
    /// `buf[start..end]` is read but not yet decoded.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl<R: Read> ReadWindow<R> {
    pub(crate) fn new(inner: R, len: usize) -> Self {
        Self {
            inner,
            buf: vec![0u8; len.max(1)].into_boxed_slice(),
            start: 0,
            end: 0,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Refills the (empty) window with one read, retrying `Interrupted`; 0 at end of stream.
    /// Any other error, `WouldBlock` included, leaves the window as it was.
    pub(crate) fn fill(&mut self) -> io::Result<usize> {
        debug_assert!(self.is_empty());
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(n) => {
                    // A reader claiming more than it was given is clamped, not trusted.
                    let n = n.min(self.buf.len());
                    self.start = 0;
                    self.end = n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}
