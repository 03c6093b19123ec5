//! Events: recorded as Kubernetes Events and, when `--events-addr` is set, POSTed to
//! notification-controller in Flux's event JSON format.

use std::collections::BTreeMap;
use std::time::Duration;

use flux_api::constants::EVENT_ANNOTATION_PREFIX;
use flux_api::event::{
    Event as FluxEvent, MAX_MESSAGE_LENGTH, SEVERITY_ERROR, SEVERITY_INFO, SEVERITY_TRACE,
};
use k8s_openapi::api::core::v1::ObjectReference;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};

/// How severe an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Kept local as a Normal Kubernetes event; never forwarded.
    Trace,
    /// A Normal event, forwarded as `info`.
    Info,
    /// A Warning event, forwarded as `error`.
    Error,
}

impl Severity {
    fn flux(self) -> &'static str {
        match self {
            Severity::Trace => SEVERITY_TRACE,
            Severity::Info => SEVERITY_INFO,
            Severity::Error => SEVERITY_ERROR,
        }
    }

    fn kubernetes(self) -> EventType {
        match self {
            Severity::Error => EventType::Warning,
            _ => EventType::Normal,
        }
    }
}

/// One event about an object.
#[derive(Debug, Clone)]
pub struct EventRecord<'a> {
    /// The object the event is about (apiVersion, kind, name, namespace, uid).
    pub object: ObjectReference,
    /// The object's annotations; `event.toolkit.fluxcd.io/*` ones are copied into metadata.
    pub annotations: Option<&'a BTreeMap<String, String>>,
    /// Severity.
    pub severity: Severity,
    /// A Flux reason.
    pub reason: &'a str,
    /// The message for people.
    pub message: &'a str,
    /// Metadata keys without the group prefix (e.g. `revision`); the recorder prefixes them
    /// with the object's API group.
    pub metadata: BTreeMap<String, String>,
}

/// Records events for one controller.
#[derive(Clone)]
pub struct EventRecorder {
    controller: String,
    instance: String,
    kubernetes: Recorder,
    forward: Option<(reqwest::Client, String)>,
}

impl EventRecorder {
    /// A recorder for `controller`; `events_addr` is the notification-controller URL
    /// (empty: no forwarding).
    pub fn new(client: kube::Client, controller: &str, events_addr: &str) -> Self {
        let instance = crate::hostname();
        let reporter = Reporter {
            controller: controller.to_string(),
            instance: Some(instance.clone()),
        };
        let forward = (!events_addr.is_empty()).then(|| {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default();
            (http, events_addr.to_string())
        });
        EventRecorder {
            controller: controller.to_string(),
            instance,
            kubernetes: Recorder::new(client, reporter),
            forward,
        }
    }

    /// Records the event. Failures are logged, never returned: an event must not fail
    /// a reconcile.
    pub async fn record(&self, record: EventRecord<'_>) {
        let message = truncate(record.message, 1024);
        let event = Event {
            type_: record.severity.kubernetes(),
            reason: record.reason.to_string(),
            note: Some(message),
            action: "Reconcile".to_string(),
            secondary: None,
        };
        if let Err(e) = self.kubernetes.publish(&event, &record.object).await {
            tracing::warn!(error = %e, name = ?record.object.name, "recording Kubernetes event");
        }
        if record.severity == Severity::Trace {
            return;
        }
        if let Some((http, url)) = &self.forward {
            let body = self.flux_event(&record);
            match http.post(url).json(&body).send().await {
                Ok(resp) if resp.status().is_success() || resp.status().as_u16() == 429 => {}
                Ok(resp) => tracing::warn!(status = %resp.status(), url = %url, "forwarding event"),
                Err(e) => tracing::warn!(error = %e, url = %url, "forwarding event"),
            }
        }
    }

    /// The Flux event JSON for a record.
    pub fn flux_event(&self, record: &EventRecord<'_>) -> FluxEvent {
        flux_event(&self.controller, &self.instance, record)
    }
}

/// Builds Flux's event payload: metadata keys prefixed with the object's API group, plus
/// `event.toolkit.fluxcd.io/*` annotations of the object.
pub fn flux_event(controller: &str, instance: &str, record: &EventRecord<'_>) -> FluxEvent {
    let group = record
        .object
        .api_version
        .as_deref()
        .and_then(|v| v.split_once('/'))
        .map(|(g, _)| g)
        .unwrap_or_default();
    let mut metadata: BTreeMap<String, String> = record
        .metadata
        .iter()
        .map(|(k, v)| (format!("{group}/{k}"), v.clone()))
        .collect();
    if let Some(annotations) = record.annotations {
        for (k, v) in annotations {
            if k.starts_with(EVENT_ANNOTATION_PREFIX) {
                metadata.insert(k.clone(), v.clone());
            }
        }
    }
    FluxEvent {
        involved_object: record.object.clone(),
        severity: record.severity.flux().to_string(),
        timestamp: k8s_openapi::jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        message: truncate(record.message, MAX_MESSAGE_LENGTH),
        reason: record.reason.to_string(),
        metadata,
        reporting_controller: controller.to_string(),
        reporting_instance: instance.to_string(),
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub(3);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flux_event_prefixes_metadata_and_copies_event_annotations() {
        let annotations = BTreeMap::from([
            (
                "event.toolkit.fluxcd.io/env".to_string(),
                "prod".to_string(),
            ),
            ("other/annotation".to_string(), "x".to_string()),
        ]);
        let record = EventRecord {
            object: ObjectReference {
                api_version: Some("source.toolkit.fluxcd.io/v1".into()),
                kind: Some("GitRepository".into()),
                name: Some("podinfo".into()),
                namespace: Some("flux-system".into()),
                ..Default::default()
            },
            annotations: Some(&annotations),
            severity: Severity::Info,
            reason: "NewArtifact",
            message: "stored artifact for commit 'Initial'",
            metadata: BTreeMap::from([("revision".to_string(), "main@sha1:abc".to_string())]),
        };
        let event = flux_event("source-controller", "pod-1", &record);
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["severity"], "info");
        assert_eq!(json["reportingController"], "source-controller");
        assert_eq!(
            json["metadata"]["source.toolkit.fluxcd.io/revision"],
            "main@sha1:abc"
        );
        assert_eq!(json["metadata"]["event.toolkit.fluxcd.io/env"], "prod");
        assert!(json["metadata"].get("other/annotation").is_none());
        assert_eq!(json["involvedObject"]["kind"], "GitRepository");
        assert!(json["timestamp"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn messages_are_truncated() {
        assert_eq!(truncate("abcdef", 5), "ab...");
        assert_eq!(truncate("abc", 5), "abc");
    }
}
