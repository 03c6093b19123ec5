//! Scenario: source-controller reconciles HelmRepositories and HelmCharts against real
//! servers: Helm repositories over HTTP with basic auth, a real OCI registry, Git and
//! S3, on the real control plane. A HelmChart is built from each source kind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "source_helm/dependencies.rs"]
mod dependencies;
#[path = "source_helm/support.rs"]
mod support;

use std::collections::BTreeMap;

use flux_api::source::{Bucket, GitRepository, HelmChart, HelmRepository};
use flux_testkit::git::GitServer;
use flux_testkit::registry::{
    ChartFile, CosignKeyPair, HelmRepoServer, OciRegistry, S3Server, chart_tgz,
};
use serde_json::json;
use sha2::Digest;
use support::{chart_client, condition, download_bytes, push_chart, revision, setup, untar};

pub(crate) fn chart_files(name: &str, version: &str) -> Vec<ChartFile> {
    vec![
        ChartFile::File(
            format!("{name}/Chart.yaml"),
            format!("apiVersion: v2\nname: {name}\nversion: {version}\n").into_bytes(),
        ),
        ChartFile::File(
            format!("{name}/values.yaml"),
            b"replicaCount: 1\nimage: {tag: v1}\n".to_vec(),
        ),
        ChartFile::File(
            format!("{name}/values-prod.yaml"),
            b"replicaCount: 3\n".to_vec(),
        ),
        ChartFile::File(
            format!("{name}/templates/cm.yaml"),
            b"kind: ConfigMap\n".to_vec(),
        ),
    ]
}

#[tokio::test]
async fn http_repository_with_basic_auth_and_charts_from_it() {
    let ctx = setup("src-helm-http").await;
    let repo = HelmRepoServer::start(Some(("helm", "s3cret"))).unwrap();
    for v in ["6.0.0", "6.0.1", "6.1.0"] {
        repo.add_archive(
            "podinfo",
            v,
            &chart_tgz(&chart_files("podinfo", v)).unwrap(),
        )
        .unwrap();
    }
    ctx.secret(
        "helm-creds",
        &[("username", "helm"), ("password", "s3cret")],
    )
    .await;
    ctx.create::<HelmRepository>(
        "podinfo",
        json!({"url": repo.url(), "interval": "1m", "secretRef": {"name": "helm-creds"}}),
    )
    .await;
    let obj = ctx.ready::<HelmRepository>("podinfo").await;
    let index = std::fs::read(repo.dir().join("index.yaml")).unwrap();
    let hex = hex::encode(sha2::Sha256::digest(&index));
    assert_eq!(revision(&obj), format!("sha256:{hex}"));
    assert_eq!(
        obj["status"]["artifact"]["path"],
        format!("helmrepository/{}/podinfo/index-{hex}.yaml", ctx.ns).as_str()
    );
    assert!(
        obj["status"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/index.yaml")
    );
    assert_eq!(download_bytes(&obj).await, index);

    // A chart by range, stored verbatim.
    ctx.create::<HelmChart>(
        "podinfo",
        json!({"chart": "podinfo", "version": "6.0.x", "interval": "1m",
               "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}),
    )
    .await;
    let chart = ctx.ready::<HelmChart>("podinfo").await;
    assert_eq!(revision(&chart), "6.0.1");
    assert_eq!(
        chart["status"]["artifact"]["path"],
        format!("helmchart/{}/podinfo/podinfo-6.0.1.tgz", ctx.ns).as_str()
    );
    assert_eq!(chart["status"]["observedChartName"], "podinfo");
    assert_eq!(
        download_bytes(&chart).await,
        std::fs::read(repo.dir().join("podinfo-6.0.1.tgz")).unwrap()
    );

    // valuesFiles: merged into values.yaml, version gets +<generation>.
    ctx.create::<HelmChart>(
        "podinfo-prod",
        json!({"chart": "podinfo", "version": ">=6.0.0 <7", "interval": "1m",
               "valuesFiles": ["values.yaml", "values-prod.yaml", "missing.yaml"],
               "ignoreMissingValuesFiles": true,
               "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}),
    )
    .await;
    let chart = ctx.ready::<HelmChart>("podinfo-prod").await;
    assert_eq!(revision(&chart), "6.1.0+1");
    assert_eq!(
        chart["status"]["observedValuesFiles"],
        json!(["values.yaml", "values-prod.yaml"])
    );
    let files = untar(&download_bytes(&chart).await);
    assert_eq!(
        files["podinfo/values.yaml"],
        "replicaCount: 3\nimage:\n  tag: v1\n"
    );
    assert!(files["podinfo/Chart.yaml"].contains("version: 6.1.0+1"));

    // A missing version and a missing values file give clear conditions.
    ctx.create::<HelmChart>(
        "nope",
        json!({"chart": "podinfo", "version": ">=9", "interval": "1m",
               "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}),
    )
    .await;
    let obj = ctx
        .failing::<HelmChart>("nope", "BuildFailed", "BuildFailed")
        .await;
    let message = condition(&obj, "BuildFailed").unwrap().2;
    assert!(
        message.contains("no 'podinfo' chart with version matching '>=9'"),
        "{message}"
    );
    ctx.create::<HelmChart>(
        "novalues",
        json!({"chart": "podinfo", "interval": "1m", "valuesFiles": ["absent.yaml"],
               "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}),
    )
    .await;
    let obj = ctx
        .failing::<HelmChart>("novalues", "BuildFailed", "BuildFailed")
        .await;
    assert!(
        condition(&obj, "BuildFailed")
            .unwrap()
            .2
            .contains("absent.yaml")
    );

    // Wrong credentials.
    ctx.secret("bad-creds", &[("username", "helm"), ("password", "wrong")])
        .await;
    ctx.create::<HelmRepository>(
        "badauth",
        json!({"url": repo.url(), "interval": "1m", "secretRef": {"name": "bad-creds"}}),
    )
    .await;
    let obj = ctx
        .failing::<HelmRepository>("badauth", "FetchFailed", "AuthenticationFailed")
        .await;
    assert!(condition(&obj, "FetchFailed").unwrap().2.contains("401"));
}

#[tokio::test]
async fn corrupt_index_and_unsafe_charts_give_conditions() {
    let ctx = setup("src-helm-bad").await;
    let corrupt = HelmRepoServer::start(None).unwrap();
    corrupt
        .put_file("index.yaml", b"apiVersion: v1\nentries: [unclosed\n")
        .unwrap();
    ctx.create::<HelmRepository>("corrupt", json!({"url": corrupt.url(), "interval": "1m"}))
        .await;
    let obj = ctx
        .failing::<HelmRepository>("corrupt", "FetchFailed", "IndexationFailed")
        .await;
    assert!(obj["status"]["artifact"].is_null());
    assert!(
        condition(&obj, "FetchFailed")
            .unwrap()
            .2
            .contains("invalid Helm repository index")
    );

    let evil = HelmRepoServer::start(None).unwrap();
    let mut traversal = chart_files("evil", "1.0.0");
    traversal.push(ChartFile::File(
        "evil/../../escape.yaml".into(),
        b"x".to_vec(),
    ));
    evil.add_archive("evil", "1.0.0", &chart_tgz(&traversal).unwrap())
        .unwrap();
    let mut symlink = chart_files("evil", "1.0.1");
    symlink.push(ChartFile::Symlink(
        "evil/templates/link.yaml".into(),
        "/etc/passwd".into(),
    ));
    evil.add_archive("evil", "1.0.1", &chart_tgz(&symlink).unwrap())
        .unwrap();
    ctx.create::<HelmRepository>("evil", json!({"url": evil.url(), "interval": "1m"}))
        .await;
    ctx.ready::<HelmRepository>("evil").await;
    for (name, version, expected) in [
        ("traversal", "1.0.0", "leaves the chart directory"),
        ("symlink", "1.0.1", "links are not allowed"),
    ] {
        ctx.create::<HelmChart>(
            name,
            json!({"chart": "evil", "version": version, "interval": "1m",
                   "sourceRef": {"kind": "HelmRepository", "name": "evil"}}),
        )
        .await;
        let obj = ctx
            .failing::<HelmChart>(name, "BuildFailed", "BuildFailed")
            .await;
        let message = condition(&obj, "BuildFailed").unwrap().2;
        assert!(message.contains(expected), "{name}: {message}");
    }
}

#[tokio::test]
async fn charts_from_an_oci_helm_repository_with_cosign() {
    let ctx = setup("src-helm-oci").await;
    let registry = OciRegistry::start(Some(("flux", "oci"))).await.unwrap();
    let client = chart_client(&registry, "charts/app", ("flux", "oci"));
    let mut digests = BTreeMap::new();
    for v in ["0.1.0", "0.2.0"] {
        let d = push_chart(&client, v, chart_tgz(&chart_files("app", v)).unwrap()).await;
        digests.insert(v, d);
    }
    // Signed by the real cosign CLI: 0.1.0 with the trusted key, 0.3.0 with another one.
    let d030 = push_chart(
        &client,
        "0.3.0",
        chart_tgz(&chart_files("app", "0.3.0")).unwrap(),
    )
    .await;
    let key = CosignKeyPair::generate("chart-key").unwrap();
    key.sign(&registry, "charts/app", &digests["0.1.0"])
        .unwrap();
    let another = CosignKeyPair::generate("another-key").unwrap();
    another.sign(&registry, "charts/app", &d030).unwrap();
    ctx.secret("oci-creds", &[("username", "flux"), ("password", "oci")])
        .await;
    ctx.secret("cosign", &[("cosign.pub", &key.public_key_pem().unwrap())])
        .await;
    ctx.create::<HelmRepository>(
        "oci",
        json!({"url": format!("oci://{}/charts", registry.host()), "type": "oci",
               "insecure": true, "interval": "1m", "secretRef": {"name": "oci-creds"}}),
    )
    .await;
    ctx.ready::<HelmRepository>("oci").await;

    ctx.create::<HelmChart>(
        "latest",
        json!({"chart": "app", "version": "^0.1", "interval": "1m",
               "sourceRef": {"kind": "HelmRepository", "name": "oci"}}),
    )
    .await;
    let chart = ctx.ready::<HelmChart>("latest").await;
    assert_eq!(revision(&chart), "0.1.0");
    ctx.patch_spec::<HelmChart>("latest", json!({"version": ">=0.1.0"}))
        .await;
    let chart = ctx
        .wait::<HelmChart>("latest", "at 0.3.0", |o| revision(o) == "0.3.0")
        .await;
    let files = untar(&download_bytes(&chart).await);
    assert!(files["app/Chart.yaml"].contains("version: 0.3.0"));

    for (name, version) in [
        ("signed", "0.1.0"),
        ("unsigned", "0.2.0"),
        ("other-key", "0.3.0"),
    ] {
        ctx.create::<HelmChart>(
            name,
            json!({"chart": "app", "version": version, "interval": "1m",
                   "verify": {"provider": "cosign", "secretRef": {"name": "cosign"}},
                   "sourceRef": {"kind": "HelmRepository", "name": "oci"}}),
        )
        .await;
    }
    let obj = ctx.ready::<HelmChart>("signed").await;
    assert_eq!(revision(&obj), "0.1.0");
    let verified = condition(&obj, "SourceVerified").unwrap();
    assert_eq!(verified.0, "True");
    assert!(verified.2.contains(&digests["0.1.0"]), "{verified:?}");
    // Another key Secret in the spec verifies again.
    ctx.secret(
        "another-key",
        &[("cosign.pub", &another.public_key_pem().unwrap())],
    )
    .await;
    ctx.patch_spec::<HelmChart>(
        "signed",
        json!({"verify": {"provider": "cosign", "secretRef": {"name": "another-key"}}}),
    )
    .await;
    ctx.failing::<HelmChart>("signed", "SourceVerified", "VerificationError")
        .await;
    let obj = ctx
        .failing::<HelmChart>("unsigned", "SourceVerified", "VerificationError")
        .await;
    let cond = condition(&obj, "SourceVerified").unwrap();
    assert!(cond.2.contains("no signature found"), "{cond:?}");
    assert!(obj["status"]["artifact"].is_null());
    let obj = ctx
        .failing::<HelmChart>("other-key", "SourceVerified", "VerificationError")
        .await;
    let cond = condition(&obj, "SourceVerified").unwrap();
    assert!(cond.2.contains("invalid signature"), "{cond:?}");
    assert!(obj["status"]["artifact"].is_null());
}

#[tokio::test]
async fn charts_from_git_and_bucket_sources() {
    let ctx = setup("src-helm-local").await;
    let chart_yaml = "apiVersion: v2\nname: app\nversion: 0.3.0\ndependencies:\n- name: lib\n  version: 1.0.0\n  repository: file://../lib\n";
    let files: Vec<(&str, &str)> = vec![
        ("charts/app/Chart.yaml", chart_yaml),
        ("charts/app/values.yaml", "replicaCount: 1\n"),
        ("charts/app/templates/cm.yaml", "kind: ConfigMap\n"),
        (
            "charts/lib/Chart.yaml",
            "apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n",
        ),
        ("env/prod.yaml", "replicaCount: 5\n"),
    ];

    // From Git, with the Revision strategy and a values file from the repository.
    let git = GitServer::start().await.unwrap();
    let repo = git.create_repo("charts").await.unwrap();
    let commit = repo.commit_files(&files, "charts").await.unwrap();
    ctx.create::<GitRepository>(
        "charts",
        json!({"url": repo.url(), "interval": "1m", "ref": {"branch": "main"}}),
    )
    .await;
    ctx.ready::<GitRepository>("charts").await;
    ctx.create::<HelmChart>(
        "from-git",
        json!({"chart": "charts/app", "interval": "1m", "reconcileStrategy": "Revision",
               "valuesFiles": ["charts/app/values.yaml", "env/prod.yaml"],
               "sourceRef": {"kind": "GitRepository", "name": "charts"}}),
    )
    .await;
    let chart = ctx.ready::<HelmChart>("from-git").await;
    assert_eq!(revision(&chart), format!("0.3.0+{}.1", &commit[..12]));
    assert_eq!(
        chart["status"]["observedSourceArtifactRevision"],
        format!("main@sha1:{commit}").as_str()
    );
    let packaged = untar(&download_bytes(&chart).await);
    assert_eq!(packaged["app/values.yaml"], "replicaCount: 5\n");
    assert!(
        packaged.contains_key("app/charts/lib-1.0.0.tgz"),
        "{:?}",
        packaged.keys()
    );

    // A new commit gives a new chart version with the Revision strategy.
    let second = repo
        .commit_files(&[("env/prod.yaml", "replicaCount: 7\n")], "prod")
        .await
        .unwrap();
    ctx.request_reconcile::<GitRepository>("charts", "1").await;
    let chart = ctx
        .wait::<HelmChart>("from-git", "rebuilt", |o| {
            revision(o) == format!("0.3.0+{}.1", &second[..12])
        })
        .await;
    assert_eq!(
        untar(&download_bytes(&chart).await)["app/values.yaml"],
        "replicaCount: 7\n"
    );

    // From a Bucket, with the default ChartVersion strategy.
    let s3 = S3Server::start("AK", "SK-secret").unwrap();
    s3.create_bucket("charts").unwrap();
    for (path, content) in &files {
        s3.put_object("charts", path, content.as_bytes()).unwrap();
    }
    ctx.secret("s3", &[("accesskey", "AK"), ("secretkey", "SK-secret")])
        .await;
    ctx.create::<Bucket>(
        "charts",
        json!({"bucketName": "charts", "endpoint": s3.endpoint(), "insecure": true,
               "interval": "1m", "secretRef": {"name": "s3"}}),
    )
    .await;
    ctx.ready::<Bucket>("charts").await;
    ctx.create::<HelmChart>(
        "from-bucket",
        json!({"chart": "charts/app", "interval": "1m",
               "sourceRef": {"kind": "Bucket", "name": "charts"}}),
    )
    .await;
    let chart = ctx.ready::<HelmChart>("from-bucket").await;
    assert_eq!(revision(&chart), "0.3.0");
    let packaged = untar(&download_bytes(&chart).await);
    assert_eq!(packaged["app/values.yaml"], "replicaCount: 1\n");

    // A chart path outside the source stalls.
    ctx.create::<HelmChart>(
        "escape",
        json!({"chart": "../../etc", "interval": "1m",
               "sourceRef": {"kind": "Bucket", "name": "charts"}}),
    )
    .await;
    ctx.wait::<HelmChart>("escape", "stalled", |o| {
        condition(o, "Stalled").is_some_and(|c| c.0 == "True")
    })
    .await;
}

#[tokio::test]
async fn https_repository_with_cert_secret_ref() {
    let ctx = setup("src-helm-tls").await;
    let repo = HelmRepoServer::start_tls(None).unwrap();
    repo.add_archive(
        "app",
        "1.0.0",
        &chart_tgz(&chart_files("app", "1.0.0")).unwrap(),
    )
    .unwrap();
    ctx.create::<HelmRepository>("untrusted", json!({"url": repo.url(), "interval": "1m"}))
        .await;
    ctx.failing::<HelmRepository>("untrusted", "FetchFailed", "IndexationFailed")
        .await;
    ctx.secret("tls", &[("ca.crt", repo.ca_pem().unwrap())])
        .await;
    ctx.create::<HelmRepository>(
        "trusted",
        json!({"url": repo.url(), "interval": "1m", "certSecretRef": {"name": "tls"}}),
    )
    .await;
    ctx.ready::<HelmRepository>("trusted").await;
    ctx.create::<HelmChart>(
        "app",
        json!({"chart": "app", "interval": "1m",
               "sourceRef": {"kind": "HelmRepository", "name": "trusted"}}),
    )
    .await;
    let chart = ctx.ready::<HelmChart>("app").await;
    assert_eq!(revision(&chart), "1.0.0");
}
