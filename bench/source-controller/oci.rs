//! The OCIRepository scenario of fluxcd/flux-benchmark (../shared/reference/perf-anchors.md
//! §1): one artifact (podinfo's four manifests) pushed to a local registry as tag
//! `latest`, then N OCIRepositories (interval 60m, `insecure: true`, that URL and tag) in
//! one namespace; measures the time until all are `Ready=True`, the controller's peak RSS
//! and CPU seconds, and the API server requests. The controller runs with flux-benchmark's
//! `--concurrent=10` and Flux's `--kube-api-qps=50 --kube-api-burst=300`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use flux_api::source::OCIRepository;
use flux_artifact::storage::Storage;
use flux_oci::{ClientOptions, FLUX_CONFIG_MEDIA_TYPE, FLUX_CONTENT_MEDIA_TYPE, OciClient, OciUrl};
use flux_testkit::registry::OciRegistry;
use flux_testkit::{ControlPlane, test_namespace};
use kube::Api;
use kube::api::{ListParams, PostParams};
use serde_json::json;

use super::common::{PODINFO, apiserver_requests, report_requests, usage};
use super::{Cli, start_controller};

fn ready(o: &OCIRepository) -> bool {
    o.status.as_ref().is_some_and(|s| {
        s.conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True")
    })
}

/// The podinfo manifests as a Flux content layer (tar+gzip).
fn layer() -> Vec<u8> {
    let content = tempfile::tempdir().unwrap();
    std::fs::write(content.path().join("podinfo.yaml"), PODINFO).unwrap();
    let root = tempfile::tempdir().unwrap();
    let storage = Storage::new(root.path(), "127.0.0.1:0").unwrap();
    let mut artifact = storage
        .artifact_for("bench", "bench", "podinfo", "latest", "podinfo.tar.gz")
        .unwrap();
    storage
        .archive(&mut artifact, content.path(), None)
        .unwrap();
    std::fs::read(storage.local_path(&artifact).unwrap()).unwrap()
}

/// Runs the scenario and prints a Markdown table row.
pub async fn run(cli: &Cli, cp: &ControlPlane, client: &kube::Client) {
    let ns = test_namespace(client, "oci-benchmark").await;
    let registry = OciRegistry::start(None).await.unwrap();
    let url = registry.oci_url("manifests/podinfo");
    let oci = OciClient::new(
        OciUrl::parse(&url).unwrap(),
        ClientOptions {
            insecure: true,
            ..Default::default()
        },
    )
    .unwrap();
    let annotations = BTreeMap::from([(
        "org.opencontainers.image.revision".to_string(),
        "6.5.3@sha1:0123456789abcdef0123456789abcdef01234567".to_string(),
    )]);
    oci.push(
        "latest",
        layer(),
        FLUX_CONTENT_MEDIA_TYPE,
        FLUX_CONFIG_MEDIA_TYPE,
        annotations,
    )
    .await
    .unwrap();

    let work = tempfile::tempdir().unwrap();
    let log = work.path().join("controller.log");
    let mut child = start_controller(cli, cp, work.path(), cli.concurrent.unwrap_or(10));
    let pid = child.id();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle_hwm, _, idle_cpu) = usage(pid);

    let requests_before = apiserver_requests(client).await;
    let mut driver_requests = 1.0;
    let api: Api<OCIRepository> = Api::namespaced(client.clone(), &ns);
    let started = Instant::now();
    for i in 0..cli.count {
        let obj: OCIRepository = serde_json::from_value(json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository",
            "metadata": {"name": format!("podinfo-{i}")},
            "spec": {"url": url, "interval": "60m", "insecure": true, "ref": {"tag": "latest"}}
        }))
        .unwrap();
        api.create(&PostParams::default(), &obj).await.unwrap();
        driver_requests += 1.0;
    }
    loop {
        let list = api.list(&ListParams::default()).await.unwrap();
        driver_requests += 1.0;
        if list.items.iter().filter(|o| ready(o)).count() == cli.count {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "controller exited; log {}",
            log.display()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let elapsed = started.elapsed();
    let (hwm, _, cpu) = usage(pid);
    let after = apiserver_requests(client).await;
    let requests = report_requests(&requests_before, &after) - driver_requests;
    println!(
        "| {} | {:.1} s | {:.1} MiB (idle {:.1} MiB) | {:.1} s | {:.0} ({:.1} per OCIRepository) |",
        cli.count,
        elapsed.as_secs_f64(),
        hwm as f64 / 1024.0,
        idle_hwm as f64 / 1024.0,
        cpu - idle_cpu,
        requests,
        requests / cli.count as f64
    );
    let _ = child.kill();
    let _ = child.wait();
}
