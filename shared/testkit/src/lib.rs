//! Test fixtures: a real local Kubernetes control plane, Git servers over HTTP(S) and SSH.
//!
//! - [`ControlPlane`]: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok
//!   on loopback ports; [`ControlPlane::shared`] gives one per test process.
//! - [`install_crds`], [`test_namespace`]: per-test setup against it.
//! - [`git`]: bare repositories served by `git http-backend` (HTTP/HTTPS, basic auth, bearer
//!   token, client certificates) and by a private `sshd`.
//!
//! Binaries come from `FLUX_RS_TESTBINS` or are built by `e2e/scripts/build-testbins.sh`.
//! Processes are killed on drop and, through a watchdog, when the test process dies.

mod cluster;
mod controlplane;
mod error;
pub mod git;
pub mod pki;
pub mod process;
pub mod registry;
mod testbins;

use std::path::PathBuf;

pub use cluster::{
    crd_established, install_crds, read_documents, test_namespace, try_test_namespace, yaml_files,
};
pub use controlplane::{ControlPlane, FIELD_MANAGER, KCM_QPS_ENV, KWOK_NODE};
pub use error::TestkitError;
pub use testbins::{BINARIES, TESTBINS_ENV, testbin, testbins_dir};

/// The repository root (two levels above this crate's manifest).
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("../..");
    root.canonicalize().unwrap_or(root)
}
