//! `local-cluster`: a local control plane for flux-rs development and tests.

fn main() -> std::process::ExitCode {
    flux_e2e::local_cluster::main()
}
