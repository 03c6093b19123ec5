//! HelmCharts from a Bucket whose `Chart.yaml` names `oci://` and `http://` dependency
//! repositories, fetched with the credentials of the matching HelmRepositories.

use std::collections::BTreeMap;

use flux_api::source::{Bucket, HelmChart, HelmRepository};
use flux_testkit::registry::{HelmRepoServer, OciRegistry, S3Server, chart_tgz};
use serde_json::json;

use super::chart_files;
use super::support::{chart_client, condition, download_bytes, push_chart, setup, untar};

/// `oci://` and `http://` dependencies of a chart from a Bucket: fetched with the
/// credentials of the HelmRepository whose URL matches.
#[tokio::test]
async fn remote_dependencies_of_charts_from_a_bucket() {
    let ctx = setup("src-helm-ocideps").await;
    let registry = OciRegistry::start(Some(("flux", "deps"))).await.unwrap();
    let client = chart_client(&registry, "deps/lib", ("flux", "deps"));
    let mut lib = BTreeMap::new();
    for v in ["1.0.0", "1.2.0", "2.0.0"] {
        let bytes = chart_tgz(&chart_files("lib", v)).unwrap();
        push_chart(&client, v, bytes.clone()).await;
        lib.insert(v, bytes);
    }
    let repo_url = format!("oci://{}/deps", registry.host());
    let app = |name: &str, constraint: &str| {
        format!(
            "apiVersion: v2\nname: {name}\nversion: 0.1.0\ndependencies:\n- name: lib\n  version: \"{constraint}\"\n  repository: {repo_url}/\n"
        )
    };
    let http = HelmRepoServer::start(Some(("helm", "http-deps"))).unwrap();
    let web = http.add_chart("web", "3.1.0", "").unwrap();
    let s3 = S3Server::start("AK", "SK-secret").unwrap();
    s3.create_bucket("charts").unwrap();
    s3.put_object(
        "charts",
        "from-http/Chart.yaml",
        format!(
            "apiVersion: v2\nname: from-http\nversion: 0.1.0\ndependencies:\n- name: web\n  version: \">=3.0.0\"\n  repository: {}\n",
            http.url()
        )
        .as_bytes(),
    )
    .unwrap();
    for (name, constraint) in [
        ("ranged", "^1.0.0"),
        ("pinned", "1.0.0"),
        ("missing", "9.9.9"),
    ] {
        s3.put_object(
            "charts",
            &format!("{name}/Chart.yaml"),
            app(name, constraint).as_bytes(),
        )
        .unwrap();
        s3.put_object("charts", &format!("{name}/values.yaml"), b"a: 1\n")
            .unwrap();
    }
    ctx.secret("s3", &[("accesskey", "AK"), ("secretkey", "SK-secret")])
        .await;
    ctx.secret("oci-creds", &[("username", "flux"), ("password", "deps")])
        .await;
    ctx.secret(
        "http-creds",
        &[("username", "helm"), ("password", "http-deps")],
    )
    .await;
    ctx.create::<HelmRepository>(
        "http-deps",
        json!({"url": format!("{}/", http.url()), "interval": "1m",
               "secretRef": {"name": "http-creds"}}),
    )
    .await;
    ctx.create::<Bucket>(
        "charts",
        json!({"bucketName": "charts", "endpoint": s3.endpoint(), "insecure": true,
               "interval": "1m", "secretRef": {"name": "s3"}}),
    )
    .await;
    ctx.create::<HelmRepository>(
        "deps",
        json!({"url": repo_url, "type": "oci", "insecure": true, "interval": "1m",
               "secretRef": {"name": "oci-creds"}}),
    )
    .await;
    for name in ["ranged", "pinned", "missing"] {
        ctx.create::<HelmChart>(
            name,
            json!({"chart": name, "interval": "1m",
                   "sourceRef": {"kind": "Bucket", "name": "charts"}}),
        )
        .await;
    }

    for (name, version) in [("ranged", "1.2.0"), ("pinned", "1.0.0")] {
        let chart = ctx.ready::<HelmChart>(name).await;
        let packaged = untar(&download_bytes(&chart).await);
        let dep = format!("{name}/charts/lib-{version}.tgz");
        assert!(packaged.contains_key(&dep), "{:?}", packaged.keys());
        let raw = untar_raw(&download_bytes(&chart).await, &dep);
        assert_eq!(raw, lib[version], "{dep} is the pushed chart");
    }
    // The HTTP dependency comes through the HelmRepository's credentials, and its index
    // from that HelmRepository's stored artifact: only the chart is downloaded.
    ctx.ready::<HelmRepository>("http-deps").await;
    let before = http.requests();
    ctx.create::<HelmChart>(
        "from-http",
        json!({"chart": "from-http", "interval": "1m",
               "sourceRef": {"kind": "Bucket", "name": "charts"}}),
    )
    .await;
    let chart = ctx.ready::<HelmChart>("from-http").await;
    let raw = untar_raw(
        &download_bytes(&chart).await,
        "from-http/charts/web-3.1.0.tgz",
    );
    assert_eq!(raw, web);
    assert_eq!(http.requests() - before, 1, "only the chart was downloaded");
    let obj = ctx
        .failing::<HelmChart>("missing", "BuildFailed", "BuildFailed")
        .await;
    let cond = condition(&obj, "BuildFailed").unwrap();
    assert!(
        cond.2.contains("dependency 'lib'") && cond.2.contains("9.9.9"),
        "{cond:?}"
    );
    assert!(obj["status"]["artifact"].is_null());
}

/// The bytes of one file in a `.tgz`.
fn untar_raw(tgz: &[u8], path: &str) -> Vec<u8> {
    use std::io::Read;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tgz));
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().to_string_lossy() == path {
            let mut out = Vec::new();
            entry.read_to_end(&mut out).unwrap();
            return out;
        }
    }
    panic!("{path} not in the archive");
}
