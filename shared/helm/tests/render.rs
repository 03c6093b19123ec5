//! End-to-end renders of small charts built on the fly: archives, subcharts,
//! hooks, CRDs, NOTES and errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use flux_helm::{HelmError, RenderOptions, render};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn tgz(files: &[(&str, &str)]) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(enc);
    for (name, text) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, text.as_bytes()).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

fn opts() -> RenderOptions {
    RenderOptions {
        release_name: "rel".into(),
        namespace: "ns".into(),
        ..Default::default()
    }
}

#[test]
fn subchart_archive_hooks_crds_and_notes() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(
        root,
        "Chart.yaml",
        "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: ~0.1\n  alias: child\n",
    );
    write(
        root,
        "values.yaml",
        "global: {env: prod}\nchild: {port: 80}\n",
    );
    write(
        root,
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n",
    );
    write(
        root,
        "templates/ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ .Release.Namespace }}\n",
    );
    write(
        root,
        "templates/hook.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install\n",
    );
    write(
        root,
        "templates/test.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n",
    );
    write(root, "templates/NOTES.txt", "Installed {{ .Release.Name }}");
    write(
        root,
        "crds/crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.example.com\n",
    );
    let sub = tgz(&[
        (
            "sub/Chart.yaml",
            "apiVersion: v2\nname: sub\nversion: 0.1.2\n",
        ),
        ("sub/values.yaml", "port: 1\n"),
        (
            "sub/templates/svc.yaml",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Chart.Name }}-{{ .Values.port }}-{{ .Values.global.env }}\n",
        ),
    ]);
    std::fs::create_dir_all(root.join("charts")).unwrap();
    std::fs::write(root.join("charts/sub-0.1.2.tgz"), sub).unwrap();

    let r = render(
        root,
        &RenderOptions {
            include_crds: true,
            ..opts()
        },
    )
    .unwrap();
    let kinds: Vec<&str> = r.manifests.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, vec!["Namespace", "ConfigMap", "Service"]);
    assert_eq!(r.manifests[2].name, "child-80-prod");
    assert_eq!(r.manifests[2].source, "top/charts/child/templates/svc.yaml");
    assert_eq!(r.hooks.len(), 2);
    assert_eq!(r.crds.len(), 1);
    assert_eq!(r.notes.as_deref(), Some("Installed rel"));
    let out = r.to_helm_template_output();
    assert!(out.starts_with("---\n# Source: top/crds/crd.yaml\n"));
    assert!(out.contains("# Source: top/templates/hook.yaml\n"));

    let skipped = render(
        root,
        &RenderOptions {
            skip_tests: true,
            ..opts()
        },
    )
    .unwrap();
    assert_eq!(skipped.hooks.len(), 1);
    assert!(skipped.crds.is_empty());

    // A whole chart as an archive.
    let whole = d.path().join("whole.tgz");
    std::fs::write(
        &whole,
        tgz(&[
            ("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"),
            ("c/templates/a.yaml", "kind: Secret\nmetadata:\n  name: s\n"),
        ]),
    )
    .unwrap();
    let r = render(&whole, &opts()).unwrap();
    assert_eq!(r.manifests[0].source, "c/templates/a.yaml");
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(
        root,
        "Chart.yaml",
        "apiVersion: v2\nname: bad\nversion: 1.0.0\n",
    );
    write(
        root,
        "templates/a.yaml",
        "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}{{ include \"loop\" . }}",
    );
    let e = render(root, &opts()).unwrap_err();
    assert!(matches!(e, HelmError::Template(_)), "{e}");

    write(root, "templates/a.yaml", "{{ if .Values.x }}");
    assert!(
        render(root, &opts())
            .unwrap_err()
            .to_string()
            .contains("templates/a.yaml")
    );

    write(root, "templates/a.yaml", "kind: [unclosed\n");
    assert!(matches!(
        render(root, &opts()).unwrap_err(),
        HelmError::Manifest { .. }
    ));

    write(
        root,
        "templates/a.yaml",
        "{{ range until 100000000 }}x{{ end }}",
    );
    assert!(render(root, &opts()).is_err());

    std::fs::write(root.join("charts.tgz"), b"not gzip").unwrap();
    std::fs::create_dir_all(root.join("charts")).unwrap();
    std::fs::write(root.join("charts/broken.tgz"), b"not gzip").unwrap();
    write(root, "templates/a.yaml", "kind: ConfigMap\n");
    assert!(
        render(root, &opts())
            .unwrap_err()
            .to_string()
            .contains("broken.tgz")
    );
}

#[test]
fn a_walk_that_fails_after_templates_were_queued_is_an_error_not_a_hang() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(
        root,
        "Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 1.0.0\n",
    );
    for i in 0..50 {
        write(
            root,
            &format!("templates/a{i:02}.yaml"),
            "kind: ConfigMap\n",
        );
    }
    // A dangling symlink after the templates: the walk fails on it.
    std::os::unix::fs::symlink(root.join("missing"), root.join("zz-dangling")).unwrap();
    let err = render(root, &opts()).unwrap_err();
    assert!(err.to_string().contains("zz-dangling"), "{err}");
}
