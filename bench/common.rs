//! Shared by the benchmark drivers (each includes it with `#[path]`): fluxcd/flux-benchmark's
//! podinfo manifests, a process's memory and CPU from `/proc`, and the API server's request
//! counters.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::process::Command;

use kube::api::ListParams;

pub const PODINFO: &str = r#"apiVersion: v1
kind: ServiceAccount
metadata:
  name: podinfo-${INDEX}
---
apiVersion: v1
kind: Service
metadata:
  name: podinfo-${INDEX}
spec:
  clusterIP: None
  selector:
    app: podinfo-${INDEX}
  ports:
  - name: http
    port: 9898
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo-${INDEX}
spec:
  replicas: ${PODS:=0}
  selector:
    matchLabels:
      app: podinfo-${INDEX}
  template:
    metadata:
      labels:
        app: podinfo-${INDEX}
    spec:
      serviceAccountName: podinfo-${INDEX}
      containers:
      - name: podinfo
        image: ghcr.io/stefanprodan/podinfo:6.5.3
        resources:
          requests:
            cpu: ${MCPU}m
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: podinfo-${INDEX}
spec:
  rules:
  - host: podinfo-${INDEX}.example.invalid
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: podinfo-${INDEX}
            port:
              number: 9898
"#;

/// (VmHWM KiB, VmRSS KiB, CPU seconds) of a process.
pub fn usage(pid: u32) -> (u64, u64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib = |key: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) ".
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let hz = String::from_utf8(
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .parse::<f64>()
    .unwrap_or(100.0);
    (kib("VmHWM:"), kib("VmRSS:"), ticks as f64 / hz)
}

/// `apiserver_request_total` by verb, resource and subresource (dry runs apart).
pub async fn apiserver_requests(client: &kube::Client) -> BTreeMap<String, f64> {
    // `GET /metrics` through kube's request builder.
    let req = kube::core::Request::new("/metrics")
        .list(&ListParams::default())
        .unwrap();
    let text = client.request_text(req).await.unwrap();
    let mut by_kind = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| l.starts_with("apiserver_request_total{"))
    {
        let Some(value) = line.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()) else {
            continue;
        };
        let label = |name: &str| {
            line.split(&format!("{name}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_default()
                .to_string()
        };
        let mut key = format!("{} {}", label("verb"), label("resource"));
        let sub = label("subresource");
        if !sub.is_empty() {
            key = format!("{key}/{sub}");
        }
        if !label("dry_run").is_empty() {
            key.push_str(" (dry run)");
        }
        *by_kind.entry(key).or_insert(0.0) += value;
    }
    by_kind
}

/// The requests between two samples of [`apiserver_requests`], largest first, printed to
/// stderr (the driver's own creates and lists included); returns their sum.
pub fn report_requests(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>) -> f64 {
    let mut delta: Vec<(String, f64)> = after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0.0)))
        .filter(|(_, d)| *d > 0.0)
        .collect();
    delta.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (key, d) in &delta {
        eprintln!("{d:>8.0}  {key}");
    }
    delta.iter().map(|(_, d)| d).sum()
}
