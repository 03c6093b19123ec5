//! PEM and DER conversions for P-256 private keys: ring reads and writes
//! PKCS#8 (`PRIVATE KEY`), Sprig writes SEC1 (`EC PRIVATE KEY`, Go's
//! `x509.MarshalECPrivateKey`) and reads both; PEM armour and the DER
//! pieces Sprig's DSA key format needs.

use base64::Engine as _;

const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// One DER element: (tag, content, rest).
pub fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, head) = match first {
        l if l < 0x80 => (usize::from(l), 2),
        0x81 => (usize::from(*b.get(2)?), 3),
        0x82 => ((usize::from(*b.get(2)?) << 8) | usize::from(*b.get(3)?), 4),
        _ => return None,
    };
    let content = b.get(head..head + len)?;
    Some((tag, content, &b[head + len..]))
}

/// One DER element of this tag around `content` (lengths below 64 KiB).
pub fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match content.len() {
        l if l < 0x80 => out.push(l as u8),
        l if l < 0x100 => out.extend([0x81, l as u8]),
        l => out.extend([0x82, (l >> 8) as u8, l as u8]),
    }
    out.extend_from_slice(content);
    out
}

/// A DER INTEGER of an unsigned big-endian number (minimal, with a zero
/// byte in front when the high bit is set).
pub fn der_uint(be: &[u8]) -> Vec<u8> {
    let start = be.iter().position(|b| *b != 0).unwrap_or(be.len());
    let digits = &be[start..];
    let mut content = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(digits);
    der(0x02, &content)
}

/// PKCS#8 P-256 key → SEC1 with the curve named, as Go writes it; `None` for
/// any other key.
pub fn pkcs8_to_sec1(pkcs8: &[u8]) -> Option<Vec<u8>> {
    let (0x30, outer, _) = tlv(pkcs8)? else {
        return None;
    };
    let (0x02, _, rest) = tlv(outer)? else {
        return None;
    };
    let (0x30, alg, rest) = tlv(rest)? else {
        return None;
    };
    if alg.strip_prefix(OID_EC_PUBLIC_KEY) != Some(OID_P256) {
        return None;
    }
    let (0x04, inner, _) = tlv(rest)? else {
        return None;
    };
    let (d, public) = ec_parts(inner)?;
    let mut body = der(0x02, &[1]);
    body.extend(der(0x04, d));
    body.extend(der(0xa0, OID_P256));
    if let Some(p) = public {
        body.extend(der(0xa1, p));
    }
    Some(der(0x30, &body))
}

/// SEC1 P-256 key → PKCS#8 as ring reads it; `None` for other curves.
pub fn sec1_to_pkcs8(sec1: &[u8]) -> Option<Vec<u8>> {
    let (d, public) = ec_parts(sec1)?;
    let mut inner = der(0x02, &[1]);
    inner.extend(der(0x04, d));
    if let Some(p) = public {
        inner.extend(der(0xa1, p));
    }
    let mut alg = OID_EC_PUBLIC_KEY.to_vec();
    alg.extend_from_slice(OID_P256);
    let mut body = der(0x02, &[0]);
    body.extend(der(0x30, &alg));
    body.extend(der(0x04, &der(0x30, &inner)));
    Some(der(0x30, &body))
}

/// The private scalar and `[1]` public key of an `ECPrivateKey` on P-256.
fn ec_parts(ec: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let (0x30, body, _) = tlv(ec)? else {
        return None;
    };
    let (0x02, _, rest) = tlv(body)? else {
        return None;
    };
    let (0x04, d, mut rest) = tlv(rest)? else {
        return None;
    };
    let mut public = None;
    while let Some((tag, content, next)) = tlv(rest) {
        match tag {
            0xa0 if content != OID_P256 => return None,
            0xa1 => public = Some(content),
            _ => {}
        }
        rest = next;
    }
    Some((d, public))
}

/// The label and DER of the first PEM block.
pub fn pem_decode(pem: &str) -> Option<(String, Vec<u8>)> {
    let start = pem.find("-----BEGIN ")?;
    let rest = &pem[start + 11..];
    let label_end = rest.find("-----")?;
    let label = &rest[..label_end];
    let body = &rest[label_end + 5..];
    let end = body.find(&format!("-----END {label}-----"))?;
    let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    Some((label.to_string(), der))
}

/// Go's `pem.EncodeToMemory`: 64-column base64 between the armour lines.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_and_sec1_convert_both_ways() {
        let kp = rcgen::KeyPair::generate().unwrap();
        let pkcs8 = kp.serialize_der();
        let sec1 = pkcs8_to_sec1(&pkcs8).unwrap();
        assert_eq!(sec1_to_pkcs8(&sec1).unwrap(), pkcs8);
        let pem = pem_encode("EC PRIVATE KEY", &sec1);
        assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        assert_eq!(
            pem_decode(&pem).unwrap(),
            ("EC PRIVATE KEY".to_string(), sec1)
        );
        let ed = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        assert!(pkcs8_to_sec1(&ed.serialize_der()).is_none());
        assert!(sec1_to_pkcs8(b"\x30\x03\x02\x01\x01").is_none());
        assert!(pem_decode("nothing").is_none());
        assert_eq!(der_uint(&[0, 0x7f]), [0x02, 0x01, 0x7f]);
        assert_eq!(der_uint(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(der_uint(&[]), [0x02, 0x01, 0x00]);
    }
}
