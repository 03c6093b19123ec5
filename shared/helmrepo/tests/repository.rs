//! flux-helmrepo against a real HTTP Helm repository (testkit's axum server).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flux_helmrepo::chart::{Limits, load_archive_file};
use flux_helmrepo::{ClientOptions, Error, Index, RepositoryClient};
use flux_testkit::registry::{ChartFile, HelmRepoServer, chart_tgz};

fn creds(user: &str, password: &str) -> ClientOptions {
    ClientOptions {
        username: Some(user.into()),
        password: Some(password.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn index_and_chart_download_with_basic_auth() {
    let repo = HelmRepoServer::start(Some(("helm", "s3cret"))).unwrap();
    repo.add_chart("podinfo", "6.0.0", "").unwrap();
    repo.add_chart("podinfo", "6.1.0", "").unwrap();
    let tmp = tempfile::tempdir().unwrap();

    let client = RepositoryClient::new(repo.url(), creds("helm", "s3cret")).unwrap();
    let index_path = tmp.path().join("index.yaml");
    let got = client.download_index(&index_path, 1 << 20).await.unwrap();
    assert_eq!(got.size, std::fs::metadata(&index_path).unwrap().len());
    let index = Index::from_reader(std::fs::File::open(&index_path).unwrap(), 1 << 20).unwrap();
    let version = index.get("podinfo", "6.0.x").unwrap().clone();
    assert_eq!(version.version, "6.0.0");

    let chart_path = tmp.path().join("chart.tgz");
    client
        .download_chart(&version, &chart_path, 1 << 20)
        .await
        .unwrap();
    let chart = load_archive_file(&chart_path, &Limits::default()).unwrap();
    assert_eq!(chart.metadata.name(), "podinfo");
    assert_eq!(chart.metadata.version(), "6.0.0");
    assert!(chart.files.contains_key("templates/configmap.yaml"));

    let wrong = RepositoryClient::new(repo.url(), creds("helm", "wrong")).unwrap();
    let err = wrong
        .download_index(&tmp.path().join("x.yaml"), 1 << 20)
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert!(err.to_string().contains("401"), "{err}");
}

#[tokio::test]
async fn credentials_stay_on_the_repository_host_unless_passed() {
    // The chart lives on another host (the same server reached as "localhost"), which
    // requires the credentials too.
    let repo = HelmRepoServer::start(Some(("helm", "pw"))).unwrap();
    let bytes = repo.add_chart("app", "1.0.0", "").unwrap();
    let port = repo.url().rsplit(':').next().unwrap();
    let cdn_url = format!("http://localhost:{port}/app-1.0.0.tgz");
    let index = format!(
        "apiVersion: v1\nentries:\n  app:\n  - name: app\n    version: 1.0.0\n    urls: [\"{cdn_url}\"]\n"
    );
    repo.put_file("index.yaml", index.as_bytes()).unwrap();
    assert!(!bytes.is_empty());
    let tmp = tempfile::tempdir().unwrap();

    for (pass, ok) in [(false, false), (true, true)] {
        let mut opts = creds("helm", "pw");
        opts.pass_credentials = pass;
        let client = RepositoryClient::new(repo.url(), opts).unwrap();
        let idx = tmp.path().join("index.yaml");
        client.download_index(&idx, 1 << 20).await.unwrap();
        let index = Index::from_reader(std::fs::File::open(&idx).unwrap(), 1 << 20).unwrap();
        let v = index.get("app", "*").unwrap().clone();
        let res = client
            .download_chart(&v, &tmp.path().join("c.tgz"), 1 << 20)
            .await;
        assert_eq!(res.is_ok(), ok, "passCredentials={pass}: {res:?}");
    }
}

#[tokio::test]
async fn unsafe_chart_archives_are_rejected() {
    let repo = HelmRepoServer::start(None).unwrap();
    let chart_yaml = ChartFile::File(
        "evil/Chart.yaml".into(),
        b"apiVersion: v2\nname: evil\nversion: 1.0.0\n".to_vec(),
    );
    let cases = [
        (
            "traversal",
            vec![
                chart_yaml.clone(),
                ChartFile::File("evil/../../etc/passwd".into(), b"x".to_vec()),
            ],
            "leaves the chart directory",
        ),
        (
            "symlink",
            vec![
                chart_yaml.clone(),
                ChartFile::Symlink("evil/templates/x.yaml".into(), "/etc/passwd".into()),
            ],
            "links are not allowed",
        ),
        (
            "absolute",
            vec![
                chart_yaml.clone(),
                ChartFile::File("/tmp/x".into(), b"x".to_vec()),
            ],
            "leaves the chart directory",
        ),
        (
            "no-chart-yaml",
            vec![ChartFile::File("evil/values.yaml".into(), b"a: 1".to_vec())],
            "Chart.yaml file is missing",
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (i, (name, entries, expected)) in cases.into_iter().enumerate() {
        let version = format!("1.0.{i}");
        repo.add_archive("evil", &version, &chart_tgz(&entries).unwrap())
            .unwrap();
        let client = RepositoryClient::new(repo.url(), ClientOptions::default()).unwrap();
        let idx = tmp.path().join("index.yaml");
        client.download_index(&idx, 1 << 20).await.unwrap();
        let index = Index::from_reader(std::fs::File::open(&idx).unwrap(), 1 << 20).unwrap();
        let v = index.get("evil", &version).unwrap().clone();
        let path = tmp.path().join(format!("{name}.tgz"));
        client.download_chart(&v, &path, 1 << 20).await.unwrap();
        let err = load_archive_file(&path, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, Error::InvalidChart { .. }) && err.to_string().contains(expected),
            "{name}: {err}"
        );
    }
    assert!(!tmp.path().join("etc").exists());
}

#[tokio::test]
async fn oversized_downloads_stop_at_the_cap() {
    let repo = HelmRepoServer::start(None).unwrap();
    let big = format!("apiVersion: v1\nentries: {{}}\n#{}\n", "x".repeat(2 << 20));
    repo.put_file("index.yaml", big.as_bytes()).unwrap();
    let client = RepositoryClient::new(repo.url(), ClientOptions::default()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let err = client
        .download_index(&tmp.path().join("index.yaml"), 1 << 20)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { limit, .. } if limit == 1 << 20),
        "{err}"
    );
}

#[test]
fn an_index_of_15000_versions_is_parsed_into_the_selection_fields_only() {
    // ~10 MB of YAML; the parsed form keeps name/version/urls/digest per entry.
    let mut doc = String::from("apiVersion: v1\nentries:\n");
    for chart in 0..150 {
        doc.push_str(&format!("  chart{chart}:\n"));
        for v in 0..100 {
            doc.push_str(&format!(
                "  - name: chart{chart}\n    version: 1.{v}.0\n    description: {}\n    urls: [chart{chart}-1.{v}.0.tgz]\n    digest: {:064}\n    maintainers:\n    - name: someone\n      email: someone@example.com\n    annotations: {{a: b, c: d}}\n",
                "lorem ipsum ".repeat(40),
                v
            ));
        }
    }
    assert!(doc.len() > 8 << 20, "{}", doc.len());
    let index = Index::from_reader(doc.as_bytes(), 50 << 20).unwrap();
    assert_eq!(index.len(), 15_000);
    assert_eq!(index.get("chart42", "^1.50").unwrap().version, "1.99.0");
}

#[tokio::test]
async fn https_repository_needs_its_ca() {
    let repo = HelmRepoServer::start_tls(Some(("u", "p"))).unwrap();
    repo.add_chart("app", "1.0.0", "").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = creds("u", "p");
    let client = RepositoryClient::new(repo.url(), opts.clone()).unwrap();
    let err = client
        .download_index(&tmp.path().join("i.yaml"), 1 << 20)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    opts.ca_pem = Some(repo.ca_pem().unwrap().as_bytes().to_vec());
    let client = RepositoryClient::new(repo.url(), opts).unwrap();
    client
        .download_index(&tmp.path().join("i.yaml"), 1 << 20)
        .await
        .unwrap();
    let index = Index::from_reader(
        std::fs::File::open(tmp.path().join("i.yaml")).unwrap(),
        1 << 20,
    )
    .unwrap();
    let v = index.get("app", "1.0.0").unwrap().clone();
    client
        .download_chart(&v, &tmp.path().join("c.tgz"), 1 << 20)
        .await
        .unwrap();
}
