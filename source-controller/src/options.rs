//! Storage flags, named and defaulted as Flux's source-controller names them.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use flux_artifact::Retention;
use flux_runtime::probes::parse_listen_addr;
use flux_runtime::reconcile::parse_duration;
use tokio::net::TcpListener;

use crate::Error;

/// Artifact storage and file server flags.
#[derive(Debug, Clone, Args)]
pub struct StorageOptions {
    /// The local storage path.
    #[arg(long = "storage-path", env = "STORAGE_PATH", default_value = "/data")]
    pub storage_path: PathBuf,
    /// The address the static file server binds to.
    #[arg(long = "storage-addr", env = "STORAGE_ADDR", default_value = ":9090")]
    pub storage_addr: String,
    /// The advertised address of the static file server.
    #[arg(
        long = "storage-adv-addr",
        env = "STORAGE_ADV_ADDR",
        default_value = ""
    )]
    pub storage_adv_addr: String,
    /// The duration of time that artifacts from previous reconciliations will be kept in
    /// storage before being garbage collected.
    #[arg(long = "artifact-retention-ttl", default_value = "60s", value_parser = parse_duration)]
    pub artifact_retention_ttl: Duration,
    /// The maximum number of artifacts to be kept in storage after a garbage collection.
    #[arg(long = "artifact-retention-records", default_value_t = 2)]
    pub artifact_retention_records: usize,
}

impl StorageOptions {
    /// The garbage collection policy.
    pub fn retention(&self) -> Retention {
        Retention {
            records: self.artifact_retention_records.max(1),
            ttl: self.artifact_retention_ttl,
        }
    }

    /// The address written into artifact URLs: `--storage-adv-addr`, else the bound
    /// address as Flux derives it (so `--storage-addr=127.0.0.1:0` advertises the port
    /// the kernel picked).
    pub fn advertised_address(&self, listener: &TcpListener) -> Result<String, Error> {
        let bound = listener.local_addr().map_err(|e| Error::Bind {
            addr: self.storage_addr.clone(),
            source: e,
        })?;
        let bind_addr = match self.storage_addr.rsplit_once(':') {
            Some((host, _)) => format!("{host}:{}", bound.port()),
            None => bound.to_string(),
        };
        let hostname = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_string());
        Ok(flux_artifact::storage::advertised_address(
            &bind_addr,
            &self.storage_adv_addr,
            &hostname,
        )?)
    }
}

/// Binds `--storage-addr` (`:9090`, `host:port`).
pub async fn bind_storage(addr: &str) -> Result<TcpListener, Error> {
    let socket = parse_listen_addr("storage-addr", addr).map_err(|e| Error::InvalidFlag {
        flag: "--storage-addr",
        value: addr.to_string(),
        reason: e.to_string(),
    })?;
    TcpListener::bind(socket).await.map_err(|e| Error::Bind {
        addr: addr.to_string(),
        source: e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn flags_have_fluxs_names_and_defaults() {
        let args = crate::Args::try_parse_from(["source-controller"]).unwrap();
        assert_eq!(args.reconcile.concurrent, 2);
        assert_eq!(args.storage.storage_addr, ":9090");
        assert_eq!(args.storage.retention().records, 2);
        assert_eq!(args.storage.retention().ttl, Duration::from_secs(60));
        let args = crate::Args::try_parse_from([
            "source-controller",
            "--storage-path=/tmp/x",
            "--storage-adv-addr=source-controller.flux-system.svc.cluster.local.",
            "--artifact-retention-ttl=2m",
            "--artifact-retention-records=5",
            "--concurrent=7",
        ])
        .unwrap();
        assert_eq!(args.storage.storage_path, PathBuf::from("/tmp/x"));
        assert_eq!(
            args.storage.artifact_retention_ttl,
            Duration::from_secs(120)
        );
        assert_eq!(args.storage.artifact_retention_records, 5);
        assert_eq!(args.reconcile.concurrent, 7);
    }

    #[tokio::test]
    async fn advertised_address_uses_the_bound_port() {
        let opts = crate::Args::try_parse_from(["source-controller", "--storage-addr=127.0.0.1:0"])
            .unwrap()
            .storage;
        let listener = bind_storage(&opts.storage_addr).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_eq!(
            opts.advertised_address(&listener).unwrap(),
            format!("127.0.0.1:{port}")
        );
    }
}
