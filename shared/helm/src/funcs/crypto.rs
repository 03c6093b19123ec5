//! Sprig's certificate and key generators (`genCA`, `genSelfSignedCert`,
//! `genSignedCert`, `genPrivateKey` and the `...WithKey` variants).
//!
//! Certificates follow Sprig's templates (random 128-bit serial, key usages,
//! server and client auth); generated keys are RSA 2048 as in Sprig.
//! Results are random by nature, as with Helm.

use chrono::{Datelike, Duration, Timelike, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber, date_time_ymd,
};

pub use super::private_key::parse_key;
use super::private_key::{generate_cert_key, pem_for};

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
            let kind = arg_str(a, 0)?;
            Ok(Value::from(
                super::private_key::generate_pem(kind)?
                    .unwrap_or_else(|| format!("Unknown type {kind}")),
            ))
        })(),
        "genCA" | "genCAWithKey" => (|| {
            want(a, if name == "genCA" { 2 } else { 3 })?;
            let key = new_key(a.get(2))?;
            let params = params(arg_str(a, 0)?, &[], &[], to_i64(&a[1]), true)?;
            let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
            Ok(cert_value(cert.pem(), pem_for(&key)?))
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
            Ok(cert_value(cert.pem(), pem_for(&key)?))
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
            let mut params = params;
            // As Go does when the CA has a subject key identifier.
            params.use_authority_key_identifier_extension = true;
            let cert = params.signed_by(&key, &issuer).map_err(|e| e.to_string())?;
            Ok(cert_value(cert.pem(), pem_for(&key)?))
        })(),
        _ => return None,
    };
    Some(r)
}

fn new_key(pem: Option<&Value>) -> Result<KeyPair, String> {
    match pem {
        Some(p) => parse_key(&strval(p)),
        None => generate_cert_key(),
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
    let addrs = ips
        .iter()
        .map(|ip| ip.parse().map_err(|_| format!("error parsing ip: {ip}")))
        .collect::<Result<Vec<_>, _>>()?;
    // Go writes DNS names before IP addresses.
    for d in dns {
        let name = d
            .clone()
            .try_into()
            .map_err(|_| format!("invalid DNS name: {d}"))?;
        p.subject_alt_names.push(SanType::DnsName(name));
    }
    p.subject_alt_names
        .extend(addrs.into_iter().map(SanType::IpAddress));
    let now = Utc::now();
    let end = now + Duration::days(days.clamp(-365 * 1000, 365 * 1000));
    let at = |t: chrono::DateTime<Utc>| {
        date_time_ymd(t.year(), t.month() as u8, t.day() as u8)
            + std::time::Duration::from_secs(u64::from(t.num_seconds_from_midnight()))
    };
    p.not_before = at(now);
    p.not_after = at(end);
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial).map_err(|e| format!("failed to generate serial number: {e}"))?;
    serial[0] &= 0x7f;
    p.serial_number = Some(SerialNumber::from_slice(&serial));
    p.key_usages = vec![
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::DigitalSignature,
    ];
    if ca {
        p.key_usages.push(KeyUsagePurpose::KeyCertSign);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    } else {
        // Go writes a critical `CA:FALSE` and, unlike rcgen's `ExplicitNoCa`,
        // no subject key identifier on leaf certificates.
        p.is_ca = IsCa::NoCa;
        let mut bc = CustomExtension::from_oid_content(&[2, 5, 29, 19], vec![0x30, 0x00]);
        bc.set_criticality(true);
        p.custom_extensions.push(bc);
    }
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
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
        let key = parse_key(&strval(&leaf.get("Key"))).unwrap();
        assert!(key.is_compatible(&rcgen::PKCS_RSA_SHA256));
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
