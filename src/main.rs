//! The `lnroute` binary: all work is in the library; this only dispatches.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(lnroute::cli::main());
}
