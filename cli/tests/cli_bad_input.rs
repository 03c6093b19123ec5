//! e2e: bad input gets a clear message and a non-zero exit, never a panic or a stack trace;
//! plus the cluster-free commands (completion, kustomize build, version --client).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::flux;

/// (arguments, text the error must contain)
const CASES: &[(&[&str], &str)] = &[
    (
        &[
            "create",
            "source",
            "git",
            "podinfo",
            "--url=ftp://example.com/repo",
            "--branch=main",
            "--export",
        ],
        "git URL scheme 'ftp' not supported",
    ),
    (
        &[
            "create",
            "source",
            "git",
            "podinfo",
            "--url=https://example.com/repo",
            "--export",
        ],
        "a Git ref is required",
    ),
    (
        &[
            "create",
            "source",
            "git",
            "podinfo",
            "--url=ssh://git@example.com/repo",
            "--branch=main",
            "--export",
        ],
        "needs --private-key-file or --secret-ref",
    ),
    (
        &[
            "create",
            "source",
            "git",
            "Bad_Name",
            "--url=https://example.com/repo",
            "--branch=main",
            "--export",
        ],
        "invalid name 'Bad_Name'",
    ),
    (
        &[
            "create",
            "source",
            "git",
            "podinfo",
            "--url=https://example.com/repo",
            "--branch=main",
            "--interval=soon",
            "--export",
        ],
        "invalid --interval",
    ),
    (
        &[
            "create",
            "source",
            "git",
            "podinfo",
            "--url=https://example.com/repo",
            "--branch=main",
            "--private-key-file=/nonexistent/key",
            "--export",
        ],
        "--private-key-file needs an ssh:// URL",
    ),
    (&["create", "source", "git", "podinfo"], "--url"),
    (
        &[
            "create",
            "source",
            "oci",
            "podinfo",
            "--url=https://ghcr.io/x",
            "--tag=1",
            "--export",
        ],
        "expected an oci:// address",
    ),
    (
        &[
            "create",
            "source",
            "bucket",
            "b",
            "--bucket-name=x",
            "--endpoint=e",
            "--provider=dropbox",
            "--export",
        ],
        "invalid --provider 'dropbox'",
    ),
    (
        &[
            "create",
            "ks",
            "podinfo",
            "--source=HelmRepository/podinfo",
            "--export",
        ],
        "kind must be one of GitRepository, OCIRepository, Bucket",
    ),
    (
        &[
            "create",
            "ks",
            "podinfo",
            "--source=podinfo",
            "--path=../escape",
            "--export",
        ],
        "'..' is not allowed",
    ),
    (
        &[
            "create",
            "ks",
            "podinfo",
            "--source=podinfo",
            "--label=novalue",
            "--export",
        ],
        "invalid label 'novalue'",
    ),
    (
        &["create", "hr", "podinfo", "--export"],
        "either --chart-ref, or --source with --chart, is required",
    ),
    (
        &[
            "create",
            "hr",
            "podinfo",
            "--source=HelmRepository/x",
            "--chart=c",
            "--values=/nonexistent/values.yaml",
            "--export",
        ],
        "/nonexistent/values.yaml",
    ),
    (
        &[
            "create",
            "hr",
            "podinfo",
            "--chart-ref=OCIRepository/podinfo",
            "--crds=Maybe",
            "--export",
        ],
        "invalid --crds 'Maybe'",
    ),
    (
        &[
            "create",
            "alert",
            "a",
            "--provider-ref=slack",
            "--event-source=Deployment/x",
            "--export",
        ],
        "'Deployment' is not a Flux kind",
    ),
    (
        &[
            "create",
            "image",
            "policy",
            "p",
            "--image-ref=r",
            "--export",
        ],
        "exactly one of --select-semver",
    ),
    (
        &[
            "create",
            "image",
            "policy",
            "p",
            "--image-ref=r",
            "--select-alpha=up",
            "--export",
        ],
        "must be asc or desc",
    ),
    (
        &[
            "install",
            "--export",
            "--components=source-controller,nope-controller",
        ],
        "unknown component 'nope-controller'",
    ),
    (
        &["install", "--export", "--components-extra=helm-controller"],
        "unknown extra component 'helm-controller'",
    ),
    (
        &["install", "--export", "--log-level=loud"],
        "invalid --log-level",
    ),
    (&["get", "ks", "--timeout=forever"], "invalid --timeout"),
    (
        &["get", "ks", "--kubeconfig=/nonexistent/kubeconfig"],
        "/nonexistent/kubeconfig",
    ),
    (&["get", "nothing"], "unrecognized subcommand 'nothing'"),
    (&["export", "ks"], "name is required (or --all)"),
    (
        &["kustomize", "build", "/nonexistent/dir"],
        "/nonexistent/dir",
    ),
    (
        &["kustomize", "build", ".", "--load-restrictor=Whatever"],
        "invalid value 'Whatever'",
    ),
    (
        &["bootstrap", "git", "--url=ftp://example.com/x"],
        "scheme must be http, https or ssh",
    ),
    (
        &[
            "bootstrap",
            "git",
            "--url=https://example.com/x",
            "--path=../up",
        ],
        "must be relative, without '..'",
    ),
];

#[tokio::test]
async fn bad_input_is_reported_without_panics() {
    for (args, expected) in CASES {
        let run = common::flux_in(None, args, None).await;
        let err = run.fails(1);
        assert!(
            err.contains(expected),
            "flux-rs {args:?}: expected '{expected}' in:\n{err}"
        );
        assert!(
            run.stdout.is_empty(),
            "flux-rs {args:?} printed to stdout: {}",
            run.stdout
        );
    }
}

#[tokio::test]
async fn cluster_free_commands() {
    // --context selects the kubeconfig context; an unknown one is a clear error.
    let run = flux(&["get", "ks", "--context=flux-testkit", "-A"]).await;
    run.ok();
    let run = flux(&["get", "ks", "--context=nope"]).await;
    assert!(run.fails(1).contains("context: nope"), "{}", run.stderr);

    let run = flux(&["version", "--client"]).await;
    assert_eq!(
        run.ok(),
        format!("flux-rs: v{}\n", env!("CARGO_PKG_VERSION"))
    );
    let bash = flux(&["completion", "bash"]).await.ok().to_string();
    assert!(
        bash.contains("_flux__rs()") && bash.contains("kustomization"),
        "{}",
        &bash[..200.min(bash.len())]
    );
    let zsh = flux(&["completion", "zsh"]).await.ok().to_string();
    assert!(
        zsh.starts_with("#compdef flux-rs"),
        "{}",
        &zsh[..100.min(zsh.len())]
    );
    let help = flux(&["--help"]).await.ok().to_string();
    for cmd in [
        "bootstrap",
        "create",
        "get",
        "reconcile",
        "diff",
        "tree",
        "trace",
    ] {
        assert!(help.contains(cmd), "{cmd} missing from --help:\n{help}");
    }

    // kustomize build prints what the engine builds.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "namespace: apps\nresources:\n- cm.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n",
    )
    .unwrap();
    let out = flux(&["kustomize", "build", dir.path().to_str().unwrap()])
        .await
        .ok()
        .to_string();
    let expected =
        flux_kustomize::build(dir.path(), &flux_kustomize::BuildOptions::default()).unwrap();
    assert_eq!(out, flux_kustomize::to_yaml_stream(&expected));
    assert!(out.contains("namespace: apps"), "{out}");
    // A relative directory works too.
    let run = common::flux_in(Some(dir.path()), &["kustomize", "build", "."], None).await;
    assert_eq!(run.ok(), out);
    // A file outside the root is refused by default and allowed with LoadRestrictionsNone.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
    )
    .unwrap();
    let reference = format!(
        "resources:\n- {}\n",
        outside.path().join("cm.yaml").display()
    );
    std::fs::write(dir.path().join("kustomization.yaml"), reference).unwrap();
    let run = flux(&["kustomize", "build", dir.path().to_str().unwrap()]).await;
    run.fails(1);
    let run = flux(&[
        "kustomize",
        "build",
        dir.path().to_str().unwrap(),
        "--load-restrictor",
        "LoadRestrictionsNone",
    ])
    .await;
    assert!(run.ok().contains("name: b"), "{}", run.stdout);
}
