//! Throw-away certificate authorities and certificates for the fixtures (rcgen, ECDSA P-256).

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

use crate::TestkitError;

/// A PEM certificate with its PEM (PKCS#8) private key.
#[derive(Clone, Debug)]
pub struct CertPair {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PKCS#8 PEM.
    pub key_pem: String,
}

/// A self-signed CA that issues server and client certificates.
pub struct TestCa {
    cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

impl TestCa {
    /// Creates a new CA named `common_name`.
    pub fn new(common_name: &str) -> Result<TestCa, TestkitError> {
        let what = format!("CA {common_name}");
        let key = KeyPair::generate().map_err(TestkitError::cert(&what))?;
        let mut params = CertificateParams::default();
        params.distinguished_name = name(common_name, None);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params
            .self_signed(&key)
            .map_err(TestkitError::cert(&what))?;
        Ok(TestCa {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Issues a server certificate valid for the given DNS names and IP addresses.
    pub fn server_cert(&self, common_name: &str, sans: &[&str]) -> Result<CertPair, TestkitError> {
        let what = format!("server certificate {common_name}");
        let sans: Vec<String> = sans.iter().map(|s| (*s).to_owned()).collect();
        let mut params = CertificateParams::new(sans).map_err(TestkitError::cert(&what))?;
        params.distinguished_name = name(common_name, None);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.issue(params, &what)
    }

    /// Issues a client certificate for user `common_name` in group `organization`
    /// (Kubernetes reads CN as the user name and O as the group).
    pub fn client_cert(
        &self,
        common_name: &str,
        organization: Option<&str>,
    ) -> Result<CertPair, TestkitError> {
        let what = format!("client certificate {common_name}");
        let mut params = CertificateParams::default();
        params.distinguished_name = name(common_name, organization);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params, &what)
    }

    fn issue(&self, params: CertificateParams, what: &str) -> Result<CertPair, TestkitError> {
        let key = KeyPair::generate().map_err(TestkitError::cert(what))?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(TestkitError::cert(what))?;
        Ok(CertPair {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// A key pair for signing service-account tokens: (private key PEM, public key PEM).
pub(crate) fn signing_key_pair() -> Result<(String, String), TestkitError> {
    let key = KeyPair::generate().map_err(TestkitError::cert("service-account signing key"))?;
    Ok((key.serialize_pem(), key.public_key_pem()))
}

fn name(common_name: &str, organization: Option<&str>) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    if let Some(org) = organization {
        dn.push(DnType::OrganizationName, org);
    }
    dn
}
