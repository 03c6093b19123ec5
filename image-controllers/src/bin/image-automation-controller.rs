//! The `image-automation-controller` binary.

fn main() -> std::process::ExitCode {
    flux_runtime::run_main(flux_image_controllers::automation::Args::run)
}
