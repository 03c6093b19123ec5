//! Leader election on a `coordination.k8s.io/v1` Lease, as controller-runtime does it for
//! Flux: the Lease `<controller>-leader-election` in the runtime namespace, suffixed with
//! the first 8 hex digits of sha256(selector) when `--watch-label-selector` shards.

use std::time::Duration;

use clap::Args;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::api::{ObjectMeta, PostParams};
use sha2::{Digest, Sha256};

use crate::reconcile::parse_duration;
use crate::shutdown::Shutdown;

/// Leader election flags.
#[derive(Debug, Clone, Args)]
pub struct LeaderElectionOptions {
    /// Enable leader election for the controller manager.
    #[arg(long = "enable-leader-election", default_value_t = false)]
    pub enable: bool,
    /// How long non-leaders wait before trying to take over an unrenewed lease.
    #[arg(long = "leader-election-lease-duration", default_value = "35s", value_parser = parse_duration)]
    pub lease_duration: Duration,
    /// How long the leader keeps retrying to renew before giving up leadership.
    #[arg(long = "leader-election-renew-deadline", default_value = "30s", value_parser = parse_duration)]
    pub renew_deadline: Duration,
    /// How long to wait between acquire and renew attempts.
    #[arg(long = "leader-election-retry-period", default_value = "5s", value_parser = parse_duration)]
    pub retry_period: Duration,
    /// Release the lease on shutdown so another replica takes over at once.
    #[arg(long = "leader-election-release-on-cancel", default_value_t = true, action = clap::ArgAction::Set)]
    pub release_on_cancel: bool,
}

/// The Lease name for a controller and its (possibly empty) watch label selector.
pub fn lease_name(controller: &str, watch_label_selector: &str) -> String {
    if watch_label_selector.is_empty() {
        return format!("{controller}-leader-election");
    }
    let digest = hex::encode(Sha256::digest(watch_label_selector.as_bytes()));
    format!("{controller}-leader-election-{}", &digest[..8])
}

/// A unique identity for this process: hostname plus a random suffix.
pub fn identity() -> String {
    use std::hash::{BuildHasher, Hasher};
    let host = crate::hostname();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("{host}_{:016x}", h.finish())
}

/// Errors of leader election.
#[derive(Debug, thiserror::Error)]
pub enum LeaderError {
    /// The Lease API failed in a way that retrying will not fix.
    #[error("leader election on Lease {namespace}/{name}: {source}")]
    Api {
        /// Lease namespace.
        namespace: String,
        /// Lease name.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// Shutdown was requested before leadership was acquired.
    #[error("shutdown requested before leadership was acquired")]
    Cancelled,
}

/// Holds leadership; renews it in the background.
pub struct Leadership {
    lost: Shutdown,
}

impl Leadership {
    /// Resolves when leadership is lost (renewal failed for longer than the renew deadline).
    pub async fn lost(&self) {
        self.lost.clone().requested().await;
    }
}

/// Blocks until this process holds the Lease, then keeps renewing it until `shutdown`;
/// releases it on shutdown when configured.
pub async fn acquire(
    client: kube::Client,
    namespace: &str,
    name: &str,
    opts: &LeaderElectionOptions,
    shutdown: Shutdown,
) -> Result<Leadership, LeaderError> {
    let api: Api<Lease> = Api::namespaced(client, namespace);
    let me = identity();
    let api_error = |source| LeaderError::Api {
        namespace: namespace.to_string(),
        name: name.to_string(),
        source,
    };
    tracing::info!(lease = %format!("{namespace}/{name}"), identity = %me, "attempting to acquire leader lease");
    loop {
        if shutdown.is_requested() {
            return Err(LeaderError::Cancelled);
        }
        match try_acquire_or_renew(&api, name, &me, opts).await {
            Ok(true) => break,
            Ok(false) => {}
            Err(kube::Error::Api(s)) if s.code == 403 || s.code == 401 => {
                return Err(api_error(kube::Error::Api(s)));
            }
            Err(e) => tracing::warn!(error = %e, "acquiring leader lease"),
        }
        tokio::select! {
            _ = tokio::time::sleep(opts.retry_period) => {},
            _ = shutdown.clone().requested() => return Err(LeaderError::Cancelled),
        }
    }
    tracing::info!(lease = %format!("{namespace}/{name}"), identity = %me, "successfully acquired lease");
    let lost = Shutdown::new();
    let renewal = RenewLoop {
        api,
        name: name.to_string(),
        me,
        opts: opts.clone(),
        lost: lost.clone(),
    };
    tokio::spawn(renewal.run(shutdown));
    Ok(Leadership { lost })
}

struct RenewLoop {
    api: Api<Lease>,
    name: String,
    me: String,
    opts: LeaderElectionOptions,
    lost: Shutdown,
}

impl RenewLoop {
    async fn run(self, shutdown: Shutdown) {
        let mut last_renew = tokio::time::Instant::now();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(self.opts.retry_period) => {},
                _ = shutdown.clone().requested() => {
                    if self.opts.release_on_cancel {
                        self.release().await;
                    }
                    return;
                }
            }
            match try_acquire_or_renew(&self.api, &self.name, &self.me, &self.opts).await {
                Ok(true) => last_renew = tokio::time::Instant::now(),
                Ok(false) => {
                    tracing::error!(lease = %self.name, "leader lease taken by another holder");
                    self.lost.trigger();
                    return;
                }
                Err(e) => tracing::warn!(error = %e, "renewing leader lease"),
            }
            if last_renew.elapsed() > self.opts.renew_deadline {
                tracing::error!(lease = %self.name, "failed to renew leader lease within the renew deadline");
                self.lost.trigger();
                return;
            }
        }
    }

    async fn release(&self) {
        let Ok(mut lease) = self.api.get(&self.name).await else {
            return;
        };
        let spec = lease.spec.get_or_insert_with(Default::default);
        if spec.holder_identity.as_deref() != Some(self.me.as_str()) {
            return;
        }
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        if let Err(e) = self
            .api
            .replace(&self.name, &PostParams::default(), &lease)
            .await
        {
            tracing::warn!(error = %e, "releasing leader lease");
        } else {
            tracing::info!(lease = %self.name, "released leader lease");
        }
    }
}

/// One attempt: create the Lease, renew it when ours, or take it over when expired.
/// Returns whether we hold it. Conflicts (another replica won the race) are `Ok(false)`.
async fn try_acquire_or_renew(
    api: &Api<Lease>,
    name: &str,
    me: &str,
    opts: &LeaderElectionOptions,
) -> Result<bool, kube::Error> {
    let now = Timestamp::now();
    let lease_seconds = i32::try_from(opts.lease_duration.as_secs()).unwrap_or(i32::MAX);
    let existing = match api.get_opt(name).await? {
        Some(lease) => lease,
        None => {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(name.to_string()),
                    ..Default::default()
                },
                spec: Some(LeaseSpec {
                    holder_identity: Some(me.to_string()),
                    lease_duration_seconds: Some(lease_seconds),
                    acquire_time: Some(MicroTime(now)),
                    renew_time: Some(MicroTime(now)),
                    lease_transitions: Some(0),
                    ..Default::default()
                }),
            };
            return match api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(true),
                Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
                Err(e) => Err(e),
            };
        }
    };
    let mut lease = existing;
    let spec = lease.spec.get_or_insert_with(Default::default);
    let holder = spec.holder_identity.clone().unwrap_or_default();
    let ours = holder == me;
    if !ours && !holder.is_empty() && !expired(spec, now) {
        return Ok(false);
    }
    if !ours {
        spec.acquire_time = Some(MicroTime(now));
        spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
        spec.holder_identity = Some(me.to_string());
    }
    spec.renew_time = Some(MicroTime(now));
    spec.lease_duration_seconds = Some(lease_seconds);
    match api.replace(name, &PostParams::default(), &lease).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
        Err(e) => Err(e),
    }
}

fn expired(spec: &LeaseSpec, now: Timestamp) -> bool {
    let Some(renew) = spec.renew_time.as_ref().or(spec.acquire_time.as_ref()) else {
        return true;
    };
    let duration = i64::from(spec.lease_duration_seconds.unwrap_or(0));
    match renew
        .0
        .checked_add(k8s_openapi::jiff::SignedDuration::from_secs(duration))
    {
        Ok(deadline) => deadline < now,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_names_follow_flux() {
        assert_eq!(
            lease_name("source-controller", ""),
            "source-controller-leader-election"
        );
        let sharded = lease_name("source-controller", "sharding.fluxcd.io/key=shard1");
        assert!(sharded.starts_with("source-controller-leader-election-"));
        assert_eq!(
            sharded.len(),
            "source-controller-leader-election-".len() + 8
        );
        assert_ne!(
            sharded,
            lease_name("source-controller", "sharding.fluxcd.io/key=shard2")
        );
    }

    #[test]
    fn expiry_uses_renew_time_and_duration() {
        let now = Timestamp::now();
        let old = now
            .checked_sub(k8s_openapi::jiff::SignedDuration::from_secs(60))
            .unwrap();
        let spec = LeaseSpec {
            renew_time: Some(MicroTime(old)),
            lease_duration_seconds: Some(35),
            ..Default::default()
        };
        assert!(expired(&spec, now));
        let fresh = LeaseSpec {
            renew_time: Some(MicroTime(now)),
            lease_duration_seconds: Some(35),
            ..Default::default()
        };
        assert!(!expired(&fresh, now));
        assert!(expired(&LeaseSpec::default(), now));
    }
}
