use std::fs;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<()>>,
}

async fn start() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("data");
    let dir = root.join("gitrepository/ns/repo");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("abc.tar.gz"), b"artifact bytes").unwrap();
    fs::write(dir.join(".flux-tmp-123"), b"half written").unwrap();
    fs::write(dir.join(".flux-lock"), b"").unwrap();
    std::os::unix::fs::symlink("abc.tar.gz", dir.join("latest.tar.gz")).unwrap();
    std::os::unix::fs::symlink(".flux-tmp-123", dir.join("sneaky.tar.gz")).unwrap();
    fs::write(tmp.path().join("secret"), b"outside").unwrap();
    std::os::unix::fs::symlink(tmp.path().join("secret"), dir.join("escape")).unwrap();
    std::os::unix::fs::symlink("../../../../secret", dir.join("escape-rel")).unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let serve_root = root.clone();
    let task = tokio::spawn(async move {
        serve(&serve_root, listener, async {
            let _ = rx.await;
        })
        .await
    });
    Fixture {
        _tmp: tmp,
        root,
        addr,
        stop: Some(tx),
        task,
    }
}

impl Fixture {
    async fn stop(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

/// Sends the request line as-is, bypassing URL normalisation in HTTP clients.
async fn raw(addr: SocketAddr, method: &str, path: &str) -> (u16, String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(buf[..split].to_vec()).unwrap();
    let status = head[9..12].parse().unwrap();
    (status, head, buf[split + 4..].to_vec())
}

#[tokio::test]
async fn serves_files_with_length_and_head() {
    let f = start().await;
    let url = format!("http://{}/gitrepository/ns/repo/abc.tar.gz", f.addr);
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.content_length(), Some(14));
    assert_eq!(resp.headers()["content-type"], "application/gzip");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"artifact bytes");

    let (status, head, body) = raw(f.addr, "HEAD", "/gitrepository/ns/repo/abc.tar.gz").await;
    assert_eq!(status, 200);
    assert!(head.to_lowercase().contains("content-length: 14"), "{head}");
    assert!(body.is_empty());

    let latest = format!("http://{}/gitrepository/ns/repo/latest.tar.gz", f.addr);
    let resp = reqwest::get(&latest).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"artifact bytes");
    f.stop().await;
}

#[tokio::test]
async fn root_is_ok_for_the_readiness_probe_but_dirs_are_not_listed() {
    let f = start().await;
    assert_eq!(raw(f.addr, "GET", "/").await.0, 200);
    let (status, _, body) = raw(f.addr, "GET", "/gitrepository/ns/repo/").await;
    assert_eq!(status, 404);
    assert!(!String::from_utf8_lossy(&body).contains("abc.tar.gz"));
    assert_eq!(raw(f.addr, "GET", "/gitrepository").await.0, 404);
    f.stop().await;
}

#[tokio::test]
async fn missing_files_and_non_get_methods() {
    let f = start().await;
    assert_eq!(
        raw(f.addr, "GET", "/gitrepository/ns/repo/nope.tar.gz")
            .await
            .0,
        404
    );
    assert_eq!(
        raw(f.addr, "GET", "/gitrepository/ns/repo/abc.tar.gz/x")
            .await
            .0,
        404
    );
    assert_eq!(
        raw(f.addr, "POST", "/gitrepository/ns/repo/abc.tar.gz")
            .await
            .0,
        405
    );
    assert_eq!(
        raw(f.addr, "DELETE", "/gitrepository/ns/repo/abc.tar.gz")
            .await
            .0,
        405
    );
    assert!(f.root.join("gitrepository/ns/repo/abc.tar.gz").exists());
    f.stop().await;
}

#[tokio::test]
async fn no_traversal_and_no_internal_files() {
    let f = start().await;
    for path in [
        "/../secret",
        "/gitrepository/../../secret",
        "/%2e%2e/secret",
        "/gitrepository/%2E%2E/%2e%2e/secret",
        "/..%2fsecret",
        "/gitrepository/ns/repo/escape",
        "/gitrepository/ns/repo/escape-rel",
        "/gitrepository/ns/repo/.flux-tmp-123",
        "/gitrepository/ns/repo/sneaky.tar.gz",
        "/gitrepository/ns/repo/.flux-lock",
        "/gitrepository/ns/repo/abc.tar.gz%00",
        "/%zz",
    ] {
        let (status, _, body) = raw(f.addr, "GET", path).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            !String::from_utf8_lossy(&body).contains("outside"),
            "{path}"
        );
        assert!(!String::from_utf8_lossy(&body).contains("half"), "{path}");
    }
    f.stop().await;
}

#[test]
fn request_paths_are_decoded_and_checked() {
    assert_eq!(
        request_path("/a/b%3Ac.tar.gz"),
        Some(PathBuf::from("a/b:c.tar.gz"))
    );
    assert_eq!(request_path("//a///b"), Some(PathBuf::from("a/b")));
    assert_eq!(request_path("/"), Some(PathBuf::new()));
    assert_eq!(request_path("/a/./b"), None);
    assert_eq!(request_path("/a%2f..%2fb"), None);
    assert_eq!(request_path("/%ff"), None);
}
