//! Sprig's certificate and key generators (`genCA`, `genSelfSignedCert`,
//! `genSignedCert`, `genPrivateKey` and the `...WithKey` variants).
//!
//! Keys are ECDSA P-256 (Sprig makes RSA 2048; ring cannot generate RSA).
//! Results are random by nature, as with Helm.

use chrono::{Datelike, Duration, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType, date_time_ymd,
};

use super::{FnResult, arg_str, strval, to_i64, want};
use crate::template::value::{Map, Value};

/// Function names in this module.
pub const NAMES: &[&str] = &[
    "genPrivateKey",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
];

/// Dispatch.
pub fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    let r = match name {
        "genPrivateKey" => (|| {
            want(a, 1)?;
            match arg_str(a, 0)? {
                // ECDSA keys as SEC1 ("EC PRIVATE KEY"), Ed25519 as PKCS#8, as Sprig.
                "ecdsa" => Ok(Value::from(key_pem(&new_key(None)?))),
                "ed25519" => Ok(Value::from(
                    KeyPair::generate_for(&rcgen::PKCS_ED25519)
                        .map_err(|e| format!("failed to generate private key: {e}"))?
                        .serialize_pem(),
                )),
                t @ ("" | "rsa" | "dsa") => Err(format!(
                    "genPrivateKey: {} keys are not supported by this renderer",
                    if t.is_empty() { "rsa" } else { t }
                )),
                other => Ok(Value::from(format!("Unknown type {other}"))),
            }
        })(),
        "genCA" | "genCAWithKey" => (|| {
            want(a, if name == "genCA" { 2 } else { 3 })?;
            let key = new_key(a.get(2))?;
            let params = params(arg_str(a, 0)?, &[], &[], to_i64(&a[1]), true)?;
            let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
            Ok(cert_value(cert.pem(), key_pem(&key)))
        })(),
        "genSelfSignedCert" | "genSelfSignedCertWithKey" => (|| {
            want(a, if name == "genSelfSignedCert" { 4 } else { 5 })?;
            let key = new_key(a.get(4))?;
            let params = params(
                arg_str(a, 0)?,
                &list(&a[1]),
                &list(&a[2]),
                to_i64(&a[3]),
                false,
            )?;
            let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
            Ok(cert_value(cert.pem(), key_pem(&key)))
        })(),
        "genSignedCert" | "genSignedCertWithKey" => (|| {
            want(a, if name == "genSignedCert" { 5 } else { 6 })?;
            let ca = &a[4];
            let ca_key = parse_key(&strval(&ca.get("Key")))
                .map_err(|e| format!("error parsing CA key: {e}"))?;
            let issuer = Issuer::from_ca_cert_pem(&strval(&ca.get("Cert")), ca_key)
                .map_err(|e| format!("error parsing CA certificate: {e}"))?;
            let key = new_key(a.get(5))?;
            let params = params(
                arg_str(a, 0)?,
                &list(&a[1]),
                &list(&a[2]),
                to_i64(&a[3]),
                false,
            )?;
            let cert = params.signed_by(&key, &issuer).map_err(|e| e.to_string())?;
            Ok(cert_value(cert.pem(), key_pem(&key)))
        })(),
        _ => return None,
    };
    Some(r)
}

fn new_key(pem: Option<&Value>) -> Result<KeyPair, String> {
    match pem {
        Some(p) => parse_key(&strval(p)),
        None => KeyPair::generate().map_err(|e| e.to_string()),
    }
}

/// A private key from PEM: PKCS#8, or SEC1 on P-256.
pub fn parse_key(pem: &str) -> Result<KeyPair, String> {
    if let Some((label, der)) = super::keys::pem_decode(pem)
        && label == "EC PRIVATE KEY"
    {
        let pkcs8 = super::keys::sec1_to_pkcs8(&der)
            .ok_or("error parsing private key: unsupported EC private key")?;
        return KeyPair::try_from(pkcs8.as_slice())
            .map_err(|e| format!("error parsing private key: {e}"));
    }
    KeyPair::from_pem(pem).map_err(|e| format!("error parsing private key: {e}"))
}

/// A key as Sprig's `pemBlockForKey` writes it: SEC1 for P-256, else PKCS#8.
fn key_pem(key: &KeyPair) -> String {
    match super::keys::pkcs8_to_sec1(&key.serialize_der()) {
        Some(sec1) => super::keys::pem_encode("EC PRIVATE KEY", &sec1),
        None => key.serialize_pem(),
    }
}

fn list(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.iter().filter(|e| !e.is_nil()).map(strval).collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

fn params(
    cn: &str,
    ips: &[String],
    dns: &[String],
    days: i64,
    ca: bool,
) -> Result<CertificateParams, String> {
    let mut p = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    p.distinguished_name.push(DnType::CommonName, cn);
    for ip in ips {
        let addr = ip.parse().map_err(|_| format!("error parsing ip: {ip}"))?;
        p.subject_alt_names.push(SanType::IpAddress(addr));
    }
    for d in dns {
        let name = d
            .clone()
            .try_into()
            .map_err(|_| format!("invalid DNS name: {d}"))?;
        p.subject_alt_names.push(SanType::DnsName(name));
    }
    let now = Utc::now();
    let end = now + Duration::days(days.clamp(0, 365 * 1000));
    let ymd = |t: chrono::DateTime<Utc>| date_time_ymd(t.year(), t.month() as u8, t.day() as u8);
    p.not_before = ymd(now);
    p.not_after = ymd(end);
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    Ok(p)
}

/// Sprig's `certificate` struct: `.Cert` and `.Key`.
pub fn cert_value(cert: String, key: String) -> Value {
    let mut m = Map::new();
    m.insert("Cert".into(), Value::from(cert));
    m.insert("Key".into(), Value::from(key));
    Value::from(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_and_signed_certificates() {
        let ca = call("genCA", &[Value::from("my-ca"), Value::Int(365)])
            .unwrap()
            .unwrap();
        assert!(strval(&ca.get("Cert")).starts_with("-----BEGIN CERTIFICATE-----"));
        let ips = Value::from(vec![Value::from("10.0.0.1")]);
        let dns = Value::from(vec![Value::from("svc.ns.svc")]);
        let leaf = call(
            "genSignedCert",
            &[
                Value::from("svc"),
                ips.clone(),
                dns.clone(),
                Value::Int(30),
                ca,
            ],
        )
        .unwrap()
        .unwrap();
        assert!(strval(&leaf.get("Key")).contains("PRIVATE KEY"));
        let own = call(
            "genSelfSignedCert",
            &[Value::from("x"), Value::Nil, dns, Value::Int(1)],
        )
        .unwrap()
        .unwrap();
        assert!(strval(&own.get("Cert")).contains("CERTIFICATE"));
        assert!(
            call(
                "genSelfSignedCert",
                &[
                    Value::from("x"),
                    Value::from(vec![Value::from("bad ip")]),
                    Value::Nil,
                    Value::Int(1)
                ]
            )
            .unwrap()
            .is_err()
        );
        assert!(
            call("genPrivateKey", &[Value::from("rsa")])
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn private_keys_by_type() {
        let key = |t: &str| strval(&call("genPrivateKey", &[Value::from(t)]).unwrap().unwrap());
        let ed = key("ed25519");
        let kp = KeyPair::from_pem(&ed).unwrap();
        assert!(kp.is_compatible(&rcgen::PKCS_ED25519));
        let ec = key("ecdsa");
        assert!(ec.starts_with("-----BEGIN EC PRIVATE KEY-----\n"), "{ec}");
        assert!(
            parse_key(&ec)
                .unwrap()
                .is_compatible(&rcgen::PKCS_ECDSA_P256_SHA256)
        );
        assert_eq!(key("x25519"), "Unknown type x25519");
    }
}
