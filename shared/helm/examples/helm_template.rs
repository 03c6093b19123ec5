//! `helm template`-like driver for development: `helm_template CHART [-f values.yaml]... [--include-crds] [--skip-tests]`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

// The allocator `flux-rs` uses (see cli/src/bin/flux-rs.rs).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut opts = flux_helm::RenderOptions {
        release_name: "conformance".into(),
        namespace: "corpus".into(),
        ..Default::default()
    };
    let mut chart = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "-f" => opts
                .values_files
                .push(PathBuf::from(args.next().expect("-f needs a file"))),
            "--include-crds" => opts.include_crds = true,
            "--skip-tests" => opts.skip_tests = true,
            "-n" => opts.namespace = args.next().expect("-n needs a namespace"),
            other => chart = Some(PathBuf::from(other)),
        }
    }
    match flux_helm::render_retained(&chart.expect("chart path required"), &opts) {
        Ok((r, retained)) => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            r.write_helm_template_output(&mut out).unwrap();
            // The process ends here: freeing is left to the OS, as `flux-rs` does.
            std::mem::forget(retained);
        }
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    }
}
