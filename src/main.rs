//! The `herald` binary: parse the command line, run, print the error once, exit with its code.

fn main() {
    std::process::exit(herald::cli::main());
}
