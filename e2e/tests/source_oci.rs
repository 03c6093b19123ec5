//! Scenario: source-controller reconciles OCIRepositories against a real OCI registry
//! (CNCF distribution with basic auth) and the real control plane.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "source_helm/support.rs"]
mod support;

use std::collections::BTreeMap;

use flux_api::source::OCIRepository;
use flux_oci::{ClientOptions, FLUX_CONFIG_MEDIA_TYPE, FLUX_CONTENT_MEDIA_TYPE, OciClient, OciUrl};
use flux_testkit::registry::{CosignKeyPair, HttpProxy, OciRegistry};
use k8s_openapi::api::core::v1::ServiceAccount;
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

    // serviceAccountName: the ServiceAccount's imagePullSecrets authenticate.
    // A pull secret without an entry for the registry is skipped.
    ctx.secret("unrelated", &[(".dockerconfigjson", r#"{"auths":{}}"#)])
        .await;
    let sa: ServiceAccount = serde_json::from_value(json!({
        "metadata": {"name": "puller"},
        "imagePullSecrets": [{"name": "unrelated"}, {"name": "regcred"}]
    }))
    .unwrap();
    let sa_api: kube::Api<ServiceAccount> = ctx.api();
    sa_api.create(&Default::default(), &sa).await.unwrap();
    for (name, account) in [("via-sa", "puller"), ("missing-sa", "nobody")] {
        ctx.create::<OCIRepository>(
            name,
            json!({
                "url": registry.oci_url("manifests/app"), "interval": "1m", "insecure": true,
                "serviceAccountName": account, "ref": {"tag": "1.0.0"}
            }),
        )
        .await;
    }
    let obj = ctx.ready::<OCIRepository>("via-sa").await;
    assert_eq!(revision(&obj), format!("1.0.0@{d100}"));
    let obj = ctx
        .failing::<OCIRepository>("missing-sa", "FetchFailed", "AuthenticationFailed")
        .await;
    let cond = condition(&obj, "FetchFailed").unwrap();
    assert!(cond.2.contains("service account"), "{cond:?}");
}

/// Signatures are made by the real cosign CLI (`cosign sign --key`), so this proves that
/// what cosign writes is what we verify.
#[tokio::test]
async fn cosign_cli_signatures_are_verified() {
    let ctx = setup("src-oci-verify").await;
    let registry = OciRegistry::start(Some(("flux", "pw"))).await.unwrap();
    let c = client(&registry, "signed/app");
    let signed = push(&c, "signed", &[("app.yaml", "signed: true\n")]).await;
    push(&c, "unsigned", &[("app.yaml", "signed: false\n")]).await;
    let other = push(&c, "other-key", &[("app.yaml", "signed: other\n")]).await;
    let bundled = push(&c, "bundle", &[("app.yaml", "signed: bundle\n")]).await;
    let key = CosignKeyPair::generate("key-password").unwrap();
    let other_key = CosignKeyPair::generate("other-password").unwrap();
    key.sign(&registry, "signed/app", &signed).unwrap();
    other_key.sign(&registry, "signed/app", &other).unwrap();
    // cosign v3's default storage: a Sigstore bundle as an OCI referrer.
    key.sign_bundle(&registry, "signed/app", &bundled).unwrap();
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
    for tag in ["signed", "unsigned", "other-key", "bundle"] {
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
    let verified = condition(&obj, "SourceVerified").unwrap();
    assert_eq!(
        (verified.0.as_str(), verified.1.as_str()),
        ("True", "Succeeded")
    );
    assert!(verified.2.contains(&signed), "{verified:?}");
    assert_eq!(download(&obj).await["app.yaml"], "signed: true\n");
    let obj = ctx.ready::<OCIRepository>("bundle").await;
    assert_eq!(revision(&obj), format!("bundle@{bundled}"));
    assert_eq!(condition(&obj, "SourceVerified").unwrap().0, "True");

    let obj = ctx
        .failing::<OCIRepository>("unsigned", "SourceVerified", "VerificationError")
        .await;
    let cond = condition(&obj, "SourceVerified").unwrap();
    assert_eq!(cond.0, "False");
    assert!(cond.2.contains("no signature found"), "{cond:?}");
    assert_eq!(condition(&obj, "Ready").unwrap().1, "VerificationError");
    assert!(obj["status"]["artifact"].is_null());

    // Signed, but by a key that is not in the Secret.
    let obj = ctx
        .failing::<OCIRepository>("other-key", "SourceVerified", "VerificationError")
        .await;
    let cond = condition(&obj, "SourceVerified").unwrap();
    assert_eq!(cond.0, "False");
    assert!(cond.2.contains("invalid signature"), "{cond:?}");
    assert!(obj["status"]["artifact"].is_null());

    // Pointing `verify` at a Secret without the signing key verifies again, and fails.
    ctx.secret(
        "other-key-only",
        &[("other.pub", &other_key.public_key_pem().unwrap())],
    )
    .await;
    ctx.patch_spec::<OCIRepository>(
        "signed",
        json!({"verify": {"provider": "cosign", "secretRef": {"name": "other-key-only"}}}),
    )
    .await;
    let obj = ctx
        .failing::<OCIRepository>("signed", "SourceVerified", "VerificationError")
        .await;
    let cond = condition(&obj, "SourceVerified").unwrap();
    assert!(cond.2.contains("invalid signature"), "{cond:?}");

    // Adding the other public key to the Secret lets the artifact through.
    ctx.secret(
        "cosign-keys",
        &[
            ("cosign.pub", &key.public_key_pem().unwrap()),
            ("other.pub", &other_key.public_key_pem().unwrap()),
        ],
    )
    .await;
    ctx.request_reconcile::<OCIRepository>("other-key", "both-keys")
        .await;
    let obj = ctx.ready::<OCIRepository>("other-key").await;
    assert_eq!(revision(&obj), format!("other-key@{other}"));
    assert_eq!(condition(&obj, "SourceVerified").unwrap().0, "True");
}

/// `proxySecretRef`: registry traffic goes through a forward proxy with basic auth.
#[tokio::test]
async fn proxy_secret_ref_routes_registry_traffic() {
    let ctx = setup("src-oci-proxy").await;
    let registry = OciRegistry::start(Some(("flux", "pw"))).await.unwrap();
    let proxy = HttpProxy::start(Some(("proxy-user", "proxy:pass"))).unwrap();
    let c = client(&registry, "proxied/app");
    let digest = push(&c, "1.0.0", &[("app.yaml", "proxied: true\n")]).await;
    ctx.secret(
        "regcred",
        &[(".dockerconfigjson", &registry.docker_config_json())],
    )
    .await;
    ctx.secret(
        "proxy",
        &[
            ("address", proxy.address()),
            ("username", "proxy-user"),
            ("password", "proxy:pass"),
        ],
    )
    .await;
    ctx.secret(
        "proxy-wrong-password",
        &[
            ("address", proxy.address()),
            ("username", "proxy-user"),
            ("password", "nope"),
        ],
    )
    .await;
    ctx.secret("proxy-no-address", &[("username", "proxy-user")])
        .await;
    for (name, secret) in [
        ("through-proxy", "proxy"),
        ("wrong-proxy-password", "proxy-wrong-password"),
        ("no-proxy-address", "proxy-no-address"),
    ] {
        ctx.create::<OCIRepository>(
            name,
            json!({
                "url": registry.oci_url("proxied/app"), "interval": "1m", "insecure": true,
                "ref": {"tag": "1.0.0"}, "secretRef": {"name": "regcred"},
                "proxySecretRef": {"name": secret}
            }),
        )
        .await;
    }
    let obj = ctx.ready::<OCIRepository>("through-proxy").await;
    assert_eq!(revision(&obj), format!("1.0.0@{digest}"));
    assert_eq!(download(&obj).await["app.yaml"], "proxied: true\n");
    assert!(proxy.forwarded() > 0, "nothing went through the proxy");

    let obj = ctx
        .failing::<OCIRepository>(
            "wrong-proxy-password",
            "FetchFailed",
            "OCIArtifactPullFailed",
        )
        .await;
    let cond = condition(&obj, "FetchFailed").unwrap();
    assert!(
        cond.2.contains("407 Proxy Authentication Required"),
        "{cond:?}"
    );
    assert!(proxy.rejected() > 0, "the proxy refused nothing");

    let obj = ctx
        .failing::<OCIRepository>("no-proxy-address", "FetchFailed", "AuthenticationFailed")
        .await;
    let cond = condition(&obj, "FetchFailed").unwrap();
    assert!(cond.2.contains("'address' is missing"), "{cond:?}");
}

/// A registry over HTTPS with a private CA: `certSecretRef` trusts it, cosign signs over
/// TLS, and the traffic can go through a proxy (a `CONNECT` tunnel).
#[tokio::test]
async fn tls_registry_with_cert_secret_ref_cosign_and_a_proxy() {
    let ctx = setup("src-oci-tls").await;
    let registry = OciRegistry::start_tls(Some(("flux", "tls-pw")))
        .await
        .unwrap();
    let ca = registry.ca_pem().unwrap().to_string();
    let c = OciClient::new(
        OciUrl::parse(&registry.oci_url("secure/app")).unwrap(),
        ClientOptions {
            credentials: Some(("flux".into(), "tls-pw".into())),
            ca_pem: Some(ca.clone().into_bytes()),
            ..Default::default()
        },
    )
    .unwrap();
    let digest = push(&c, "1.0.0", &[("app.yaml", "tls: true\n")]).await;
    let key = CosignKeyPair::generate("tls-key").unwrap();
    key.sign(&registry, "secure/app", &digest).unwrap();
    let proxy = HttpProxy::start(None).unwrap();
    ctx.secret(
        "regcred",
        &[(".dockerconfigjson", &registry.docker_config_json())],
    )
    .await;
    ctx.secret("registry-ca", &[("ca.crt", &ca)]).await;
    ctx.secret("cosign", &[("cosign.pub", &key.public_key_pem().unwrap())])
        .await;
    ctx.secret("proxy", &[("address", proxy.address())]).await;
    let spec = |cert: bool, via_proxy: bool| {
        let mut spec = json!({
            "url": registry.oci_url("secure/app"), "interval": "1m",
            "ref": {"tag": "1.0.0"}, "secretRef": {"name": "regcred"},
            "verify": {"provider": "cosign", "secretRef": {"name": "cosign"}}
        });
        if cert {
            spec["certSecretRef"] = json!({"name": "registry-ca"});
        }
        if via_proxy {
            spec["proxySecretRef"] = json!({"name": "proxy"});
        }
        spec
    };
    ctx.create::<OCIRepository>("trusted", spec(true, false))
        .await;
    ctx.create::<OCIRepository>("untrusted", spec(false, false))
        .await;
    ctx.create::<OCIRepository>("tunnelled", spec(true, true))
        .await;

    for name in ["trusted", "tunnelled"] {
        let obj = ctx.ready::<OCIRepository>(name).await;
        assert_eq!(revision(&obj), format!("1.0.0@{digest}"));
        assert_eq!(condition(&obj, "SourceVerified").unwrap().0, "True");
        assert_eq!(download(&obj).await["app.yaml"], "tls: true\n");
    }
    assert!(proxy.forwarded() > 0, "nothing went through the proxy");

    let obj = ctx
        .failing::<OCIRepository>("untrusted", "FetchFailed", "OCIArtifactPullFailed")
        .await;
    let cond = condition(&obj, "FetchFailed").unwrap();
    assert!(
        cond.2.contains("1.0.0") && cond.2.contains("certificate"),
        "{cond:?}"
    );
    assert!(obj["status"]["artifact"].is_null());
}
