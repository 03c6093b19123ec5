//! Graceful shutdown on SIGTERM or SIGINT.

use std::sync::Arc;

use tokio::sync::watch;

/// A cloneable signal that flips once when the process is asked to stop.
#[derive(Debug, Clone)]
pub struct Shutdown {
    tx: Arc<watch::Sender<bool>>,
}

impl Shutdown {
    /// A signal that only [`Shutdown::trigger`] flips.
    pub fn new() -> Self {
        let (tx, _rx) = watch::channel(false);
        Shutdown { tx: Arc::new(tx) }
    }

    /// A signal that SIGTERM and SIGINT flip.
    pub fn on_signals() -> Self {
        let shutdown = Shutdown::new();
        let trigger = shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutdown signal received, stopping");
            trigger.trigger();
        });
        shutdown
    }

    /// Asks everything waiting on this signal to stop.
    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }

    /// Whether shutdown was requested.
    pub fn is_requested(&self) -> bool {
        *self.tx.borrow()
    }

    /// Resolves once shutdown was requested.
    pub async fn requested(self) {
        let mut rx = self.tx.subscribe();
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
        }
        _ => {
            tracing::error!("cannot install signal handlers; falling back to Ctrl-C only");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
