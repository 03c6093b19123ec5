//! Fixtures in `testdata/sops` were encrypted once with the real sops 3.9.4 CLI, using the
//! throw-away age key and OpenPGP key stored next to them.

use super::*;

fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/sops")
            .join(name),
    )
    .unwrap()
}

fn load(name: &str) -> Value {
    let text = String::from_utf8(testdata(name)).unwrap();
    flux_kustomize::parse_documents(&text, name)
        .unwrap()
        .remove(0)
}

fn keys(entries: &[(&str, &str)]) -> Keys {
    let data: BTreeMap<String, Vec<u8>> = entries
        .iter()
        .map(|(k, file)| (k.to_string(), testdata(file)))
        .collect();
    Keys::from_secret_data(&data, "flux-system/sops-keys").unwrap()
}

#[test]
fn decrypts_age_encrypted_secret() {
    let obj = load("age-secret.yaml");
    assert!(is_encrypted(&obj));
    let plain = decrypt(&obj, &keys(&[("identity.agekey", "age.agekey")])).unwrap();
    assert!(plain.get("sops").is_none());
    assert_eq!(plain["stringData"]["password"], "age-s3cr3t-value");
    assert_eq!(plain["stringData"]["port"], "5432");
    assert_eq!(plain["data"]["token"], STANDARD.encode("tok-age"));
    assert_eq!(plain["metadata"]["name"], "age-secret");
}

#[test]
fn decrypts_pgp_encrypted_secret() {
    let obj = load("pgp-secret.yaml");
    let plain = decrypt(&obj, &keys(&[("sops.asc", "pgp.asc")])).unwrap();
    assert_eq!(plain["stringData"]["password"], "pgp-s3cr3t-value");
    assert_eq!(plain["data"]["token"], STANDARD.encode("tok-pgp"));
}

#[test]
fn wrong_key_and_tampering_fail_without_leaking_values() {
    let obj = load("age-secret.yaml");
    let err = decrypt(&obj, &keys(&[("sops.asc", "pgp.asc")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("failed to get the data key"), "{err}");
    let mut tampered = obj.clone();
    tampered["metadata"]["name"] = Value::String("renamed".into());
    let err = decrypt(&tampered, &keys(&[("a.agekey", "age.agekey")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("MAC mismatch"), "{err}");
    assert!(!err.contains("age-s3cr3t-value"));
}
