//! The `flux-rs` binary.

use clap::Parser;

fn main() -> std::process::ExitCode {
    // kube's rustls client needs a process-wide crypto provider; a second install is harmless.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = flux_cli::Cli::parse();
    match cli.run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            if let Some(message) = e.message() {
                flux_cli::output::failure(&message);
            }
            std::process::ExitCode::from(e.exit_code())
        }
    }
}
