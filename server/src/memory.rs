//! Memory that is freed goes back to the system.
//!
//! Each argon2id password hash works in 19 MiB of memory, on whichever of tokio's blocking
//! threads runs it. glibc's allocator raises its mmap threshold to the size of the largest
//! block freed so far, so after the first hash every later one was carved out of the
//! running thread's arena, and an arena keeps what it is given back: a few dozen hashes
//! (a fuzzing run's user creations and sign-ins) left an instance holding hundreds of
//! megabytes it no longer used (349 MB against its twin's 25 MB; a lab run of 64 hashes,
//! two at a time, held 1.1 GB). A fixed threshold keeps blocks of 1 MiB and more in
//! mappings of their own, returned to the system when freed.

/// Sets the allocator's mmap threshold, once per process, where the allocator is glibc's.
pub fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes the allocator's tuning; it is called before or
            // alongside other allocations, which glibc allows from any thread.
            let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20) };
            if set != 1 {
                tracing::warn!("could not set the allocator's mmap threshold");
            }
        });
    }
}
