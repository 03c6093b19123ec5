//! The `helm-controller` binary.

fn main() -> std::process::ExitCode {
    flux_runtime::run_main(flux_helm_controller::Args::run)
}
