//! The `demo` binary: see `flux_e2e::demo`.

fn main() -> std::process::ExitCode {
    flux_e2e::demo::main()
}
