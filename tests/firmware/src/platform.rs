//! What differs between the emulated boards: the entry point, semihosting output and exit, and
//! the stack pointer. Everything else in the firmware is the same on every architecture.

#[cfg(target_arch = "arm")]
pub use cortex_m_rt::entry;
#[cfg(target_arch = "riscv32")]
pub use riscv_rt::entry;

/// Prints a line on the host's standard output through semihosting.
#[macro_export]
macro_rules! hprintln {
    ($($arg:tt)*) => {{
        #[cfg(target_arch = "arm")]
        cortex_m_semihosting::hprintln!($($arg)*);
        #[cfg(target_arch = "riscv32")]
        semihosting::println!($($arg)*);
    }};
}

/// Ends the emulation with success or failure as QEMU's exit status.
pub fn exit(success: bool) -> ! {
    #[cfg(target_arch = "arm")]
    {
        use cortex_m_semihosting::debug;
        debug::exit(if success {
            debug::EXIT_SUCCESS
        } else {
            debug::EXIT_FAILURE
        });
        loop {
            cortex_m::asm::bkpt();
        }
    }
    #[cfg(target_arch = "riscv32")]
    semihosting::process::exit(if success { 0 } else { 1 })
}

/// The current stack pointer.
#[allow(dead_code)] // the flash probe measures no stack
#[inline(always)]
pub fn stack_pointer() -> usize {
    #[cfg(target_arch = "arm")]
    {
        cortex_m::register::msp::read() as usize
    }
    #[cfg(target_arch = "riscv32")]
    {
        let sp: usize;
        // SAFETY: reads a register into a local; no memory is touched.
        unsafe { core::arch::asm!("mv {}, sp", out(reg) sp) };
        sp
    }
}
