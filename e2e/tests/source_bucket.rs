//! Scenario: source-controller reconciles Buckets against a real S3 API server (s3s-fs,
//! SigV4 checked) and the real control plane.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "source_helm/support.rs"]
mod support;

use flux_api::source::Bucket;
use flux_testkit::registry::{HttpProxy, S3Server};
use serde_json::json;
use support::{condition, download, revision, setup};

#[tokio::test]
async fn bucket_ready_new_revision_on_change_ignore_and_wrong_credentials() {
    let ctx = setup("src-bucket").await;
    let s3 = S3Server::start("AKFLUX", "SKFLUX-secret").unwrap();
    s3.create_bucket("manifests").unwrap();
    s3.put_object("manifests", "deploy/app.yaml", b"kind: ConfigMap\n")
        .unwrap();
    s3.put_object("manifests", "deploy/notes.txt", b"ignored\n")
        .unwrap();
    s3.put_object("manifests", "other/x.yaml", b"x: 1\n")
        .unwrap();
    ctx.secret(
        "s3-creds",
        &[("accesskey", "AKFLUX"), ("secretkey", "SKFLUX-secret")],
    )
    .await;
    ctx.create::<Bucket>(
        "app",
        json!({
            "bucketName": "manifests", "endpoint": s3.endpoint(), "insecure": true,
            "interval": "2s", "prefix": "deploy/", "ignore": "*.txt",
            "secretRef": {"name": "s3-creds"}
        }),
    )
    .await;
    let obj = ctx.ready::<Bucket>("app").await;
    let first = revision(&obj);
    assert!(first.starts_with("sha256:") && first.len() == 71, "{first}");
    let hex = first.trim_start_matches("sha256:");
    assert_eq!(
        obj["status"]["artifact"]["path"],
        format!("bucket/{}/app/{hex}.tar.gz", ctx.ns).as_str()
    );
    assert_eq!(obj["status"]["observedIgnore"], "*.txt");
    assert_eq!(
        condition(&obj, "ArtifactInStorage").map(|c| c.0).as_deref(),
        Some("True")
    );
    assert!(
        obj["status"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/latest.tar.gz")
    );
    let files = download(&obj).await;
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(names, ["deploy/app.yaml"]);

    // A changed object gives a new revision at the next interval.
    s3.put_object("manifests", "deploy/app.yaml", b"kind: Secret\n")
        .unwrap();
    let obj = ctx
        .wait::<Bucket>("app", "at a new revision", |o| {
            let r = revision(o);
            !r.is_empty() && r != first
        })
        .await;
    let files = download(&obj).await;
    assert_eq!(files["deploy/app.yaml"], "kind: Secret\n");

    // Wrong credentials: a clear condition, and recovery once the Secret is fixed.
    ctx.secret(
        "s3-creds",
        &[("accesskey", "AKFLUX"), ("secretkey", "wrong")],
    )
    .await;
    s3.put_object("manifests", "deploy/new.yaml", b"n: 1\n")
        .unwrap();
    let obj = ctx
        .failing::<Bucket>("app", "FetchFailed", "AuthenticationFailed")
        .await;
    let message = condition(&obj, "Ready").unwrap().2;
    assert!(message.contains("'manifests'"), "{message}");
    ctx.secret(
        "s3-creds",
        &[("accesskey", "AKFLUX"), ("secretkey", "SKFLUX-secret")],
    )
    .await;
    let obj = ctx.ready::<Bucket>("app").await;
    assert!(condition(&obj, "FetchFailed").is_none());
    assert!(download(&obj).await.contains_key("deploy/new.yaml"));
}

#[tokio::test]
async fn invalid_provider_stalls() {
    let ctx = setup("src-bucket-bad").await;
    ctx.create::<Bucket>(
        "bad",
        json!({"bucketName": "b", "endpoint": "", "provider": "generic", "interval": "1m"}),
    )
    .await;
    let obj = ctx
        .wait::<Bucket>("bad", "stalled", |o| {
            condition(o, "Stalled").is_some_and(|c| c.0 == "True")
        })
        .await;
    assert_eq!(
        condition(&obj, "Ready").unwrap().1,
        "InvalidProviderConfiguration"
    );
}

/// `proxySecretRef`: S3 traffic goes through a forward proxy with basic auth.
#[tokio::test]
async fn proxy_secret_ref_routes_bucket_traffic() {
    let ctx = setup("src-bucket-proxy").await;
    let s3 = S3Server::start("AKFLUX", "SKFLUX-secret").unwrap();
    let proxy = HttpProxy::start(Some(("proxy-user", "proxy-pass"))).unwrap();
    s3.create_bucket("proxied").unwrap();
    s3.put_object("proxied", "app.yaml", b"proxied: true\n")
        .unwrap();
    ctx.secret(
        "s3-creds",
        &[("accesskey", "AKFLUX"), ("secretkey", "SKFLUX-secret")],
    )
    .await;
    ctx.secret(
        "proxy",
        &[
            ("address", proxy.address()),
            ("username", "proxy-user"),
            ("password", "proxy-pass"),
        ],
    )
    .await;
    ctx.secret("proxy-bad-scheme", &[("address", "socks5://127.0.0.1:1")])
        .await;
    for (name, secret) in [
        ("through-proxy", "proxy"),
        ("bad-proxy", "proxy-bad-scheme"),
    ] {
        ctx.create::<Bucket>(
            name,
            json!({
                "bucketName": "proxied", "endpoint": s3.endpoint(), "insecure": true,
                "interval": "1m", "secretRef": {"name": "s3-creds"},
                "proxySecretRef": {"name": secret}
            }),
        )
        .await;
    }
    let obj = ctx.ready::<Bucket>("through-proxy").await;
    assert_eq!(download(&obj).await["app.yaml"], "proxied: true\n");
    assert!(proxy.forwarded() > 0, "nothing went through the proxy");
    assert_eq!(proxy.rejected(), 0);

    let obj = ctx
        .failing::<Bucket>("bad-proxy", "FetchFailed", "AuthenticationFailed")
        .await;
    let cond = condition(&obj, "FetchFailed").unwrap();
    assert!(cond.2.contains("'socks5'"), "{cond:?}");
}

/// `certSecretRef`: an S3 endpoint over HTTPS with a private CA, directly and through a
/// proxy (a `CONNECT` tunnel).
#[tokio::test]
async fn cert_secret_ref_trusts_a_private_ca() {
    let ctx = setup("src-bucket-tls").await;
    let s3 = S3Server::start_tls("AKFLUX", "SKFLUX-secret").unwrap();
    s3.create_bucket("secure").unwrap();
    s3.put_object("secure", "app.yaml", b"tls: true\n").unwrap();
    ctx.secret(
        "s3-creds",
        &[("accesskey", "AKFLUX"), ("secretkey", "SKFLUX-secret")],
    )
    .await;
    ctx.secret("s3-ca", &[("ca.crt", s3.ca_pem().unwrap())])
        .await;
    let proxy = HttpProxy::start(None).unwrap();
    ctx.secret("proxy", &[("address", proxy.address())]).await;
    ctx.secret(
        "s3-client-cert",
        &[
            ("ca.crt", s3.ca_pem().unwrap()),
            ("tls.crt", "x"),
            ("tls.key", "y"),
        ],
    )
    .await;
    for (name, cert) in [
        ("trusted", Some("s3-ca")),
        ("tunnelled", Some("s3-ca")),
        ("untrusted", None),
        ("client-cert", Some("s3-client-cert")),
    ] {
        let mut spec = json!({
            "bucketName": "secure", "endpoint": s3.endpoint(), "interval": "1m",
            "secretRef": {"name": "s3-creds"}
        });
        if let Some(cert) = cert {
            spec["certSecretRef"] = json!({"name": cert});
        }
        if name == "tunnelled" {
            spec["proxySecretRef"] = json!({"name": "proxy"});
        }
        ctx.create::<Bucket>(name, spec).await;
    }
    for name in ["trusted", "tunnelled"] {
        let obj = ctx.ready::<Bucket>(name).await;
        assert_eq!(download(&obj).await["app.yaml"], "tls: true\n");
    }
    assert!(proxy.forwarded() > 0, "nothing went through the proxy");

    let obj = ctx
        .failing::<Bucket>("untrusted", "FetchFailed", "BucketOperationFailed")
        .await;
    let cond = condition(&obj, "FetchFailed").unwrap();
    assert!(cond.2.contains("certificate"), "{cond:?}");
    assert!(obj["status"]["artifact"].is_null());
    let obj = ctx
        .failing::<Bucket>("client-cert", "FetchFailed", "AuthenticationFailed")
        .await;
    let cond = condition(&obj, "FetchFailed").unwrap();
    assert!(cond.2.contains("client certificates"), "{cond:?}");
}
