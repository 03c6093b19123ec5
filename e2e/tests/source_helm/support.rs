//! Helpers of the HelmRepository, HelmChart, OCIRepository and Bucket scenarios: the
//! in-process source-controller, per-test namespaces, creating objects and waiting on
//! their conditions (generic over the kind), and downloading artifacts.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use flux_testkit::{ControlPlane, test_namespace};
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use kube::core::NamespaceResourceScope;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::Digest;

/// Starts source-controller once per test binary, on its own thread and runtime.
pub fn controller() -> &'static PathBuf {
    static STORAGE: OnceLock<PathBuf> = OnceLock::new();
    STORAGE.get_or_init(|| {
        flux_e2e::inprocess::start_source_controller(
            "flux-sources-e2e-",
            &["--requeue-dependency=2s".into(), "--concurrent=4".into()],
        )
        .unwrap()
    })
}

pub struct Ctx {
    pub client: kube::Client,
    pub ns: String,
}

pub async fn setup(prefix: &str) -> Ctx {
    controller();
    let client = ControlPlane::shared().client().await;
    let ns = test_namespace(&client, prefix).await;
    Ctx { client, ns }
}

pub trait Kind:
    kube::Resource<DynamicType = (), Scope = NamespaceResourceScope>
    + Clone
    + Debug
    + Serialize
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
}
impl<K> Kind for K where
    K: kube::Resource<DynamicType = (), Scope = NamespaceResourceScope>
        + Clone
        + Debug
        + Serialize
        + DeserializeOwned
        + Send
        + Sync
        + 'static
{
}

impl Ctx {
    pub fn api<K: Kind>(&self) -> Api<K> {
        Api::namespaced(self.client.clone(), &self.ns)
    }

    pub async fn secret(&self, name: &str, data: &[(&str, &str)]) {
        let string_data: BTreeMap<_, _> = data.iter().map(|(k, v)| (*k, *v)).collect();
        let secret: Secret = serde_json::from_value(json!({
            "metadata": {"name": name}, "stringData": string_data
        }))
        .unwrap();
        self.api::<Secret>()
            .patch(
                name,
                &PatchParams::apply("e2e").force(),
                &Patch::Apply(&secret),
            )
            .await
            .unwrap();
    }

    pub async fn create<K: Kind>(&self, name: &str, spec: Value) -> K {
        let kind = K::kind(&());
        let obj: K = serde_json::from_value(json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": kind,
            "metadata": {"name": name}, "spec": spec
        }))
        .unwrap();
        self.api::<K>()
            .create(&PostParams::default(), &obj)
            .await
            .unwrap()
    }

    pub async fn patch_spec<K: Kind>(&self, name: &str, spec: Value) {
        self.api::<K>()
            .patch(
                name,
                &PatchParams::default(),
                &Patch::Merge(&json!({"spec": spec})),
            )
            .await
            .unwrap();
    }

    pub async fn request_reconcile<K: Kind>(&self, name: &str, token: &str) {
        let patch =
            json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": token}}});
        self.api::<K>()
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .unwrap();
    }

    /// Polls until `pred` holds on the object as JSON; the timeout only guards hangs.
    pub async fn wait<K: Kind>(
        &self,
        name: &str,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let obj = serde_json::to_value(self.api::<K>().get(name).await.unwrap()).unwrap();
            if pred(&obj) {
                return obj;
            }
            assert!(
                Instant::now() < deadline,
                "{} {}/{name} never became {what}; status: {}",
                K::kind(&()),
                self.ns,
                serde_json::to_string_pretty(&obj["status"]).unwrap()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    pub async fn ready<K: Kind>(&self, name: &str) -> Value {
        self.wait::<K>(name, "Ready", |o| {
            condition(o, "Ready").is_some_and(|c| c.0 == "True")
                && o["status"]["observedGeneration"] == o["metadata"]["generation"]
        })
        .await
    }

    pub async fn failing<K: Kind>(&self, name: &str, cond: &str, reason: &str) -> Value {
        self.wait::<K>(name, &format!("{cond} with reason {reason}"), |o| {
            condition(o, "Ready").is_some_and(|c| c.0 == "False")
                && condition(o, cond).is_some_and(|c| c.1 == reason)
        })
        .await
    }
}

/// (status, reason, message) of a condition.
pub fn condition(obj: &Value, type_: &str) -> Option<(String, String, String)> {
    let c = obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)?;
    let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
    Some((s("status"), s("reason"), s("message")))
}

pub fn revision(obj: &Value) -> String {
    obj["status"]["artifact"]["revision"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Downloads the artifact from its URL, checks digest and size, returns the bytes.
pub async fn download_bytes(obj: &Value) -> Vec<u8> {
    let artifact = &obj["status"]["artifact"];
    let url = artifact["url"].as_str().unwrap();
    let bytes = reqwest::get(url)
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&bytes)));
    assert_eq!(artifact["digest"], digest.as_str(), "digest of {url}");
    assert_eq!(artifact["size"], bytes.len() as i64);
    bytes
}

/// The files of a tar.gz artifact.
pub async fn download(obj: &Value) -> BTreeMap<String, String> {
    let bytes = download_bytes(obj).await;
    untar(&bytes)
}

pub fn untar(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.header().entry_type().is_file() {
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            files.insert(path, String::from_utf8_lossy(&content).into_owned());
        }
    }
    files
}

/// A gzip'd tarball of files (for OCI artifacts and bucket contents).
pub fn tgz(files: &[(&str, &str)]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    {
        let mut builder = tar::Builder::new(&mut gz);
        for (path, content) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, path, content.as_bytes())
                .unwrap();
        }
        builder.finish().unwrap();
    }
    gz.finish().unwrap()
}

/// A client of `repository` in `registry`, logged in as `user`/`password`.
pub fn chart_client(
    registry: &flux_testkit::registry::OciRegistry,
    repository: &str,
    (user, password): (&str, &str),
) -> flux_oci::OciClient {
    flux_oci::OciClient::new(
        flux_oci::OciUrl::parse(&registry.oci_url(repository)).unwrap(),
        flux_oci::ClientOptions {
            credentials: Some((user.into(), password.into())),
            insecure: true,
            ..Default::default()
        },
    )
    .unwrap()
}

/// Pushes a packaged chart as `helm push` lays it out; returns the manifest digest.
pub async fn push_chart(client: &flux_oci::OciClient, tag: &str, tgz: Vec<u8>) -> String {
    client
        .push(
            tag,
            tgz,
            flux_oci::HELM_CHART_CONTENT_MEDIA_TYPE,
            flux_oci::HELM_CHART_CONFIG_MEDIA_TYPE,
            BTreeMap::new(),
        )
        .await
        .unwrap()
}
