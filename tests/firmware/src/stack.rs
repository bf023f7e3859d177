//! Peak stack of a call, by stack painting: fill the free stack below the current stack pointer
//! with a pattern, make the call, and find the deepest word that changed.

/// Bytes below the stack pointer that are painted (and so the deepest use that can be seen).
const PAINT: usize = 8 * 1024;
/// Left unpainted just below the stack pointer: the painting function's own frame.
const GUARD: usize = 64;
const PATTERN: u32 = 0xDEAD_BEEF;

/// Runs `f` and returns its result and the stack bytes it used below the caller's stack
/// pointer (at least [`GUARD`] is reported as `GUARD`: usage that small is not resolved).
#[inline(never)]
pub fn peak<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let sp = crate::platform::stack_pointer();
    let bottom = sp - PAINT;
    paint(bottom, sp - GUARD);
    let r = call(f);
    let mut addr = bottom;
    // SAFETY: [bottom, sp) is this stack's free space (64 KiB of RAM, the firmware uses a few
    // KiB), word aligned; nothing else runs (no interrupts are enabled).
    while addr < sp - GUARD && unsafe { core::ptr::read_volatile(addr as *const u32) } == PATTERN {
        addr += 4;
    }
    (r, sp - addr)
}

/// Kept out of line so `f`'s frame lies below the measured stack pointer.
#[inline(never)]
fn call<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[inline(never)]
fn paint(from: usize, to: usize) {
    let mut addr = from & !3;
    while addr < to {
        // SAFETY: free stack below this function's frame; see `peak`.
        unsafe { core::ptr::write_volatile(addr as *mut u32, PATTERN) };
        addr += 4;
    }
}
