//! e2e: `flux-rs helm template` renders a local chart with flux-helm (values files, --set,
//! namespace, Capabilities) and reports chart errors without panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::flux_in;

const TEMPLATE: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
  namespace: {{ .Release.Namespace }}
data:
  color: {{ .Values.color | quote }}
  replicas: {{ .Values.replicas | quote }}
  tag: {{ .Values.image.tag | quote }}
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
"#;

#[tokio::test]
async fn helm_template_renders_a_local_chart() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("demo");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(
        chart.join("values.yaml"),
        "color: blue\nreplicas: 1\nimage:\n  tag: latest\n",
    )
    .unwrap();
    std::fs::write(chart.join("templates/cm.yaml"), TEMPLATE).unwrap();
    let overrides = dir.path().join("prod.yaml");
    std::fs::write(&overrides, "color: red\n").unwrap();

    let chart_arg = chart.to_str().unwrap();
    let run = flux_in(
        None,
        &[
            "helm",
            "template",
            "web",
            chart_arg,
            "-f",
            overrides.to_str().unwrap(),
            "--set",
            "replicas=3,image.tag=6.7.0",
            "--kube-version",
            "1.31",
        ],
        None,
    )
    .await;
    let out = run.ok();
    assert!(
        out.starts_with("---\n# Source: demo/templates/cm.yaml\n"),
        "{out}"
    );
    for line in [
        "name: web-config",
        "namespace: default",
        "color: \"red\"",
        "replicas: \"3\"",
        "tag: \"6.7.0\"",
        "kube: \"v1.31.0\"",
    ] {
        assert!(out.contains(line), "missing '{line}' in:\n{out}");
    }
    let run = flux_in(
        None,
        &["helm", "template", "web", chart_arg, "-n", "apps"],
        None,
    )
    .await;
    assert!(run.ok().contains("namespace: apps"), "{}", run.stdout);

    // Same engine, same bytes.
    let opts = flux_helm::RenderOptions {
        release_name: "web".into(),
        ..flux_helm::RenderOptions::default()
    };
    let expected = flux_helm::render(&chart, &opts)
        .unwrap()
        .to_helm_template_output();
    assert_eq!(
        flux_in(None, &["helm", "template", "web", chart_arg], None)
            .await
            .ok(),
        expected
    );

    // Errors name the chart.
    std::fs::write(
        chart.join("templates/bad.yaml"),
        "{{ .Values.color | nosuchfunc }}\n",
    )
    .unwrap();
    let run = flux_in(None, &["helm", "template", "web", chart_arg], None).await;
    assert!(run.fails(1).contains("demo"), "{}", run.stderr);
    let run = flux_in(
        None,
        &["helm", "template", "web", "/nonexistent/chart"],
        None,
    )
    .await;
    assert!(
        run.fails(1).contains("/nonexistent/chart"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn helm_template_applies_set_flags_in_helms_order() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("s");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: s\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(
        chart.join("templates/v.yaml"),
        "v: {{ toJson .Values | quote }}\n",
    )
    .unwrap();
    let file = dir.path().join("f.txt");
    std::fs::write(&file, "x,y").unwrap();
    let c = format!("c={}", file.display());
    // Flags given against Helm's order; helm v4.2.3 prints the same values.
    let run = flux_in(
        None,
        &[
            "helm",
            "template",
            "s",
            chart.to_str().unwrap(),
            "--set",
            "a=1",
            "--set-json",
            r#"a=2,j={"k":[1.5]}"#,
            "--set-string",
            "b=3",
            "--set-literal",
            "b=4,5",
            "--set-file",
            &c,
            "--set",
            "c=5",
        ],
        None,
    )
    .await;
    let out = run.ok();
    assert!(
        out.contains(r#"v: "{\"a\":1,\"b\":\"4,5\",\"c\":\"x,y\",\"j\":{\"k\":[1.5]}}""#),
        "{out}"
    );
}
