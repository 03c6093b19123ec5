use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use flate2::read::GzDecoder;

use super::*;
use crate::ignore::SourceIgnoreFilter;

fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

fn storage() -> (tempfile::TempDir, Storage) {
    let tmp = tempfile::tempdir().unwrap();
    let s = Storage::new(
        tmp.path().join("data"),
        "source-controller.flux-system.svc.cluster.local.",
    )
    .unwrap();
    (tmp, s)
}

fn source_tree() -> tempfile::TempDir {
    let src = tempfile::tempdir().unwrap();
    write(src.path(), "deploy/app.yaml", "kind: Deployment\n");
    write(
        src.path(),
        "deploy/kustomization.yaml",
        "resources: [app.yaml]\n",
    );
    write(src.path(), "README.md", "# hi\n");
    write(src.path(), "bin/run.sh", "#!/bin/sh\n");
    fs::set_permissions(
        src.path().join("bin/run.sh"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    src
}

/// (name, entry type, mode, uid, gid, mtime, uname, gname, content)
type Entry = (
    String,
    tar::EntryType,
    u32,
    u64,
    u64,
    u64,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
);

fn read_entries(path: &Path) -> Vec<Entry> {
    let mut archive = tar::Archive::new(GzDecoder::new(fs::File::open(path).unwrap()));
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let h = e.header().clone();
            let mut content = Vec::new();
            e.read_to_end(&mut content).unwrap();
            (
                e.path().unwrap().display().to_string(),
                h.entry_type(),
                h.mode().unwrap(),
                h.uid().unwrap(),
                h.gid().unwrap(),
                h.mtime().unwrap(),
                h.username_bytes().unwrap_or_default().to_vec(),
                h.groupname_bytes().unwrap_or_default().to_vec(),
                content,
            )
        })
        .collect()
}

#[test]
fn artifact_paths_and_urls_follow_flux_layout() {
    let (_tmp, s) = storage();
    let a = s
        .artifact_for(
            "GitRepository",
            "flux-system",
            "podinfo",
            "main@sha1:abc",
            "abc.tar.gz",
        )
        .unwrap();
    assert_eq!(a.path, "gitrepository/flux-system/podinfo/abc.tar.gz");
    assert_eq!(
        a.url,
        "http://source-controller.flux-system.svc.cluster.local./gitrepository/flux-system/podinfo/abc.tar.gz"
    );
    assert_eq!(a.revision, "main@sha1:abc");
    assert_eq!(a.digest, None);

    let s2 = Storage::new(s.base_path(), "https://artifacts.example.com/").unwrap();
    let a = s2
        .artifact_for("HelmChart", "ns", "c", "1.0.0", "c-1.0.0.tgz")
        .unwrap();
    assert_eq!(
        a.url,
        "https://artifacts.example.com/helmchart/ns/c/c-1.0.0.tgz"
    );
}

#[test]
fn unsafe_names_are_rejected() {
    let (_tmp, s) = storage();
    assert!(
        s.artifact_for("GitRepository", "..", "x", "r", "f")
            .is_err()
    );
    assert!(
        s.artifact_for("GitRepository", "ns", "a/b", "r", "f")
            .is_err()
    );
    assert!(
        s.artifact_for("GitRepository", "ns", "x", "r", ".flux-lock")
            .is_err()
    );
    assert!(s.artifact_for("GitRepository", "ns", "x", "r", "").is_err());
    let evil = Artifact {
        path: "gitrepository/ns/../../etc/passwd".into(),
        ..Artifact::default()
    };
    assert!(matches!(
        s.local_path(&evil),
        Err(Error::InvalidPath { .. })
    ));
    assert!(!s.exists(&evil));
}

#[test]
fn advertised_address_derivation() {
    assert_eq!(
        advertised_address(":9090", "", "pod-1").unwrap(),
        "localhost:9090"
    );
    assert_eq!(
        advertised_address("0.0.0.0:9090", "", "pod-1").unwrap(),
        "pod-1:9090"
    );
    assert_eq!(
        advertised_address("10.0.0.1:9090", "", "pod-1").unwrap(),
        "10.0.0.1:9090"
    );
    assert_eq!(
        advertised_address(":9090", "sc.ns.svc.", "pod-1").unwrap(),
        "sc.ns.svc."
    );
    assert!(advertised_address("9090", "", "pod-1").is_err());
}

#[test]
fn archive_normalises_headers_like_flux() {
    let (_tmp, s) = storage();
    let src = source_tree();
    std::os::unix::fs::symlink("/etc/passwd", src.path().join("deploy/link")).unwrap();
    let mut a = s
        .artifact_for("GitRepository", "ns", "repo", "main@sha1:1", "1.tar.gz")
        .unwrap();
    s.archive(&mut a, src.path(), None).unwrap();

    let entries = read_entries(&s.local_path(&a).unwrap());
    let names: Vec<_> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        names,
        [
            ".",
            "README.md",
            "bin",
            "bin/run.sh",
            "deploy",
            "deploy/app.yaml",
            "deploy/kustomization.yaml"
        ],
        "sorted walk, root first, symlink skipped"
    );
    for (name, kind, mode, uid, gid, mtime, uname, gname, _) in &entries {
        assert_eq!((*uid, *gid, *mtime), (0, 0, 0), "{name}");
        assert!(uname.is_empty() && gname.is_empty(), "{name}");
        let want = match name.as_str() {
            "." | "bin" | "deploy" => (tar::EntryType::Directory, 0o750),
            "bin/run.sh" => (tar::EntryType::Regular, 0o700),
            _ => (tar::EntryType::Regular, 0o600),
        };
        assert_eq!((*kind, *mode), want, "{name}");
    }
    let app = entries.iter().find(|e| e.0 == "deploy/app.yaml").unwrap();
    assert_eq!(app.8, b"kind: Deployment\n");

    let meta = fs::metadata(s.local_path(&a).unwrap()).unwrap();
    assert_eq!(a.size, Some(meta.len() as i64));
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    s.verify(&a).unwrap();
}

#[test]
fn same_tree_gives_same_digest_regardless_of_mtime() {
    let (_tmp, s) = storage();
    let src = source_tree();
    let mut first = s
        .artifact_for("GitRepository", "ns", "repo", "r", "a.tar.gz")
        .unwrap();
    s.archive(&mut first, src.path(), None).unwrap();

    let old = SystemTime::now() - Duration::from_secs(86_400 * 365);
    fs::File::options()
        .write(true)
        .open(src.path().join("README.md"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let copy = source_tree();
    let mut second = s
        .artifact_for("GitRepository", "ns", "repo", "r", "b.tar.gz")
        .unwrap();
    s.archive(&mut second, copy.path(), None).unwrap();
    let mut third = s
        .artifact_for("GitRepository", "ns", "repo", "r", "c.tar.gz")
        .unwrap();
    s.archive(&mut third, src.path(), None).unwrap();

    assert!(first.digest.as_deref().unwrap().starts_with("sha256:"));
    assert_eq!(first.digest, second.digest);
    assert_eq!(first.digest, third.digest);

    write(copy.path(), "README.md", "# changed\n");
    let mut changed = s
        .artifact_for("GitRepository", "ns", "repo", "r", "d.tar.gz")
        .unwrap();
    s.archive(&mut changed, copy.path(), None).unwrap();
    assert_ne!(first.digest, changed.digest);
}

#[test]
fn archive_applies_the_ignore_filter() {
    let (_tmp, s) = storage();
    let src = source_tree();
    write(src.path(), ".git/HEAD", "ref: refs/heads/main\n");
    write(src.path(), "logo.png", "png");
    write(src.path(), ".sourceignore", "bin/\n");
    let filter = SourceIgnoreFilter::load(src.path(), Some("!bin/run.sh")).unwrap();
    let mut a = s
        .artifact_for("GitRepository", "ns", "repo", "r", "x.tar.gz")
        .unwrap();
    s.archive(&mut a, src.path(), Some(&filter)).unwrap();
    let names: Vec<_> = read_entries(&s.local_path(&a).unwrap())
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert!(!names.iter().any(|n| n.starts_with(".git")), "{names:?}");
    assert!(
        names.contains(&"logo.png".to_string()),
        "defaults off with a .sourceignore"
    );
    assert!(
        !names.contains(&"bin".to_string()),
        "excluded dir has no entry: {names:?}"
    );
    assert!(
        names.contains(&"bin/run.sh".to_string()),
        "re-included child: {names:?}"
    );
    assert!(names.contains(&".sourceignore".to_string()));
}

#[test]
fn archive_of_missing_dir_fails_without_touching_storage() {
    let (tmp, s) = storage();
    let mut a = s
        .artifact_for("GitRepository", "ns", "repo", "r", "x.tar.gz")
        .unwrap();
    let err = s
        .archive(&mut a, &tmp.path().join("nope"), None)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidDir(_)), "{err}");
    assert!(!s.exists(&a));
}

struct FailingReader(usize);
impl Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0 == 0 {
            return Err(io::Error::other("connection reset"));
        }
        let n = buf.len().min(self.0);
        buf[..n].fill(b'x');
        self.0 -= n;
        Ok(n)
    }
}

fn dir_listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn failed_write_leaves_no_partial_file_and_keeps_the_old_one() {
    let (_tmp, s) = storage();
    let mut a = s
        .artifact_for("HelmRepository", "ns", "repo", "r", "index.yaml")
        .unwrap();
    s.copy(&mut a, &b"apiVersion: v1\n"[..]).unwrap();
    let good = a.clone();

    let mut b = a.clone();
    let err = s.copy(&mut b, FailingReader(100_000)).unwrap_err();
    assert!(err.to_string().contains("connection reset"), "{err}");
    assert_eq!(b, good, "artifact unchanged on failure");
    assert_eq!(
        fs::read(s.local_path(&a).unwrap()).unwrap(),
        b"apiVersion: v1\n"
    );
    s.verify(&good).unwrap();
    let dir = s.local_path(&a).unwrap().parent().unwrap().to_path_buf();
    assert_eq!(dir_listing(&dir), [".flux-lock", "index.yaml"]);
}

#[test]
fn stale_temp_files_are_removed_on_startup() {
    let (_tmp, s) = storage();
    let dir = s.base_path().join("gitrepository/ns/repo");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(".flux-tmp-abc123"), "half").unwrap();
    fs::write(dir.join("keep.tar.gz"), "whole").unwrap();
    let _s = Storage::new(s.base_path(), "x").unwrap();
    assert_eq!(dir_listing(&dir), ["keep.tar.gz"]);
}

#[test]
fn copy_sets_digest_and_size_and_verify_catches_corruption() {
    let (tmp, s) = storage();
    let src = tmp.path().join("chart.tgz");
    fs::write(&src, b"abc").unwrap();
    let mut a = s
        .artifact_for("HelmChart", "ns", "c", "1.0.0", "c-1.0.0.tgz")
        .unwrap();
    s.copy_from_path(&mut a, &src).unwrap();
    assert_eq!(
        a.digest.as_deref(),
        Some("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!(a.size, Some(3));
    assert!(s.exists(&a));
    s.verify(&a).unwrap();

    fs::write(s.local_path(&a).unwrap(), b"abd").unwrap();
    assert!(matches!(s.verify(&a), Err(Error::DigestMismatch { .. })));
    let mut no_digest = a.clone();
    no_digest.digest = None;
    assert!(matches!(s.verify(&no_digest), Err(Error::MissingDigest(_))));
}

#[test]
fn symlink_points_at_the_current_artifact() {
    let (_tmp, s) = storage();
    let mut a = s
        .artifact_for("Bucket", "ns", "b", "r", "one.tar.gz")
        .unwrap();
    s.copy(&mut a, &b"one"[..]).unwrap();
    let url = s.symlink(&a, "latest.tar.gz").unwrap();
    assert_eq!(
        url,
        "http://source-controller.flux-system.svc.cluster.local./bucket/ns/b/latest.tar.gz"
    );
    let link = s.base_path().join("bucket/ns/b/latest.tar.gz");
    assert_eq!(fs::read(&link).unwrap(), b"one");

    let mut b = s
        .artifact_for("Bucket", "ns", "b", "r", "two.tar.gz")
        .unwrap();
    s.copy(&mut b, &b"two"[..]).unwrap();
    s.symlink(&b, "latest.tar.gz").unwrap();
    assert_eq!(fs::read(&link).unwrap(), b"two");
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("two.tar.gz"));
}

fn stamp(path: &Path, secs_ago: u64) {
    let t = SystemTime::now() - Duration::from_secs(secs_ago);
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

#[test]
fn garbage_collect_keeps_the_newest_records() {
    let (_tmp, s) = storage();
    let mut artifacts = Vec::new();
    for (i, age) in [40u64, 30, 20, 10].iter().enumerate() {
        let mut a = s
            .artifact_for("GitRepository", "ns", "repo", "r", &format!("{i}.tar.gz"))
            .unwrap();
        s.copy(&mut a, format!("content {i}").as_bytes()).unwrap();
        stamp(&s.local_path(&a).unwrap(), *age);
        artifacts.push(a);
    }
    let current = artifacts.last().unwrap();
    s.symlink(current, "latest.tar.gz").unwrap();

    let removed = s.garbage_collect(current, Retention::default()).unwrap();
    let mut removed: Vec<_> = removed
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    removed.sort();
    assert_eq!(removed, ["0.tar.gz", "1.tar.gz"]);
    let dir = s.base_path().join("gitrepository/ns/repo");
    assert_eq!(
        dir_listing(&dir),
        [".flux-lock", "2.tar.gz", "3.tar.gz", "latest.tar.gz"]
    );

    // Past the TTL only the current artifact survives.
    stamp(&dir.join("2.tar.gz"), 120);
    let removed = s.garbage_collect(current, Retention::default()).unwrap();
    assert_eq!(removed, [dir.join("2.tar.gz")]);
    s.verify(current).unwrap();
}

#[test]
fn remove_all_deletes_the_object_dir_only() {
    let (_tmp, s) = storage();
    let mut a = s
        .artifact_for("GitRepository", "ns", "a", "r", "1.tar.gz")
        .unwrap();
    let mut b = s
        .artifact_for("GitRepository", "ns", "b", "r", "1.tar.gz")
        .unwrap();
    s.copy(&mut a, &b"a"[..]).unwrap();
    s.copy(&mut b, &b"b"[..]).unwrap();
    let removed = s.remove_all("GitRepository", "ns", "a").unwrap();
    assert_eq!(removed, Some(s.base_path().join("gitrepository/ns/a")));
    assert!(!s.exists(&a));
    assert!(s.exists(&b));
    assert_eq!(s.remove_all("GitRepository", "ns", "a").unwrap(), None);
}

#[test]
fn concurrent_writers_never_interleave() {
    let (_tmp, s) = storage();
    let handles: Vec<_> = (0..8u8)
        .map(|i| {
            let s = s.clone();
            std::thread::spawn(move || {
                let mut a = s
                    .artifact_for("GitRepository", "ns", "repo", "r", "same.tar.gz")
                    .unwrap();
                let body = vec![i; 256 * 1024];
                s.copy(&mut a, &body[..]).unwrap();
                a
            })
        })
        .collect();
    let results: Vec<Artifact> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let stored = fs::read(s.local_path(&results[0]).unwrap()).unwrap();
    assert_eq!(stored.len(), 256 * 1024);
    assert!(
        stored.iter().all(|b| *b == stored[0]),
        "bytes from two writers mixed"
    );
    let winner = results.iter().find(|a| s.verify(a).is_ok());
    assert!(
        winner.is_some(),
        "the stored file matches one writer's digest"
    );
}

#[test]
fn long_paths_survive_a_round_trip() {
    let (tmp, s) = storage();
    let src = tempfile::tempdir().unwrap();
    let deep = format!("{}/{}", "d".repeat(90), "e".repeat(90));
    let rel = format!("{deep}/{}.yaml", "f".repeat(120));
    write(src.path(), &rel, "long\n");
    let mut a = s
        .artifact_for("GitRepository", "ns", "repo", "r", "long.tar.gz")
        .unwrap();
    s.archive(&mut a, src.path(), None).unwrap();
    let names: Vec<_> = read_entries(&s.local_path(&a).unwrap())
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert!(names.contains(&rel), "{names:?}");

    let out = tmp.path().join("out");
    let file = fs::File::open(s.local_path(&a).unwrap()).unwrap();
    crate::fetch::untar(file, &out, &crate::fetch::ExtractLimits::default()).unwrap();
    assert_eq!(fs::read_to_string(out.join(&rel)).unwrap(), "long\n");
}

#[test]
fn writers_wait_for_the_object_lock() {
    let (_tmp, s) = storage();
    let a = s
        .artifact_for("GitRepository", "ns", "repo", "r", "locked.tar.gz")
        .unwrap();
    let target = s.local_path(&a).unwrap();
    let dir = target.parent().unwrap().to_path_buf();
    fs::create_dir_all(&dir).unwrap();
    let guard = ObjectLock::acquire(&dir).unwrap();

    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let writer = {
        let s = s.clone();
        let mut a = a.clone();
        std::thread::spawn(move || {
            started_tx.send(()).unwrap();
            s.copy(&mut a, &b"data"[..]).unwrap();
        })
    };
    started_rx.recv().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !target.exists(),
        "the writer must block while the lock is held"
    );
    drop(guard);
    writer.join().unwrap();
    assert_eq!(fs::read(&target).unwrap(), b"data");
}
