//! Helm repositories for Flux's HelmRepository and HelmChart sources (no Kubernetes).
//!
//! - [`client`]: downloads `index.yaml` and chart archives over HTTP(S) with basic auth,
//!   a CA bundle, a client certificate and Flux's `passCredentials` rule, under size caps.
//! - [`index`]: parses an index from a reader, keeping only what chart selection needs
//!   (name, version, urls, digest per entry), so memory follows the number of versions,
//!   not the size of the document; Masterminds version selection as Helm's `IndexFile.Get`.
//! - [`chart`]: reads and checks chart archives (no absolute paths, no `..`, no links,
//!   size caps) and chart directories.
//! - [`package`]: packages a chart directory into a reproducible `.tgz`, optionally with
//!   merged values files and an overridden version (Flux's `valuesFiles` and
//!   `<version>+<digest>` revisions).
//! - [`values`]: merges values files the way Helm merges maps.
//! - [`deps`]: vendors the dependencies named in `Chart.yaml`/`Chart.lock` of a chart from
//!   Git or a Bucket (`file://` paths and HTTP repositories).

pub mod chart;
pub mod client;
pub mod deps;
mod error;
pub mod index;
pub mod package;
pub mod values;

pub use chart::{ChartDependency, ChartMetadata, LoadedChart};
pub use client::{ClientOptions, RepositoryClient};
pub use error::Error;
pub use index::{ChartVersion, Index};

/// Flux's `--helm-index-max-size` default (50 MiB).
pub const DEFAULT_MAX_INDEX_SIZE: u64 = 50 << 20;
/// Flux's `--helm-chart-max-size` default (10 MiB).
pub const DEFAULT_MAX_CHART_SIZE: u64 = 10 << 20;
/// Flux's `--helm-chart-file-max-size` default (5 MiB).
pub const DEFAULT_MAX_CHART_FILE_SIZE: u64 = 5 << 20;
