//! flux-bucket against a real S3 API server (s3s-fs, in-process, SigV4 checked).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use flux_bucket::{BucketClient, BucketConfig, Credentials, Provider};
use flux_testkit::registry::S3Server;

fn config(server: &S3Server, bucket: &str, secret: &str) -> BucketConfig {
    BucketConfig {
        provider: Provider::Generic,
        bucket_name: bucket.into(),
        endpoint: server.endpoint().into(),
        insecure: true,
        region: None,
        credentials: Credentials::AccessKey {
            access_key: server.access_key().into(),
            secret_key: secret.into(),
        },
        timeout: Duration::from_secs(20),
        proxy: None,
        ca_pem: None,
    }
}

#[tokio::test]
async fn index_revision_download_and_ignore() {
    let server = S3Server::start("AKTEST", "SKTEST-secret").unwrap();
    server.create_bucket("flux").unwrap();
    server
        .put_object("flux", "deploy/app.yaml", b"kind: ConfigMap\n")
        .unwrap();
    server
        .put_object("flux", "deploy/secret.enc", b"x")
        .unwrap();
    server.put_object("flux", "other/readme.md", b"hi").unwrap();
    server
        .put_object("flux", ".sourceignore", b"*.enc\n")
        .unwrap();

    let client = BucketClient::new(&config(&server, "flux", "SKTEST-secret")).unwrap();
    client.check().await.unwrap();
    let index = client.index(None, None).await.unwrap();
    let keys: Vec<&str> = index.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["deploy/app.yaml", "other/readme.md"]);
    assert!(
        index
            .iter()
            .all(|(_, etag)| !etag.is_empty() && !etag.contains('"'))
    );

    let with_prefix = client.index(Some("deploy/"), Some("*.md\n")).await.unwrap();
    let keys: Vec<&str> = with_prefix.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["deploy/app.yaml"]);

    let tmp = tempfile::tempdir().unwrap();
    client
        .download(&index, tmp.path(), 2, 1 << 20)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(tmp.path().join("deploy/app.yaml")).unwrap(),
        b"kind: ConfigMap\n"
    );
    assert!(!tmp.path().join("deploy/secret.enc").exists());

    // A changed object gives a new revision; an unchanged bucket the same one.
    let first = index.revision();
    assert_eq!(client.index(None, None).await.unwrap().revision(), first);
    server
        .put_object("flux", "deploy/app.yaml", b"kind: ConfigMap\ndata: {}\n")
        .unwrap();
    let second = client.index(None, None).await.unwrap().revision();
    assert_ne!(second, first);
    assert!(
        second.starts_with("sha256:") && second.len() == 71,
        "{second}"
    );
}

#[tokio::test]
async fn wrong_credentials_and_missing_buckets_are_named() {
    let server = S3Server::start("AKTEST", "SKTEST-secret").unwrap();
    server.create_bucket("flux").unwrap();
    let client = BucketClient::new(&config(&server, "flux", "wrong-secret")).unwrap();
    let err = client.index(None, None).await.unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert!(err.to_string().contains("'flux'"), "{err}");

    let client = BucketClient::new(&config(&server, "missing", "SKTEST-secret")).unwrap();
    let err = client.check().await.unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
}
