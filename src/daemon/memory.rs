//! Hands the heap that start-up and reloads leave behind (file contents, parsed TOML, template
//! scratch) back to the OS, so the idle daemon's RSS is what it holds, not what it once used.

/// Release free heap pages to the OS (glibc keeps freed memory in its arenas otherwise).
pub fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns memory that glibc's allocator already holds as free;
    // no live allocation is moved or invalidated. It takes no pointers from us.
    unsafe {
        libc::malloc_trim(0);
    }
}
