//! Benchmark: parsing a large Helm repository index with bounded memory.
//!
//! `index_bench gen <file> [versions]` writes an index of `versions` chart versions
//! (15,000 by default, about 26 MB, shaped like real indexes: descriptions, maintainers,
//! annotations, digests). `index_bench parse <file>` parses it as the HelmRepository and
//! HelmChart reconcilers do, selects a version, and prints the time taken and the
//! process's peak RSS (`VmHWM`). Run the two steps as separate processes so the peak
//! belongs to parsing alone (see docs/benchmarks.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::time::Instant;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn generate(path: &str, versions: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "apiVersion: v1\nentries:").unwrap();
    let per_chart = 100;
    for chart in 0..versions.div_ceil(per_chart) {
        writeln!(out, "  chart-{chart}:").unwrap();
        for v in 0..per_chart.min(versions - chart * per_chart) {
            write!(
                out,
                "  - apiVersion: v2\n    appVersion: {v}.0.0\n    created: \"2024-01-01T00:00:00.000000000Z\"\n    description: {}\n    digest: {:064x}\n    home: https://example.com/charts/chart-{chart}\n    keywords: [kubernetes, gitops, flux, helm, chart-{chart}]\n    maintainers:\n    - email: maintainer@example.com\n      name: Maintainer\n    - email: other@example.com\n      name: Other\n    annotations:\n      artifacthub.io/changes: |\n        - kind: changed\n          description: {}\n      artifacthub.io/license: Apache-2.0\n    name: chart-{chart}\n    sources: [https://github.com/example/chart-{chart}]\n    urls:\n    - https://example.com/charts/chart-{chart}-1.{v}.0.tgz\n    version: 1.{v}.0\n",
                "A Helm chart for Kubernetes with a long description. ".repeat(14),
                chart * 1000 + v,
                "Update dependencies and fix rendering of probes. ".repeat(6),
            )
            .unwrap();
        }
    }
    writeln!(out, "generated: \"2024-01-01T00:00:00Z\"").unwrap();
}

fn parse(path: &str) {
    let size = std::fs::metadata(path).unwrap().len();
    let before = peak_rss_kib();
    let start = Instant::now();
    let file = std::fs::File::open(path).unwrap();
    let index = flux_helmrepo::Index::from_reader(
        std::io::BufReader::new(file),
        flux_helmrepo::DEFAULT_MAX_INDEX_SIZE,
    )
    .unwrap();
    let picked = index
        .get("chart-42", ">=1.10 <1.50")
        .unwrap()
        .version
        .clone();
    let elapsed = start.elapsed();
    println!(
        "index {:.1} MB, {} versions: parsed and selected {picked} in {:.2?}; peak RSS {:.1} MiB (before parsing {:.1} MiB)",
        size as f64 / 1e6,
        index.len(),
        elapsed,
        peak_rss_kib() as f64 / 1024.0,
        before as f64 / 1024.0
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("gen") => generate(
            &args[2],
            args.get(3).and_then(|v| v.parse().ok()).unwrap_or(15_000),
        ),
        Some("parse") => parse(&args[2]),
        _ => eprintln!("usage: index_bench gen <file> [versions] | index_bench parse <file>"),
    }
}
