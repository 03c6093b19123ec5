//! The `image-reflector-controller` binary.

fn main() -> std::process::ExitCode {
    flux_runtime::run_main(flux_image_controllers::reflector::Args::run)
}
