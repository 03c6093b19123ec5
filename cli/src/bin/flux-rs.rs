//! The `flux-rs` binary.

// Rendering allocates hundreds of thousands of short-lived objects; jemalloc does that
// faster than glibc's per-thread arenas, at about the same peak memory (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    // kube's rustls client needs a process-wide crypto provider; a second install is harmless.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = match flux_cli::Cli::parse_args() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with success; usage errors exit 1, as Flux's do.
            let _ = e.print();
            return if e.use_stderr() {
                std::process::ExitCode::FAILURE
            } else {
                std::process::ExitCode::SUCCESS
            };
        }
    };
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
