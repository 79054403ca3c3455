//! Handing freed memory back to the system. glibc's allocator keeps what a program frees for
//! its next allocations, so a console that rebuilt a look-back after a burst (hundreds of
//! megabytes) kept that much resident after Esc; trimming the heap returns it. Elsewhere the
//! allocator decides, and nothing is done.

/// Returns the heap's free pages to the system, where the allocator is glibc's.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator's own; it reads nothing of ours.
    unsafe {
        libc::malloc_trim(0);
    }
}
