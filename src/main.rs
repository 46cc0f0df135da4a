use std::process::ExitCode;

fn main() -> ExitCode {
    crosswalk::cli::main()
}
