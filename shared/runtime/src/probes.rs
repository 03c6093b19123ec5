//! The health (`/healthz`, `/readyz`) and metrics (`/metrics`) HTTP servers, bound to
//! `--health-addr` and `--metrics-addr` as in Flux.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use clap::Args;
use tokio::net::TcpListener;

use crate::RuntimeError;
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;

/// The probe and metrics address flags.
#[derive(Debug, Clone, Args)]
pub struct ProbeOptions {
    /// The address the metric endpoint binds to.
    #[arg(long = "metrics-addr", env = "METRICS_ADDR", default_value = ":8080")]
    pub metrics_addr: String,
    /// The address the health endpoint binds to.
    #[arg(long = "health-addr", default_value = ":9440")]
    pub health_addr: String,
}

/// Parses Go-style listen addresses: `host:port`, `:port` (all interfaces).
pub fn parse_listen_addr(flag: &'static str, value: &str) -> Result<SocketAddr, RuntimeError> {
    let invalid = || RuntimeError::InvalidAddress {
        flag,
        value: value.to_string(),
    };
    if let Some(port) = value.strip_prefix(':') {
        let port: u16 = port.parse().map_err(|_| invalid())?;
        return Ok(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)));
    }
    if let Ok(addr) = value.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let (host, port) = value.rsplit_once(':').ok_or_else(invalid)?;
    let port: u16 = port.parse().map_err(|_| invalid())?;
    if host == "localhost" {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    Err(invalid())
}

/// Readiness shared between the controller and its `/readyz` endpoint.
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// Marks the controller ready (or not).
    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::SeqCst);
    }

    fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Binds both listeners. Binding happens before the servers run so that a busy port
/// is reported at start-up, naming the flag.
pub async fn bind(opts: &ProbeOptions) -> Result<(TcpListener, TcpListener), RuntimeError> {
    let health = bind_one(
        "health",
        parse_listen_addr("health-addr", &opts.health_addr)?,
    )
    .await?;
    let metrics = bind_one(
        "metrics",
        parse_listen_addr("metrics-addr", &opts.metrics_addr)?,
    )
    .await?;
    Ok((health, metrics))
}

async fn bind_one(what: &'static str, addr: SocketAddr) -> Result<TcpListener, RuntimeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| RuntimeError::Bind { what, addr, source })
}

/// Serves `/healthz` and `/readyz` until shutdown.
pub async fn serve_health(
    listener: TcpListener,
    readiness: Readiness,
    shutdown: Shutdown,
) -> Result<(), RuntimeError> {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(readiness);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.requested())
        .await
        .map_err(|source| RuntimeError::Serve {
            what: "health",
            source,
        })
}

async fn readyz(State(readiness): State<Readiness>) -> impl IntoResponse {
    if readiness.get() {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
    }
}

/// Serves `/metrics` until shutdown.
pub async fn serve_metrics(
    listener: TcpListener,
    metrics: Metrics,
    shutdown: Shutdown,
) -> Result<(), RuntimeError> {
    let app = Router::new()
        .route(
            "/metrics",
            get(|State(metrics): State<Metrics>| async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    metrics.render(),
                )
            }),
        )
        .with_state(metrics);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.requested())
        .await
        .map_err(|source| RuntimeError::Serve {
            what: "metrics",
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_style_addresses() {
        assert_eq!(
            parse_listen_addr("x", ":8080").unwrap(),
            "0.0.0.0:8080".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(
            parse_listen_addr("x", "127.0.0.1:9440").unwrap(),
            "127.0.0.1:9440".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(
            parse_listen_addr("x", "localhost:1").unwrap(),
            "127.0.0.1:1".parse::<SocketAddr>().unwrap()
        );
        let err = parse_listen_addr("health-addr", "nonsense").unwrap_err();
        assert!(err.to_string().contains("--health-addr"), "{err}");
        assert!(parse_listen_addr("x", ":99999").is_err());
    }

    #[tokio::test]
    async fn readyz_follows_readiness_and_healthz_answers() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let readiness = Readiness::default();
        let shutdown = Shutdown::new();
        let server = tokio::spawn(serve_health(listener, readiness.clone(), shutdown.clone()));
        let http = reqwest::Client::new();
        let get = |path: &str| http.get(format!("http://{addr}{path}")).send();
        assert_eq!(get("/healthz").await.unwrap().status(), 200);
        assert_eq!(get("/readyz").await.unwrap().status(), 503);
        readiness.set(true);
        assert_eq!(get("/readyz").await.unwrap().status(), 200);
        shutdown.trigger();
        server.await.unwrap().unwrap();
    }
}
