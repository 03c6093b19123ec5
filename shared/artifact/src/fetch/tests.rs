use std::fs;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use flate2::Compression;
use flate2::write::GzEncoder;
use tar::EntryType;

use super::*;
use crate::storage::Storage;

// ---------- crafted archives ----------

/// Appends an entry with a raw name, bypassing the tar crate's path checks.
fn raw_entry(b: &mut tar::Builder<Vec<u8>>, name: &str, kind: EntryType, data: &[u8], link: &str) {
    let mut h = tar::Header::new_gnu();
    {
        let old = h.as_old_mut();
        old.name[..name.len()].copy_from_slice(name.as_bytes());
        old.linkname[..link.len()].copy_from_slice(link.as_bytes());
    }
    h.set_entry_type(kind);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append(&h, data).unwrap();
}

fn gz(entries: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    entries(&mut b);
    let tar = b.into_inner().unwrap();
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&tar).unwrap();
    enc.finish().unwrap()
}

fn untar_bytes(bytes: &[u8], dest: &Path) -> Result<ExtractSummary> {
    untar(bytes, dest, &ExtractLimits::default())
}

fn listing(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(root).unwrap().display().to_string());
            if fs::symlink_metadata(&p).unwrap().is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn extracts_files_and_dirs() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = gz(|b| {
        raw_entry(b, ".", EntryType::Directory, b"", "");
        raw_entry(b, "deploy", EntryType::Directory, b"", "");
        raw_entry(b, "deploy/app.yaml", EntryType::Regular, b"kind: X\n", "");
        raw_entry(b, "./nested/deep/file", EntryType::Regular, b"1", "");
    });
    let dest = tmp.path().join("out");
    let summary = untar_bytes(&bytes, &dest).unwrap();
    assert_eq!(summary.files, 2);
    assert_eq!(summary.bytes, 9);
    assert_eq!(
        fs::read(dest.join("deploy/app.yaml")).unwrap(),
        b"kind: X\n"
    );
    assert_eq!(
        listing(&dest),
        [
            "deploy",
            "deploy/app.yaml",
            "nested",
            "nested/deep",
            "nested/deep/file"
        ]
    );
}

#[test]
fn rejects_parent_traversal() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("out");
    for name in ["../evil", "a/../../evil", "a/..", "..\\evil"] {
        let bytes = gz(|b| raw_entry(b, name, EntryType::Regular, b"x", ""));
        let err = untar_bytes(&bytes, &dest).unwrap_err();
        assert!(
            matches!(err, Error::UnsafeEntry { ref entry, .. } if entry == name),
            "{name}: {err}"
        );
    }
    assert!(!tmp.path().join("evil").exists());
    assert!(listing(&dest).is_empty());
}

#[test]
fn rejects_absolute_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("abs-evil");
    let name = target.display().to_string();
    let bytes = gz(|b| raw_entry(b, &name, EntryType::Regular, b"x", ""));
    let err = untar_bytes(&bytes, &tmp.path().join("out")).unwrap_err();
    assert!(err.to_string().contains("absolute path"), "{err}");
    assert!(
        err.to_string().contains(&name),
        "error names the entry: {err}"
    );
    assert!(!target.exists());
}

#[test]
fn symlinks_are_skipped_so_nothing_escapes_through_them() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let bytes = gz(|b| {
        raw_entry(
            b,
            "link",
            EntryType::Symlink,
            b"",
            outside.to_str().unwrap(),
        );
        raw_entry(b, "uplink", EntryType::Symlink, b"", "../outside");
        raw_entry(b, "link/evil", EntryType::Regular, b"x", "");
    });
    let dest = tmp.path().join("out");
    let summary = untar_bytes(&bytes, &dest).unwrap();
    assert_eq!(summary.skipped_symlinks, 2);
    assert!(listing(&outside).is_empty(), "nothing written outside");
    assert!(
        fs::symlink_metadata(dest.join("link")).unwrap().is_dir(),
        "a real dir, not a link"
    );
    assert!(!dest.join("uplink").exists());
}

#[test]
fn never_writes_through_an_existing_symlink_in_dest() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    let dest = tmp.path().join("out");
    fs::create_dir(&outside).unwrap();
    fs::create_dir(&dest).unwrap();
    std::os::unix::fs::symlink(&outside, dest.join("dir")).unwrap();
    std::os::unix::fs::symlink(outside.join("f"), dest.join("file")).unwrap();
    for name in ["dir/evil", "file"] {
        let bytes = gz(|b| raw_entry(b, name, EntryType::Regular, b"x", ""));
        let err = untar_bytes(&bytes, &dest).unwrap_err();
        assert!(err.to_string().contains("symlink"), "{name}: {err}");
    }
    assert!(listing(&outside).is_empty());
}

#[test]
fn rejects_hard_links_and_special_files() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("hard", EntryType::Link, "hard links"),
        ("fifo", EntryType::Fifo, "unsupported file type"),
        ("dev", EntryType::Char, "unsupported file type"),
    ];
    for (name, kind, want) in cases {
        let bytes = gz(|b| raw_entry(b, name, kind, b"", "/etc/passwd"));
        let err = untar_bytes(&bytes, &tmp.path().join("out")).unwrap_err();
        assert!(
            err.to_string().contains(want) && err.to_string().contains(name),
            "{err}"
        );
    }
}

#[test]
fn enforces_size_and_entry_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = gz(|b| {
        raw_entry(b, "a", EntryType::Regular, &[1u8; 600], "");
        raw_entry(b, "b", EntryType::Regular, &[2u8; 600], "");
    });
    let limits = ExtractLimits {
        max_untar_size: Some(1000),
        max_entries: None,
    };
    let err = untar(&bytes[..], &tmp.path().join("x"), &limits).unwrap_err();
    assert!(
        matches!(err, Error::ArchiveTooLarge { ref entry, limit: 1000 } if entry == "b"),
        "{err}"
    );

    let limits = ExtractLimits {
        max_untar_size: None,
        max_entries: Some(1),
    };
    let err = untar(&bytes[..], &tmp.path().join("y"), &limits).unwrap_err();
    assert!(
        matches!(err, Error::TooManyEntries { ref entry, limit: 1 } if entry == "b"),
        "{err}"
    );

    let unlimited = ExtractLimits {
        max_untar_size: None,
        max_entries: None,
    };
    untar(&bytes[..], &tmp.path().join("z"), &unlimited).unwrap();
}

#[test]
fn a_header_claiming_a_huge_size_is_rejected_before_reading() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_path("bomb").unwrap();
    h.set_size(1 << 40);
    h.set_entry_type(EntryType::Regular);
    h.set_cksum();
    let mut raw = h.as_bytes().to_vec();
    raw.extend_from_slice(&[0u8; 1024]);
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&raw).unwrap();
    let bytes = enc.finish().unwrap();
    let err = untar_bytes(&bytes, &tmp.path().join("out")).unwrap_err();
    assert!(matches!(err, Error::ArchiveTooLarge { .. }), "{err}");
    assert!(!tmp.path().join("out/bomb").exists());
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let good = gz(|b| raw_entry(b, "file", EntryType::Regular, &[7u8; 5000], ""));
    let mut inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"not gzip at all".to_vec(),
        vec![0x1f, 0x8b, 0, 0, 0],
        good[..good.len() / 2].to_vec(),
    ];
    // Valid gzip around a truncated or garbage tar stream.
    for tar_body in [vec![0xffu8; 700], {
        let mut b = tar::Builder::new(Vec::new());
        raw_entry(&mut b, "f", EntryType::Regular, &[1u8; 4096], "");
        b.into_inner().unwrap()[..1000].to_vec()
    }] {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&tar_body).unwrap();
        inputs.push(enc.finish().unwrap());
    }
    for (i, input) in inputs.iter().enumerate() {
        let result = untar_bytes(input, &tmp.path().join(format!("out{i}")));
        assert!(result.is_err(), "input {i} should fail");
    }
}

// ---------- HTTP ----------

async fn spawn(app: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn fast(options: FetchOptions) -> FetchOptions {
    FetchOptions {
        retry_wait_min: Duration::from_millis(1),
        retry_wait_max: Duration::from_millis(5),
        ..options
    }
}

/// Serves `body` after answering `failures` requests with `fail_status`.
async fn flaky(
    fail_status: StatusCode,
    failures: usize,
    body: Vec<u8>,
) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let body = Arc::new(body);
    let app = Router::new().fallback(move || {
        let counter = counter.clone();
        let body = body.clone();
        async move {
            if counter.fetch_add(1, Ordering::SeqCst) < failures {
                (fail_status, Vec::new())
            } else {
                (StatusCode::OK, body.to_vec())
            }
        }
    });
    let addr = spawn(app).await;
    (
        format!("http://{addr}/gitrepository/ns/repo/a.tar.gz"),
        hits,
    )
}

fn sample() -> (Vec<u8>, String) {
    let bytes = gz(|b| raw_entry(b, "app.yaml", EntryType::Regular, b"kind: X\n", ""));
    let digest = Digest::sha256(&bytes).to_string();
    (bytes, digest)
}

#[tokio::test]
async fn end_to_end_from_storage_through_server() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(src.join("deploy")).unwrap();
    fs::write(src.join("deploy/app.yaml"), "kind: Deployment\n").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let storage = Storage::new(tmp.path().join("data"), addr.to_string()).unwrap();
    let mut artifact = storage
        .artifact_for("GitRepository", "ns", "repo", "main@sha1:1", "1.tar.gz")
        .unwrap();
    storage.archive(&mut artifact, &src, None).unwrap();
    let root = storage.base_path().to_path_buf();
    tokio::spawn(
        async move { crate::server::serve(&root, listener, std::future::pending()).await },
    );

    let dest = tmp.path().join("out");
    let digest = artifact.digest.clone().unwrap();
    let summary = fetch_and_extract(
        &artifact.url,
        &digest,
        &dest,
        &fast(FetchOptions::default()),
    )
    .await
    .unwrap();
    assert_eq!(summary.files, 1);
    assert_eq!(
        fs::read_to_string(dest.join("deploy/app.yaml")).unwrap(),
        "kind: Deployment\n"
    );
    let mode = fs::metadata(dest.join("deploy/app.yaml")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o600
    );
}

#[tokio::test]
async fn retries_transient_errors_then_succeeds() {
    let (bytes, digest) = sample();
    let (url, hits) = flaky(StatusCode::SERVICE_UNAVAILABLE, 2, bytes).await;
    let tmp = tempfile::tempdir().unwrap();
    let fetcher = Fetcher::new(fast(FetchOptions::default()));
    fetcher
        .fetch_and_extract(&url, &digest, tmp.path())
        .await
        .unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    assert!(tmp.path().join("app.yaml").exists());
}

#[tokio::test]
async fn retries_404_while_the_artifact_is_rebuilt() {
    let (bytes, digest) = sample();
    let (url, hits) = flaky(StatusCode::NOT_FOUND, 2, bytes).await;
    let tmp = tempfile::tempdir().unwrap();
    Fetcher::new(fast(FetchOptions::default()))
        .fetch_and_extract(&url, &digest, tmp.path())
        .await
        .unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn persistent_404_is_not_found_after_bounded_retries() {
    let (bytes, digest) = sample();
    let (url, hits) = flaky(StatusCode::NOT_FOUND, usize::MAX, bytes).await;
    let options = fast(FetchOptions {
        not_found_retries: 2,
        ..FetchOptions::default()
    });
    let err = Fetcher::new(options)
        .fetch(&url, &digest)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(ref u) if *u == url), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let (bytes, digest) = sample();
    let (url, hits) = flaky(StatusCode::FORBIDDEN, usize::MAX, bytes).await;
    let err = Fetcher::new(fast(FetchOptions::default()))
        .fetch(&url, &digest)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::HttpStatus { status, .. } if status == StatusCode::FORBIDDEN),
        "{err}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn retries_are_bounded_for_server_errors() {
    let (bytes, digest) = sample();
    let (url, hits) = flaky(StatusCode::BAD_GATEWAY, usize::MAX, bytes).await;
    let options = fast(FetchOptions {
        retries: 3,
        ..FetchOptions::default()
    });
    let err = Fetcher::new(options)
        .fetch(&url, &digest)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::HttpStatus { .. }), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn digest_mismatch_fails_before_extracting() {
    let (bytes, _) = sample();
    let wrong = Digest::sha256(b"something else").to_string();
    let (url, _) = flaky(StatusCode::OK, 0, bytes).await;
    let tmp = tempfile::tempdir().unwrap();
    let err = Fetcher::new(fast(FetchOptions::default()))
        .fetch_and_extract(&url, &wrong, tmp.path())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::DigestMismatch { ref expected, .. } if *expected == wrong),
        "{err}"
    );
    assert!(listing(tmp.path()).is_empty());
}

#[tokio::test]
async fn bare_hex_digest_is_sha256_and_garbage_digest_is_rejected() {
    let (bytes, digest) = sample();
    let (url, hits) = flaky(StatusCode::OK, 0, bytes).await;
    let fetcher = Fetcher::new(fast(FetchOptions::default()));
    let hex = digest.trim_start_matches("sha256:");
    fetcher.fetch(&url, hex).await.unwrap();
    assert!(matches!(
        fetcher.fetch(&url, "sha256:nothex").await,
        Err(Error::InvalidDigest { .. })
    ));
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "an invalid digest never hits the network"
    );
}

#[tokio::test]
async fn oversized_download_is_rejected() {
    let bytes = vec![0u8; 10_000];
    let digest = Digest::sha256(&bytes).to_string();
    let (url, _) = flaky(StatusCode::OK, 0, bytes).await;
    let options = fast(FetchOptions {
        max_download_size: Some(4096),
        ..FetchOptions::default()
    });
    let err = Fetcher::new(options)
        .fetch(&url, &digest)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::DownloadTooLarge { limit: 4096, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn host_override_rewrites_the_url() {
    let (bytes, digest) = sample();
    let (url, hits) = flaky(StatusCode::OK, 0, bytes).await;
    let real = reqwest::Url::parse(&url).unwrap();
    let host = format!("{}:{}", real.host_str().unwrap(), real.port().unwrap());
    let options = fast(FetchOptions {
        host_override: Some(host),
        ..FetchOptions::default()
    });
    let advertised =
        "http://source-controller.flux-system.svc.cluster.local./gitrepository/ns/repo/a.tar.gz";
    Fetcher::new(options)
        .fetch(advertised, &digest)
        .await
        .unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
