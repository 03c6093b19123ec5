//! The `flux-rs` binary.

use clap::Parser;

fn main() -> std::process::ExitCode {
    match flux_cli::Cli::parse().run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("✗ {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
