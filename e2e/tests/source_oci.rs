//! Scenario: source-controller reconciles OCIRepositories against a real OCI registry
//! (CNCF distribution with basic auth) and the real control plane.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "source_helm/support.rs"]
mod support;

use std::collections::BTreeMap;

use flux_api::source::OCIRepository;
use flux_oci::cosign::CosignKey;
use flux_oci::{ClientOptions, FLUX_CONFIG_MEDIA_TYPE, FLUX_CONTENT_MEDIA_TYPE, OciClient, OciUrl};
use flux_testkit::registry::OciRegistry;
use serde_json::json;
use support::{condition, download, download_bytes, revision, setup, tgz};

async fn push(client: &OciClient, tag: &str, files: &[(&str, &str)]) -> String {
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "org.opencontainers.image.revision".to_string(),
        format!("{tag}@sha1:0123456789abcdef0123456789abcdef01234567"),
    );
    client
        .push(
            tag,
            tgz(files),
            FLUX_CONTENT_MEDIA_TYPE,
            FLUX_CONFIG_MEDIA_TYPE,
            annotations,
        )
        .await
        .unwrap()
}

fn client(registry: &OciRegistry, repo: &str) -> OciClient {
    let (u, p) = registry.credentials().unwrap();
    OciClient::new(
        OciUrl::parse(&registry.oci_url(repo)).unwrap(),
        ClientOptions {
            credentials: Some((u.into(), p.into())),
            insecure: true,
            ..Default::default()
        },
    )
    .unwrap()
}

#[tokio::test]
async fn semver_selection_digest_pinning_copy_and_credentials() {
    let ctx = setup("src-oci").await;
    let registry = OciRegistry::start(Some(("flux", "oci-pass")))
        .await
        .unwrap();
    let c = client(&registry, "manifests/app");
    let d100 = push(&c, "1.0.0", &[("app.yaml", "v: 1.0.0\n")]).await;
    let d110 = push(
        &c,
        "1.1.0",
        &[("app.yaml", "v: 1.1.0\n"), (".sourceignore", "")],
    )
    .await;
    push(&c, "2.0.0-rc.1", &[("app.yaml", "v: rc\n")]).await;
    ctx.secret(
        "regcred",
        &[(".dockerconfigjson", &registry.docker_config_json())],
    )
    .await;

    ctx.create::<OCIRepository>(
        "semver",
        json!({
            "url": registry.oci_url("manifests/app"), "interval": "2s", "insecure": true,
            "ref": {"semver": ">=1.0.0"}, "secretRef": {"name": "regcred"}
        }),
    )
    .await;
    let obj = ctx.ready::<OCIRepository>("semver").await;
    assert_eq!(revision(&obj), format!("1.1.0@{d110}"));
    assert_eq!(
        obj["status"]["artifact"]["path"],
        format!("ocirepository/{}/semver/{d110}.tar.gz", ctx.ns).as_str()
    );
    assert_eq!(
        obj["status"]["artifact"]["metadata"]["org.opencontainers.image.revision"],
        "1.1.0@sha1:0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(download(&obj).await["app.yaml"], "v: 1.1.0\n");

    // A new tag in range is picked up at the next interval.
    let d120 = push(&c, "1.2.0", &[("app.yaml", "v: 1.2.0\n")]).await;
    let obj = ctx
        .wait::<OCIRepository>("semver", "at 1.2.0", |o| {
            revision(o) == format!("1.2.0@{d120}")
        })
        .await;
    assert_eq!(download(&obj).await["app.yaml"], "v: 1.2.0\n");

    // A digest pins the artifact whatever the other fields say.
    ctx.create::<OCIRepository>(
        "pinned",
        json!({
            "url": registry.oci_url("manifests/app"), "interval": "1m", "insecure": true,
            "ref": {"digest": d100, "semver": ">=1.0.0"}, "secretRef": {"name": "regcred"}
        }),
    )
    .await;
    let obj = ctx.ready::<OCIRepository>("pinned").await;
    assert_eq!(revision(&obj), d100);
    assert_eq!(download(&obj).await["app.yaml"], "v: 1.0.0\n");

    // layerSelector copy stores the layer verbatim.
    ctx.create::<OCIRepository>(
        "copy",
        json!({
            "url": registry.oci_url("manifests/app"), "interval": "1m", "insecure": true,
            "ref": {"tag": "1.0.0"}, "secretRef": {"name": "regcred"},
            "layerSelector": {"mediaType": FLUX_CONTENT_MEDIA_TYPE, "operation": "copy"}
        }),
    )
    .await;
    let obj = ctx.ready::<OCIRepository>("copy").await;
    assert_eq!(revision(&obj), format!("1.0.0@{d100}"));
    let bytes = download_bytes(&obj).await;
    assert_eq!(bytes, tgz(&[("app.yaml", "v: 1.0.0\n")]));

    // A missing version and wrong credentials give clear conditions.
    ctx.create::<OCIRepository>(
        "missing",
        json!({
            "url": registry.oci_url("manifests/app"), "interval": "1m", "insecure": true,
            "ref": {"semver": ">=5.0.0"}, "secretRef": {"name": "regcred"}
        }),
    )
    .await;
    let obj = ctx
        .failing::<OCIRepository>("missing", "FetchFailed", "OCIArtifactPullFailed")
        .await;
    assert!(
        condition(&obj, "FetchFailed")
            .unwrap()
            .2
            .contains(">=5.0.0"),
        "{:?}",
        condition(&obj, "FetchFailed")
    );
    ctx.secret(
        "badcred",
        &[(
            ".dockerconfigjson",
            &registry.docker_config_json().replace("oci-pass", "nope"),
        )],
    )
    .await;
    ctx.create::<OCIRepository>(
        "badauth",
        json!({
            "url": registry.oci_url("manifests/app"), "interval": "1m", "insecure": true,
            "secretRef": {"name": "badcred"}, "ref": {"tag": "1.0.0"}
        }),
    )
    .await;
    ctx.failing::<OCIRepository>("badauth", "FetchFailed", "AuthenticationFailed")
        .await;
}

#[tokio::test]
async fn cosign_verification_accepts_signed_and_rejects_unsigned() {
    let ctx = setup("src-oci-verify").await;
    let registry = OciRegistry::start(Some(("flux", "pw"))).await.unwrap();
    let c = client(&registry, "signed/app");
    let signed = push(&c, "signed", &[("app.yaml", "signed: true\n")]).await;
    push(&c, "unsigned", &[("app.yaml", "signed: false\n")]).await;
    let key = CosignKey::from_seed(&[11u8; 32]).unwrap();
    key.sign(&c, &signed).await.unwrap();
    ctx.secret(
        "regcred",
        &[(".dockerconfigjson", &registry.docker_config_json())],
    )
    .await;
    ctx.secret(
        "cosign-keys",
        &[("cosign.pub", &key.public_key_pem().unwrap())],
    )
    .await;
    for tag in ["signed", "unsigned"] {
        ctx.create::<OCIRepository>(
            tag,
            json!({
                "url": registry.oci_url("signed/app"), "interval": "1m", "insecure": true,
                "ref": {"tag": tag}, "secretRef": {"name": "regcred"},
                "verify": {"provider": "cosign", "secretRef": {"name": "cosign-keys"}}
            }),
        )
        .await;
    }
    let obj = ctx.ready::<OCIRepository>("signed").await;
    assert_eq!(revision(&obj), format!("signed@{signed}"));
    assert_eq!(
        condition(&obj, "SourceVerified").map(|c| c.0).as_deref(),
        Some("True")
    );
    let obj = ctx
        .failing::<OCIRepository>("unsigned", "SourceVerified", "VerificationError")
        .await;
    assert_eq!(condition(&obj, "SourceVerified").unwrap().0, "False");
    assert!(
        condition(&obj, "SourceVerified")
            .unwrap()
            .2
            .contains("no signature found"),
        "{:?}",
        condition(&obj, "SourceVerified")
    );
    assert!(obj["status"]["artifact"].is_null());
}
