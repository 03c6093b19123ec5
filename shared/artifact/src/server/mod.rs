//! The artifact file server (`--storage-addr`, default `:9090`).
//!
//! Like Flux's `http.FileServer` it serves the storage root by path with GET and HEAD and
//! no auth. Unlike it, there are no directory listings (`/` answers 200 for the readiness
//! probe, other directories 404), paths with `.`/`..` elements are refused, symlinks may
//! only resolve inside the root, and the storage's own temp and lock files are never served.

use std::future::Future;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::io::AsyncReadExt;

use crate::error::{Error, Result};
use crate::storage::INTERNAL_PREFIX;

const CHUNK_SIZE: usize = 64 * 1024;

/// A router serving the files under `storage_root`.
///
/// The root is resolved (symlinks included) once, here; it must exist.
pub fn router(storage_root: &Path) -> Result<Router> {
    let root = std::fs::canonicalize(storage_root)
        .map_err(|e| Error::io("failed to resolve storage root", storage_root, e))?;
    Ok(Router::new()
        .fallback(serve_file)
        .with_state(Arc::new(root)))
}

/// Serves `storage_root` on `listener` until `shutdown` completes.
pub async fn serve(
    storage_root: &Path,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let app = router(storage_root)?;
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(Error::Server)
}

async fn serve_file(State(root): State<Arc<PathBuf>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let Some(rel) = request_path(uri.path()) else {
        return not_found();
    };
    if rel.as_os_str().is_empty() {
        return StatusCode::OK.into_response();
    }
    match open(&root, &rel).await {
        Ok(Some((file, meta))) => file_response(method, file, &meta, &rel),
        Ok(None) => not_found(),
        Err(e) => {
            tracing::warn!(path = %rel.display(), error = %e, "failed to serve artifact");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "404 page not found\n").into_response()
}

/// Decodes and checks the request path; `None` for anything that is not a plain relative
/// path to a servable file.
fn request_path(raw: &str) -> Option<PathBuf> {
    let decoded = percent_decode(raw)?;
    let mut rel = PathBuf::new();
    for element in decoded.split('/').filter(|e| !e.is_empty()) {
        if element == "." || element == ".." || element.contains(['\\', '\0']) {
            return None;
        }
        if element.starts_with(INTERNAL_PREFIX) {
            return None;
        }
        rel.push(element);
    }
    Some(rel)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Opens the file if it resolves, through any symlinks, to a regular file inside `root`.
async fn open(root: &Path, rel: &Path) -> io::Result<Option<(tokio::fs::File, std::fs::Metadata)>> {
    let resolved = match tokio::fs::canonicalize(root.join(rel)).await {
        Ok(p) => p,
        Err(e) if is_missing(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Ok(inside) = resolved.strip_prefix(root) else {
        return Ok(None);
    };
    let internal = inside.components().any(|c| match c {
        Component::Normal(n) => n.to_string_lossy().starts_with(INTERNAL_PREFIX),
        _ => true,
    });
    if internal {
        return Ok(None);
    }
    let file = match tokio::fs::File::open(&resolved).await {
        Ok(f) => f,
        Err(e) if is_missing(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata().await?;
    if !meta.is_file() {
        return Ok(None);
    }
    Ok(Some((file, meta)))
}

fn is_missing(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

fn file_response(
    method: Method,
    file: tokio::fs::File,
    meta: &std::fs::Metadata,
    rel: &Path,
) -> Response {
    let mut headers = vec![
        (header::CONTENT_LENGTH, HeaderValue::from(meta.len())),
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(rel)),
        ),
    ];
    if let Some(value) = meta
        .modified()
        .ok()
        .map(chrono::DateTime::<chrono::Utc>::from)
        .and_then(|t| {
            HeaderValue::from_str(&t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()).ok()
        })
    {
        headers.push((header::LAST_MODIFIED, value));
    }
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from_stream(file_stream(file))
    };
    let mut response = Response::new(body);
    response.headers_mut().extend(headers);
    response
}

fn content_type(rel: &Path) -> &'static str {
    match rel.extension().and_then(|e| e.to_str()) {
        Some("gz" | "tgz") => "application/gzip",
        Some("yaml" | "yml") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn file_stream(file: tokio::fs::File) -> impl futures::Stream<Item = io::Result<Bytes>> {
    futures::stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        let mut buf = vec![0u8; CHUNK_SIZE];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

#[cfg(test)]
mod tests;
