//! The `notification-controller` binary.

fn main() -> std::process::ExitCode {
    flux_runtime::run_main(flux_notification_controller::Args::run)
}
