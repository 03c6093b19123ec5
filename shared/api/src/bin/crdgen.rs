//! `crdgen`: writes every Flux CRD to a directory (default `deploy/crds`), one file per CRD
//! named as Flux names them, plus a `kustomization.yaml` listing them.
//!
//! Usage: `cargo run -p flux-api --bin crdgen -- deploy/crds`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use flux_api::Error;
use flux_api::crd::{all_crd_files, render_crd_yaml, render_kustomization};

fn write(path: &Path, contents: &str) -> Result<(), Error> {
    std::fs::write(path, contents).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn run(dir: &Path) -> Result<usize, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let files = all_crd_files();
    for file in &files {
        write(&dir.join(&file.file_name), &render_crd_yaml(&file.crd)?)?;
    }
    write(
        &dir.join("kustomization.yaml"),
        &render_kustomization(&files),
    )?;
    Ok(files.len())
}

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("deploy/crds"));
    match run(&dir) {
        Ok(n) => {
            println!("wrote {n} CRDs and kustomization.yaml to {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("crdgen: {e}");
            ExitCode::FAILURE
        }
    }
}
