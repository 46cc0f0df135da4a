use std::process::ExitCode;

/// Rendering and indexing allocate many short-lived strings on every core;
/// glibc's allocator spent about a third of a build in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    crosswalk::cli::main()
}
