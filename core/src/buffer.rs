//! Storage for frames that straddle chunk boundaries.
//!
//! A frame that lies inside one input chunk is handed out as a slice of that chunk and never
//! touches the buffer. Only a frame split across chunks is copied here, so the buffer needs to
//! hold one frame, not a stream.

/// Caller-provided storage for one straddling frame.
///
/// Implemented for `[u8; N]`, `[u8]` and `&mut B` (so a decoder can own its storage or borrow
/// it: `&mut [u8]`, `&mut [u8; N]`), for `heapless::Vec<u8, N>` with the `heapless` feature, and
/// for `Vec<u8>` with the `alloc` feature. The trait is sealed: the decoder relies on its exact
/// behaviour to stay panic-free.
pub trait FrameBuffer: sealed::Storage {
    /// The largest frame this buffer can hold. A `Vec<u8>` reports `usize::MAX`: it grows,
    /// bounded by the decoder's maximum frame length, and only as bytes actually arrive.
    fn capacity(&self) -> usize;
}

pub(crate) mod sealed {
    pub trait Storage {
        /// Stores `bytes` at `at..at + bytes.len()`; anything stored past `at` becomes
        /// unspecified. The decoder guarantees `at + bytes.len() <= capacity()` and that `at`
        /// never skips past what was stored.
        fn store_at(&mut self, at: usize, bytes: &[u8]);
        /// The first `len` stored bytes (empty if fewer are stored, which the decoder never asks).
        fn stored(&self, len: usize) -> &[u8];
        /// Room for bytes `at..end` to be written in place (keeping `..at`); empty if `end`
        /// exceeds the capacity. A growable buffer grows to `end`.
        /// Idempotent: bytes already there are kept, so asking twice never loses a read.
        fn space(&mut self, at: usize, end: usize) -> &mut [u8];
        /// How far `space` reaches without growing: the bytes `stored` can return. A commit
        /// never counts bytes past it, so a frame is never shorter than announced.
        fn room(&self) -> usize;
    }
}

/// Copies `src` into `dst`; every call site passes equal lengths.
///
/// On bare-metal targets a zip loop: `copy_from_slice` is not always inlined at
/// `opt-level = "z"`, and its outlined body keeps a length-mismatch panic path in the image
/// (`tests/firmware/check-no-panic.py` checks there is none). Hosted targets keep
/// `copy_from_slice`, which becomes one call to the C library's `memcpy`, much faster for large
/// frames than the vectorized loop LLVM makes of the zip.
#[inline(always)]
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    #[cfg(target_os = "none")]
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
    #[cfg(not(target_os = "none"))]
    if dst.len() == src.len() {
        dst.copy_from_slice(src);
    }
}

impl sealed::Storage for [u8] {
    #[inline]
    fn store_at(&mut self, at: usize, bytes: &[u8]) {
        if let Some(dst) = at
            .checked_add(bytes.len())
            .and_then(|end| self.get_mut(at..end))
        {
            copy(dst, bytes);
        }
    }
    #[inline]
    fn stored(&self, len: usize) -> &[u8] {
        self.get(..len).unwrap_or(&[])
    }
    #[inline]
    fn space(&mut self, at: usize, end: usize) -> &mut [u8] {
        self.get_mut(at..end).unwrap_or(&mut [])
    }
    #[inline]
    fn room(&self) -> usize {
        self.len()
    }
}

impl FrameBuffer for [u8] {
    #[inline]
    fn capacity(&self) -> usize {
        self.len()
    }
}

impl<const N: usize> sealed::Storage for [u8; N] {
    #[inline]
    fn store_at(&mut self, at: usize, bytes: &[u8]) {
        self.as_mut_slice().store_at(at, bytes)
    }
    #[inline]
    fn stored(&self, len: usize) -> &[u8] {
        self.as_slice().stored(len)
    }
    #[inline]
    fn space(&mut self, at: usize, end: usize) -> &mut [u8] {
        self.as_mut_slice().space(at, end)
    }
    #[inline]
    fn room(&self) -> usize {
        N
    }
}

impl<const N: usize> FrameBuffer for [u8; N] {
    #[inline]
    fn capacity(&self) -> usize {
        N
    }
}

impl<B: FrameBuffer + ?Sized> sealed::Storage for &mut B {
    #[inline]
    fn store_at(&mut self, at: usize, bytes: &[u8]) {
        (**self).store_at(at, bytes)
    }
    #[inline]
    fn stored(&self, len: usize) -> &[u8] {
        (**self).stored(len)
    }
    #[inline]
    fn space(&mut self, at: usize, end: usize) -> &mut [u8] {
        (**self).space(at, end)
    }
    #[inline]
    fn room(&self) -> usize {
        (**self).room()
    }
}

impl<B: FrameBuffer + ?Sized> FrameBuffer for &mut B {
    #[inline]
    fn capacity(&self) -> usize {
        (**self).capacity()
    }
}

#[cfg(feature = "heapless")]
impl<const N: usize> sealed::Storage for heapless::Vec<u8, N> {
    #[inline]
    fn store_at(&mut self, at: usize, bytes: &[u8]) {
        self.truncate(at);
        // Cannot fail: the decoder never stores past `capacity()`.
        let _ = self.extend_from_slice(bytes);
    }
    #[inline]
    fn stored(&self, len: usize) -> &[u8] {
        self.get(..len).unwrap_or(&[])
    }
    #[inline]
    fn space(&mut self, at: usize, end: usize) -> &mut [u8] {
        if end > N {
            return &mut [];
        }
        if self.len() < end {
            // Zero-fills only the new part; cannot fail as `end <= N`.
            let _ = self.resize(end, 0);
        }
        self.get_mut(at..end).unwrap_or(&mut [])
    }
    #[inline]
    fn room(&self) -> usize {
        // What `space` initialized so far; past it, `stored` has nothing to return.
        self.len()
    }
}

#[cfg(feature = "heapless")]
impl<const N: usize> FrameBuffer for heapless::Vec<u8, N> {
    #[inline]
    fn capacity(&self) -> usize {
        N
    }
}

#[cfg(feature = "alloc")]
impl sealed::Storage for alloc::vec::Vec<u8> {
    #[inline]
    fn store_at(&mut self, at: usize, bytes: &[u8]) {
        // Inside what earlier frames initialized: overwrite, so `room` keeps that length and
        // a later frame can be read straight into it.
        if let Some(dst) = at
            .checked_add(bytes.len())
            .and_then(|end| self.get_mut(at..end))
        {
            copy(dst, bytes);
            return;
        }
        self.truncate(at);
        // Grows with the bytes that arrived, never with the length a prefix announced
        // (the tokio#333 mistake).
        self.extend_from_slice(bytes);
    }
    #[inline]
    fn stored(&self, len: usize) -> &[u8] {
        self.get(..len).unwrap_or(&[])
    }
    #[inline]
    fn space(&mut self, at: usize, end: usize) -> &mut [u8] {
        // The decoder asks for at most one read's worth past what arrived (see `spare`).
        if self.len() < end {
            self.resize(end, 0);
        }
        self.get_mut(at..end).unwrap_or(&mut [])
    }
    #[inline]
    fn room(&self) -> usize {
        // Initialized bytes: reading into them needs neither an allocation nor a zero-fill.
        self.len()
    }
}

#[cfg(feature = "alloc")]
impl FrameBuffer for alloc::vec::Vec<u8> {
    #[inline]
    fn capacity(&self) -> usize {
        usize::MAX
    }
}
