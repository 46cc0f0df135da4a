use std::process::ExitCode;

/// Rendering and indexing allocate many short-lived strings on every core;
/// glibc's allocator spent about a third of a build in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    crosswalk::cli::main(keep_freed_memory)
}

/// mimalloc's `purge_delay` option: its position in the `mi_option_t` enum
/// of the bundled mimalloc (v3), which the Rust bindings do not name. A
/// test checks that it reads the documented default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keep memory freed by this process for its next allocations instead of
/// returning it to the system. mimalloc purges free pages after a second
/// by default, so a build that frees and allocates in waves over many
/// seconds faulted its pages back in, zeroed by the kernel: about 2 s of
/// system time in a build of 10,000 documents. Keeping them costs about
/// 3 % more peak memory. A one-shot command exits when done, which returns
/// everything at once; `serve` lives on and keeps the default.
fn keep_freed_memory() {
    // SAFETY: sets a process-wide option; mimalloc reads it when it purges.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_delay_is_the_option_named() {
        // SAFETY: reads a process-wide option.
        let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(delay, 1000, "the default purge delay of mimalloc v3");
        }
    }
}
