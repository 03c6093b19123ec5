//! Parser tests.

use super::*;

fn funcs(n: &str) -> bool {
    matches!(n, "printf" | "include" | "eq")
}

#[test]
fn parses_control_and_defines() {
    let p = parse(
        "t",
        r#"{{ define "x" }}X{{ end }}{{ if .A }}a{{ else if .B }}b{{ else }}c{{ end }}{{ range $i, $e := .L }}{{ $e }}{{ end }}"#,
        &funcs,
    )
    .unwrap();
    assert_eq!(p.defines.len(), 1);
    assert_eq!(p.root.len(), 2);
}

#[test]
fn reports_errors_with_line() {
    let e = parse("t", "a\n{{ nope 1 }}", &funcs).unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.msg.contains("function \"nope\" not defined"));
    assert!(parse("t", "{{ if .A }}", &funcs).is_err());
    assert!(parse("t", "{{ $x }}", &funcs).is_err());
    assert!(parse("t", "{{ end }}", &funcs).is_err());
    assert!(parse("t", "{{ if true }}{{ break }}{{ end }}", &funcs).is_err());
    assert!(
        parse(
            "t",
            "{{ range .L }}{{ if .A }}{{ continue }}{{ end }}{{ end }}",
            &funcs
        )
        .is_ok()
    );
    assert!(
        parse("t", "{{ .A | \"x\" }}", &funcs)
            .unwrap_err()
            .msg
            .contains("non executable")
    );
}

#[test]
fn numbers() {
    assert!(matches!(parse_number("42"), Some(Number::Int(42))));
    assert!(matches!(parse_number("0x1F"), Some(Number::Int(31))));
    assert!(matches!(parse_number("1.0"), Some(Number::Float(_))));
    assert!(matches!(parse_number("-3"), Some(Number::Int(-3))));
}
