//! flux-oci against a real OCI registry (CNCF distribution with htpasswd basic auth).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use flux_oci::cosign::{self, CosignKey};
use flux_oci::{
    ClientOptions, Error, FLUX_CONFIG_MEDIA_TYPE, FLUX_CONTENT_MEDIA_TYPE, OciClient, OciRef,
    OciUrl,
};
use flux_testkit::registry::{CosignKeyPair, OciRegistry};

fn client(registry: &OciRegistry, repo: &str, password: &str) -> OciClient {
    let (user, _) = registry.credentials().unwrap();
    OciClient::new(
        OciUrl::parse(&registry.oci_url(repo)).unwrap(),
        ClientOptions {
            credentials: Some((user.into(), password.into())),
            insecure: true,
            ..Default::default()
        },
    )
    .unwrap()
}

async fn push(c: &OciClient, tag: &str, content: &str) -> String {
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "org.opencontainers.image.revision".to_string(),
        format!("main@sha1:{tag}"),
    );
    c.push(
        tag,
        content.as_bytes().to_vec(),
        FLUX_CONTENT_MEDIA_TYPE,
        FLUX_CONFIG_MEDIA_TYPE,
        annotations,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn tags_semver_digest_pull_and_auth() {
    let registry = OciRegistry::start(Some(("flux", "s3cret"))).await.unwrap();
    let c = client(&registry, "org/app", "s3cret");
    let d100 = push(&c, "1.0.0", "one").await;
    let d110 = push(&c, "1.1.0", "one-one").await;
    push(&c, "2.0.0-rc.1", "two-rc").await;
    push(&c, "v1.5.0-special", "special").await;
    push(&c, "latest", "latest").await;

    let mut tags = c.list_tags().await.unwrap();
    tags.sort();
    assert_eq!(
        tags,
        ["1.0.0", "1.1.0", "2.0.0-rc.1", "latest", "v1.5.0-special"]
    );

    let r = c
        .resolve(&OciRef::from_spec(None, Some(">=1.0.0"), None, None))
        .await
        .unwrap();
    assert_eq!(r.tag.as_deref(), Some("1.1.0"));
    assert_eq!(r.digest, d110);
    assert_eq!(r.revision(), format!("1.1.0@{d110}"));

    let r = c
        .resolve(&OciRef::from_spec(
            None,
            Some(">=1.0.0-0"),
            Some(".*-special$"),
            None,
        ))
        .await
        .unwrap();
    assert_eq!(r.tag.as_deref(), Some("v1.5.0-special"));

    let r = c
        .resolve(&OciRef::from_spec(
            Some(&d100),
            Some(">=1.0.0"),
            None,
            Some("latest"),
        ))
        .await
        .unwrap();
    assert_eq!(r.revision(), d100);

    let err = c
        .resolve(&OciRef::from_spec(None, Some(">=3"), None, None))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoSemverMatch(_)), "{err}");
    let err = c.resolve(&OciRef::Tag("9.9.9".into())).await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err}");

    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("layer");
    let layer = c.pull_layer(&d100, None, &dest, 1 << 20).await.unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"one");
    assert_eq!(layer.media_type, FLUX_CONTENT_MEDIA_TYPE);
    assert_eq!(
        layer.annotations["org.opencontainers.image.revision"],
        "main@sha1:1.0.0"
    );
    let err = c
        .pull_layer(&d100, Some("application/x-missing"), &dest, 1 << 20)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("application/x-missing"), "{err}");
    let err = c.pull_layer(&d100, None, &dest, 2).await.unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");

    let wrong = client(&registry, "org/app", "wrong");
    let err = wrong
        .resolve(&OciRef::Tag("1.0.0".into()))
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err}");
}

#[tokio::test]
async fn cosign_signed_artifacts_verify_and_unsigned_do_not() {
    let registry = OciRegistry::start(Some(("flux", "pw"))).await.unwrap();
    let c = client(&registry, "signed/app", "pw");
    let signed = push(&c, "v1", "signed").await;
    let unsigned = push(&c, "v2", "unsigned").await;
    let key = CosignKey::from_seed(&[3u8; 32]).unwrap();
    key.sign(&c, &signed).await.unwrap();
    let pem = key.public_key_pem().unwrap().into_bytes();

    cosign::verify(&c, &signed, std::slice::from_ref(&pem))
        .await
        .unwrap();
    let err = cosign::verify(&c, &unsigned, std::slice::from_ref(&pem))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no signature found"), "{err}");

    let other = CosignKey::from_seed(&[4u8; 32]).unwrap();
    let other_pem = other.public_key_pem().unwrap().into_bytes();
    let err = cosign::verify(&c, &signed, &[other_pem]).await.unwrap_err();
    assert!(err.to_string().contains("invalid signature"), "{err}");
}

/// Signatures made by the real cosign CLI, in both of its storage formats: the `.sig` tag
/// (cosign v2's default) and a Sigstore bundle referrer (`--new-bundle-format`, cosign
/// v3's default).
#[tokio::test]
async fn cosign_cli_signatures_verify_in_both_formats() {
    let registry = OciRegistry::start(Some(("flux", "pw"))).await.unwrap();
    let c = client(&registry, "cli/app", "pw");
    let tagged = push(&c, "tagged", "sig tag").await;
    let bundled = push(&c, "bundled", "bundle").await;
    let both = push(&c, "both", "both formats").await;
    let unsigned = push(&c, "unsigned", "unsigned").await;
    let key = CosignKeyPair::generate("pw1").unwrap();
    let other = CosignKeyPair::generate("pw2").unwrap();
    key.sign(&registry, "cli/app", &tagged).unwrap();
    key.sign_bundle(&registry, "cli/app", &bundled).unwrap();
    // The `.sig` tag by a foreign key, the bundle by the trusted one.
    other.sign(&registry, "cli/app", &both).unwrap();
    key.sign_bundle(&registry, "cli/app", &both).unwrap();
    let pem = key.public_key_pem().unwrap().into_bytes();
    let other_pem = other.public_key_pem().unwrap().into_bytes();

    for digest in [&tagged, &bundled, &both] {
        cosign::verify(&c, digest, std::slice::from_ref(&pem))
            .await
            .unwrap_or_else(|e| panic!("{digest}: {e}"));
    }
    let err = cosign::verify(&c, &unsigned, std::slice::from_ref(&pem))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no signature found"), "{err}");
    for digest in [&tagged, &bundled] {
        let err = cosign::verify(&c, digest, std::slice::from_ref(&other_pem))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("invalid signature"), "{err}");
    }
}
