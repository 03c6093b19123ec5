//! `kustomize build` with this crate: `cargo run -p flux-kustomize --example kustomize_build -- DIR [--load-restrictor LoadRestrictionsNone] [--reorder none]`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use flux_kustomize::{BuildOptions, LoadRestrictor, Reorder, build, to_yaml_stream};
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = BuildOptions::default();
    let mut dir = PathBuf::from(".");
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--load-restrictor" => {
                i += 1;
                if args.get(i).map(String::as_str) == Some("LoadRestrictionsNone") {
                    opts.load_restrictor = LoadRestrictor::None;
                }
            }
            "--reorder" => {
                i += 1;
                if args.get(i).map(String::as_str) == Some("none") {
                    opts.reorder = Reorder::None;
                }
            }
            d => dir = PathBuf::from(d),
        }
        i += 1;
    }
    match build(&dir, &opts) {
        Ok(docs) => print!("{}", to_yaml_stream(&docs)),
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    }
}
