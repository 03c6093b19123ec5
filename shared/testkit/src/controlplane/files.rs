//! The control plane's on-disk material: certificates, keys and kubeconfigs.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::TestkitError;
use crate::pki::{CertPair, TestCa, signing_key_pair};

/// Paths of everything the components read, all inside the control plane's directory.
pub(crate) struct Pki {
    pub(crate) serving_ca: PathBuf,
    pub(crate) serving_cert: PathBuf,
    pub(crate) serving_key: PathBuf,
    pub(crate) client_ca: PathBuf,
    pub(crate) sa_key: PathBuf,
    pub(crate) sa_pub: PathBuf,
    pub(crate) serving_ca_pem: String,
    pub(crate) admin: CertPair,
    pub(crate) controller_manager: CertPair,
    pub(crate) scheduler: CertPair,
}

/// Generates the CAs, the serving certificate, client certificates and the SA signing key.
pub(crate) fn write_pki(dir: &Path) -> Result<Pki, TestkitError> {
    let serving = TestCa::new("flux-testkit-serving-ca")?;
    let clients = TestCa::new("flux-testkit-client-ca")?;
    let apiserver = serving.server_cert(
        "kube-apiserver",
        &[
            "127.0.0.1",
            "localhost",
            "10.0.0.1",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
        ],
    )?;
    // system:masters bypasses RBAC; the controller manager needs it because it runs every
    // controller under its own identity (--use-service-account-credentials=false).
    let admin = clients.client_cert("flux-testkit-admin", Some("system:masters"))?;
    let controller_manager =
        clients.client_cert("system:kube-controller-manager", Some("system:masters"))?;
    let scheduler = clients.client_cert("system:kube-scheduler", None)?;
    let (sa_private, sa_public) = signing_key_pair()?;

    let pki = Pki {
        serving_ca: dir.join("serving-ca.crt"),
        serving_cert: dir.join("apiserver.crt"),
        serving_key: dir.join("apiserver.key"),
        client_ca: dir.join("client-ca.crt"),
        sa_key: dir.join("sa.key"),
        sa_pub: dir.join("sa.pub"),
        serving_ca_pem: serving.cert_pem().to_owned(),
        admin,
        controller_manager,
        scheduler,
    };
    write(&pki.serving_ca, serving.cert_pem())?;
    write(&pki.serving_cert, &apiserver.cert_pem)?;
    write(&pki.serving_key, &apiserver.key_pem)?;
    write(&pki.client_ca, clients.cert_pem())?;
    write(&pki.sa_key, &sa_private)?;
    write(&pki.sa_pub, &sa_public)?;
    Ok(pki)
}

/// A kubeconfig for `server` authenticating with a client certificate.
pub(crate) fn kubeconfig_yaml(server: &str, ca_pem: &str, user: &str, cert: &CertPair) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: flux-testkit
  cluster:
    server: {server}
    certificate-authority-data: {ca}
users:
- name: {user}
  user:
    client-certificate-data: {cert}
    client-key-data: {key}
contexts:
- name: flux-testkit
  context:
    cluster: flux-testkit
    user: {user}
    namespace: default
current-context: flux-testkit
",
        ca = B64.encode(ca_pem),
        cert = B64.encode(&cert.cert_pem),
        key = B64.encode(&cert.key_pem),
    )
}

/// Writes `contents` to `path`, naming the file on failure.
pub(crate) fn write(path: &Path, contents: &str) -> Result<(), TestkitError> {
    std::fs::write(path, contents).map_err(TestkitError::io(format!("writing {}", path.display())))
}
