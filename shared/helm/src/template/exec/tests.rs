use super::*;
use crate::yaml::load::parse_yaml;

fn render(tpl: &str, data: &str) -> Result<String, String> {
    let mut e = Engine::new();
    e.add("t", tpl).map_err(|e| e.to_string())?;
    let d = parse_yaml(data).map_err(|e| e.to_string())?;
    e.execute("t", &d).map_err(|e| e.to_string())
}

fn ok(tpl: &str, data: &str) -> String {
    render(tpl, data).unwrap()
}

#[test]
fn actions_and_pipelines() {
    assert_eq!(ok("a{{ .x }}b", "x: 1"), "a1b");
    assert_eq!(ok("{{ .missing }}", "x: 1"), "<no value>");
    assert_eq!(ok("{{ .x | printf \"%v-%v\" 2 }}", "x: 1"), "2-1");
    assert_eq!(
        ok("{{ $v := .x }}{{ $v }}{{ $v = 5 }}{{ $v }}", "x: 1"),
        "15"
    );
    assert_eq!(ok("{{ (.m).k }}", "m: {k: v}"), "v");
    assert!(
        render("{{ .a.b }}", "x: 1")
            .unwrap_err()
            .contains("nil pointer evaluating interface {}.b")
    );
}

#[test]
fn control_structures() {
    assert_eq!(
        ok(
            "{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}",
            "b: true"
        ),
        "B"
    );
    assert_eq!(
        ok("{{ with .m }}{{ .k }}{{ else }}none{{ end }}", "m: {k: v}"),
        "v"
    );
    assert_eq!(
        ok(
            "{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}",
            "m: {b: 2, a: 1}"
        ),
        "a=1;b=2;"
    );
    assert_eq!(
        ok(
            "{{ range .l }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}",
            "l: [1, 2, 3, 4, 5]"
        ),
        "13"
    );
    assert_eq!(
        ok("{{ range .none }}x{{ else }}empty{{ end }}", "a: 1"),
        "empty"
    );
    assert_eq!(
        ok(
            "{{ range $i, $e := .l }}{{ $i }}{{ $e }}{{ end }}",
            "l: [a, b]"
        ),
        "0a1b"
    );
    assert_eq!(ok("{{ range 3 }}{{ . }}{{ end }}", "a: 1"), "012");
}

#[test]
fn trim_markers_and_comments() {
    assert_eq!(ok("a  \n{{- /* c */ -}}\n  b", "a: 1"), "ab");
    assert_eq!(ok("x: {{- \" y\" }}", "a: 1"), "x: y");
}

#[test]
fn define_template_include() {
    let t = r#"{{ define "n" }}[{{ . }}]{{ end }}{{ template "n" .x }}{{ include "n" .x | upper }}{{ block "b" . }}B{{ .x }}{{ end }}"#;
    assert_eq!(ok(t, "x: q"), "[q][Q]Bq");
    assert!(render(r#"{{ template "nope" }}"#, "a: 1").is_err());
}

#[test]
fn recursion_is_capped() {
    let t = r#"{{ define "r" }}{{ include "r" . }}{{ end }}{{ include "r" . }}"#;
    let h = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || render(t, "a: 1"))
        .unwrap();
    assert!(h.join().unwrap().is_err());
}

#[test]
fn and_or_short_circuit() {
    assert_eq!(ok("{{ and .a .a.b }}", "x: 1"), "<no value>");
    assert_eq!(ok("{{ or .a \"d\" }}", "x: 1"), "d");
    assert_eq!(
        ok("{{ if and .x (gt .x 0.5) }}yes{{ end }}", "x: 1.0"),
        "yes"
    );
}

#[test]
fn tpl_function() {
    let data = "Template: {Name: t, BasePath: b}\nv: world\nmsg: 'hello {{ .v }}'";
    assert_eq!(ok("{{ tpl .msg . }}", data), "hello world");
}

#[test]
fn errors_for_bad_input() {
    assert!(render("{{ nosuchfunc }}", "a: 1").is_err());
    assert!(render("{{ if }}", "a: 1").is_err());
    assert!(render("{{ 1 2 }}", "a: 1").is_err());
    assert!(
        render("{{ required \"need x\" .x }}", "a: 1")
            .unwrap_err()
            .contains("need x")
    );
}

#[test]
fn nested_empty_tpl_does_not_recurse() {
    let data = "Template: {Name: t, BasePath: b}\nempty: ''\nouter: 'a{{ tpl .empty . }}b'";
    assert_eq!(ok("{{ tpl .outer . }}", data), "ab");
}
