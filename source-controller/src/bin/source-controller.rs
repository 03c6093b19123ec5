//! The `source-controller` binary.

fn main() -> std::process::ExitCode {
    flux_runtime::run_main(flux_source_controller::Args::run)
}
