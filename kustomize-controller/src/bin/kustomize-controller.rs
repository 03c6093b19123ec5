//! The `kustomize-controller` binary.

fn main() -> std::process::ExitCode {
    flux_runtime::run_main(flux_kustomize_controller::Args::run)
}
