//! An S3-compatible server in the test process: s3s-fs (a file-system backed
//! implementation of the S3 API from the s3s project, Apache-2.0) served with hyper on a
//! loopback port (plain HTTP, or HTTPS with a certificate from a throw-away CA), checking
//! SigV4 signatures against one access key pair. Buckets are
//! directories under a temp dir, objects are files; [`S3Server::put_object`] writes them
//! directly so tests need no S3 client.
//!
//! s3s-fs lists objects without ETags, which every real S3 returns and Flux's revision is
//! built from, so the listing is wrapped to add one per object (a content digest).
//!
//! Chosen over versitygw (a Go build and a process) and moto (a Python tree): it runs
//! in-process with no binary to build, and it verifies signatures, so wrong credentials
//! are rejected as by a real S3.

use std::path::{Component, Path, PathBuf};

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::dto::*;
use s3s::service::S3ServiceBuilder;
use s3s::{S3, S3Request, S3Response, S3Result};
use tempfile::TempDir;

use super::ServerThread;
use crate::TestkitError;

/// A running S3 server; stops on drop.
pub struct S3Server {
    dir: TempDir,
    endpoint: String,
    ca_pem: Option<String>,
    access_key: String,
    secret_key: String,
    _thread: ServerThread,
}

impl std::fmt::Debug for S3Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Server")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl S3Server {
    /// Starts a server accepting requests signed with `access_key`/`secret_key`.
    pub fn start(access_key: &str, secret_key: &str) -> Result<S3Server, TestkitError> {
        Self::start_with(access_key, secret_key, false)
    }

    /// Starts a server over HTTPS with a certificate (for `127.0.0.1` and `localhost`)
    /// from a new CA ([`ca_pem`](Self::ca_pem)).
    pub fn start_tls(access_key: &str, secret_key: &str) -> Result<S3Server, TestkitError> {
        Self::start_with(access_key, secret_key, true)
    }

    fn start_with(access_key: &str, secret_key: &str, tls: bool) -> Result<S3Server, TestkitError> {
        let (acceptor, ca_pem) = if tls {
            let ca = crate::pki::TestCa::new("flux-testkit-s3-ca")?;
            let cert = ca.server_cert("flux-testkit-s3", &["127.0.0.1", "localhost"])?;
            (
                Some(super::tls::acceptor(&cert)?),
                Some(ca.cert_pem().to_string()),
            )
        } else {
            (None, None)
        };
        let dir = tempfile::Builder::new()
            .prefix("flux-testkit-s3-")
            .tempdir()
            .map_err(TestkitError::io("creating the S3 root"))?;
        let fs = s3s_fs::FileSystem::new(dir.path()).map_err(|e| TestkitError::Io {
            context: "opening the S3 root".into(),
            source: std::io::Error::other(format!("{e:?}")),
        })?;
        let mut builder = S3ServiceBuilder::new(WithEtags {
            fs,
            root: dir.path().to_path_buf(),
        });
        builder.set_auth(SimpleAuth::from_single(access_key, secret_key));
        let service = builder.build();
        let (thread, port) = ServerThread::spawn("s3", move |tcp| async move {
            let http = ConnBuilder::new(TokioExecutor::new());
            loop {
                let Ok((socket, _)) = tcp.accept().await else {
                    continue;
                };
                let http = http.clone();
                let service = service.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match acceptor {
                        // A failed handshake (a client without the CA) drops the connection.
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(socket).await {
                                let _ = http.serve_connection(TokioIo::new(tls), service).await;
                            }
                        }
                        None => {
                            let _ = http.serve_connection(TokioIo::new(socket), service).await;
                        }
                    }
                });
            }
        })?;
        Ok(S3Server {
            dir,
            endpoint: format!("127.0.0.1:{port}"),
            ca_pem,
            access_key: access_key.to_string(),
            secret_key: secret_key.to_string(),
            _thread: thread,
        })
    }

    /// `127.0.0.1:<port>` (Flux's Bucket `spec.endpoint` has no scheme).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The CA certificate (PEM) of an HTTPS server.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The access key.
    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// The secret key.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// Creates a bucket.
    pub fn create_bucket(&self, bucket: &str) -> Result<(), TestkitError> {
        let path = self.object_path(bucket, "")?;
        std::fs::create_dir_all(&path)
            .map_err(TestkitError::io(format!("creating bucket {bucket}")))
    }

    /// Writes (or replaces) an object.
    pub fn put_object(&self, bucket: &str, key: &str, bytes: &[u8]) -> Result<(), TestkitError> {
        let path = self.object_path(bucket, key)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(TestkitError::io(format!("creating {}", parent.display())))?;
        }
        std::fs::write(&path, bytes).map_err(TestkitError::io(format!("writing {bucket}/{key}")))
    }

    /// Deletes an object.
    pub fn delete_object(&self, bucket: &str, key: &str) -> Result<(), TestkitError> {
        let path = self.object_path(bucket, key)?;
        std::fs::remove_file(&path).map_err(TestkitError::io(format!("deleting {bucket}/{key}")))
    }

    fn object_path(&self, bucket: &str, key: &str) -> Result<PathBuf, TestkitError> {
        let mut path = self.dir.path().join(bucket);
        for c in Path::new(key).components() {
            match c {
                Component::Normal(p) => path.push(p),
                _ => {
                    return Err(TestkitError::Io {
                        context: format!("object key '{key}'"),
                        source: std::io::Error::other("keys must be plain relative paths"),
                    });
                }
            }
        }
        Ok(path)
    }
}

/// s3s-fs with ETags in listings.
struct WithEtags {
    fs: s3s_fs::FileSystem,
    root: PathBuf,
}

fn etag_of(path: &Path) -> Option<ETag> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).ok()?;
    Some(ETag::Strong(hex::encode(&Sha256::digest(&bytes)[..16])))
}

#[async_trait::async_trait]
impl S3 for WithEtags {
    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.fs.head_bucket(req).await
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        self.fs.get_bucket_location(req).await
    }

    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        self.fs.list_buckets(req).await
    }

    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        self.fs.create_bucket(req).await
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        self.fs.get_object(req).await
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        self.fs.head_object(req).await
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        self.fs.put_object(req).await
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.fs.delete_object(req).await
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let bucket = req.input.bucket.clone();
        let mut resp = self.fs.list_objects_v2(req).await?;
        for object in resp.output.contents.iter_mut().flatten() {
            if object.e_tag.is_none()
                && let Some(key) = &object.key
            {
                object.e_tag = etag_of(&self.root.join(&bucket).join(key));
            }
        }
        Ok(resp)
    }
}
