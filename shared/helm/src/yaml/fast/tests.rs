use super::*;
use crate::template::gofmt::format_v;
use crate::yaml::load::serde_path;

/// The fast path's answer, checked against the serde path when it answers.
fn fast(text: &str) -> Option<Value> {
    let v = decode::<false>(text)?;
    let s = serde_path::stream::<false>(text).expect("serde path accepts what the fast path does");
    assert_eq!(s.len(), 1, "{text:?}");
    assert!(v.deep_eq(&s[0]), "{text:?}: fast {v:?}, serde {:?}", s[0]);
    assert_eq!(format!("{v:?}"), format!("{:?}", s[0]), "{text:?}");
    Some(v)
}

fn ok(text: &str) -> String {
    let v = fast(text).unwrap_or_else(|| panic!("fast path bailed on {text:?}"));
    format!("{v:?}")
}

fn bails(text: &str) {
    assert!(decode::<false>(text).is_none(), "fast path took {text:?}");
    assert!(decode::<true>(text).is_none(), "fast path took {text:?}");
    assert!(decode_head(text).is_none(), "fast head took {text:?}");
}

#[test]
fn block_mappings_and_comments() {
    let v = fast("# c\na: x\n\nb:\n  c: 1 # n\n  'd e': \"f\"\n").unwrap();
    assert_eq!(format_v(&v), "map[a:x b:map[c:1 d e:f]]");
    assert_eq!(ok("---\na: 1\n"), ok("a: 1"));
    assert_eq!(ok("--- # c\na: 1\n"), ok("a: 1"));
    assert_eq!(ok("a: 1\na: 2\n"), ok("a: 2"), "last duplicate wins");
    assert_eq!(ok("a:\nb: ~\n"), "{\"a\": Nil, \"b\": Nil}");
    assert_eq!(ok("a:\n  {}\n"), "{\"a\": {}}");
    assert_eq!(ok("a:\n  b\nc: 1"), ok("a: b\nc: 1"));
    assert_eq!(ok("a  : 1"), ok("a: 1"));
    assert_eq!(ok("plain root # c\n"), "Str(\"plain root\")");
    assert_eq!(ok("a:b"), "Str(\"a:b\")");
}

#[test]
fn keys_become_strings_like_direct() {
    let v = fast("1: a\n1.5: b\n1.0: c\ntrue: d\n~: e\n\"q\": f\n'r''s': g\n").unwrap();
    assert_eq!(format_v(&v), "map[1:c 1.5:b null:e q:f r's:g true:d]");
}

#[test]
fn sequences() {
    assert_eq!(
        format_v(&fast("a:\n- x\n- v\nb:\n  - 1\n  -\n    z: 2\n  - # c\n    - w\n").unwrap()),
        "map[a:[x v] b:[1 map[z:2] [w]]]"
    );
    let v =
        fast("- name: a\n  image: b\n-   name: c\n    ports: [80, \"x\", z]\n- |\n  t\n").unwrap();
    assert_eq!(
        format_v(&v),
        "[map[image:b name:a] map[name:c ports:[80 x z]] t\n]"
    );
    assert_eq!(ok("- a:\n- b"), "[{\"a\": Nil}, Str(\"b\")]");
    assert_eq!(
        ok("a: []\nb: [ ]\nc: {}\nd: { }"),
        ok("a: []\nb: []\nc: {}\nd: {}")
    );
}

#[test]
fn scalars_resolve_like_serde() {
    for (text, want) in [
        ("a: 1", "Int(1)"),
        ("a: -12", "Int(-12)"),
        ("a: 0", "Int(0)"),
        ("a: 1.5", "Float(1.5)"),
        ("a: 0755", "Int(493)"),
        ("a: 00", "Int(0)"),
        ("a: -0.25", "Float(-0.25)"),
        ("a: true", "Bool(true)"),
        ("a: FALSE", "Bool(false)"),
        ("a: Null", "Nil"),
        ("a: ~", "Nil"),
        ("a:", "Nil"),
        ("a: 10Gi", "Str(\"10Gi\")"),
        ("a: 100m", "Str(\"100m\")"),
        ("a: 0.1.0", "Str(\"0.1.0\")"),
        ("a: 1-2", "Str(\"1-2\")"),
        ("a: 2024-04-01", "Str(\"2024-04-01\")"),
        ("a: 852330a35f", "Str(\"852330a35f\")"),
        ("a: infinity", "Str(\"infinity\")"),
        ("a: -n", "Str(\"-n\")"),
        ("a: --port=80", "Str(\"--port=80\")"),
        ("a: .status", "Str(\".status\")"),
        ("a: :x", "Str(\":x\")"),
        ("a: <x>", "Str(\"<x>\")"),
        ("a: x#y", "Str(\"x#y\")"),
        ("a: x  # c", "Str(\"x\")"),
        ("a: nginx:1.19", "Str(\"nginx:1.19\")"),
        ("a: b, c]", "Str(\"b, c]\")"),
        ("a: é", "Str(\"é\")"),
        (
            "a: \"\\u00e9\\\\\\\"\\/\\n\\t\"",
            "Str(\"é\\\\\\\"/\\n\\t\")",
        ),
        ("a: 'it''s'", "Str(\"it's\")"),
        ("a: ''", "Str(\"\")"),
    ] {
        assert_eq!(ok(text), format!("{{\"a\": {want}}}"), "{text}");
    }
    // Unicode spaces are content, not YAML whitespace.
    let v = fast("a: \u{a0}x\u{3000}").unwrap();
    assert!(v.get("a").deep_eq(&Value::from("\u{a0}x\u{3000}")));
    // Values files: every number is a float64, keys keep their text.
    let v = decode::<true>("1: 2\nb: [3]\n").unwrap();
    assert_eq!(format!("{v:?}"), "{\"1\": Float(2), \"b\": [Float(3)]}");
}

#[test]
fn literal_block_scalars() {
    for (text, want) in [
        ("a: |\n  x\n  y\n", "x\ny\n"),
        ("a: |\n  x\n  y", "x\ny\n"),
        ("a: |-\n  x\n\n  y\n\n", "x\n\ny"),
        ("a: |+\n  x\n\nb: 1", "x\n\n"),
        ("a: |\n\n  x\n    y\n", "\nx\n  y\n"),
        ("a: | # c\n  # not a comment\n", "# not a comment\n"),
        ("a: |\n  x\n#c\nb: 1", "x\n"),
    ] {
        let v = fast(text).unwrap_or_else(|| panic!("bailed on {text:?}"));
        assert!(v.get("a").deep_eq(&Value::from(want)), "{text:?}: {v:?}");
    }
}

#[test]
fn folded_and_empty_block_scalars() {
    for (text, want) in [
        ("a: >\n  x\n  y\n", "x y\n"),
        ("a: >-\n  x\n  y\n", "x y"),
        ("a: >\n  x\n\n  y\n", "x\ny\n"),
        ("a: >\n  x\n\n\n  y\n", "x\n\ny\n"),
        ("a: >\n  x\n    more\n  y\n", "x\n  more\ny\n"),
        ("a: >\n  x\n\n    more\n\n  y\n", "x\n\n  more\n\ny\n"),
        ("a: >\n\n  x\n  y\nb: 1\n", "\nx y\n"),
        ("a: >+\n  x\n  y\n\nb: 1\n", "x y\n\n"),
        (
            "a: >-\n  {{ if x }}y{{ end }}\n# c\nb: 1\n",
            "{{ if x }}y{{ end }}",
        ),
        ("a: |\nb: 1\n", ""),
        ("a: |-\n\nb: 1\n", ""),
        ("a: >\n\n  # c\nb: 1\n", "\n# c\n"),
        ("a:\n  b: |\n\n  # c\n  d: 1\n", ""),
    ] {
        let v = fast(text).unwrap_or_else(|| panic!("bailed on {text:?}"));
        let got = match v.get("a") {
            Value::Map(_) => v.get("a").get("b"),
            other => other,
        };
        assert!(got.deep_eq(&Value::from(want)), "{text:?}: {v:?}");
    }
}

#[test]
fn heads_keep_kind_and_metadata() {
    let text = "apiVersion: v1\nkind: Job\nmetadata:\n  name: x\n  labels: {}\nspec:\n  a: [1]\n";
    let v = decode_head(text).unwrap();
    assert_eq!(
        format_v(&v),
        "map[kind:Job metadata:map[labels:map[] name:x]]"
    );
    assert!(v.deep_eq(&serde_path::manifest_head(text).unwrap()));
    let list = decode_head("- 1\n- a\n").unwrap();
    assert!(list.deep_eq(&serde_path::manifest_head("- 1\n- a\n").unwrap()));
    // Skipped fields are still checked.
    bails("kind: Job\nspec:\n  a: b\n   c: d\n");
    // A flow mapping document is left to the serde path.
    assert!(decode_head("{kind: a, b: 1}\n").is_none());
    assert!(fast("{kind: a, b: 1}\n").is_some());
}

#[test]
fn outside_the_subset_bails() {
    for text in [
        "",
        "# only a comment\n",
        "a: 1\n---\nb: 2\n",
        "a: 1\n...\n",
        "%YAML 1.1\n---\na: 1\n",
        "a:\n\tb: 1\n",
        "a: 1\r\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "? a\n: b\n",
        "a: |2\n  x\n",
        "a: >2\n  x\n",
        "a: |\n     \n  x\n",
        "a: |+\nb: 1\n",
        "a: |\n   \nb: 1\n",
        "a: |+\n  x\n",
        "a: >+\n  x\n",
        "- - x\n",
        "a: b\n  c\n",
        "a: b: c\n",
        "a: b:\n",
        "a: \"\\u0041\n  y\"\n",
        "a: \"x\n  \\u0041\"\n",
        "a: \"x\\\n  y\"\n",
        "a:\n  b: 'x\n  y'\n",
        "a: 'x\n  y' z\n",
        "a: 'x\n",
        "a: \"\\x41\"\n",
        "a: [1,]\n",
        "a: {b: 1,}\n",
        "a: [1, , 2]\n",
        "a: {b}\n",
        "a: {b: }\n",
        "a: {b:1}\n",
        "a: [b: 1]\n",
        "a: [1\n",
        "a: [1]]\n",
        "a: [1]#c\n",
        "a: \"x\"#c\n",
        "a: yes\n",
        "a: On\n",
        "a: TRuE\n",
        "a: 0758\n",
        "a: -0755\n",
        "a: 0_755\n",
        "a: 0x1F\n",
        "a: 1e3\n",
        "a: 1_000\n",
        "a: -0\n",
        "a: .5\n",
        "a: .inf\n",
        "a: +1\n",
        "a: 99999999999999999999\n",
        "a: 00.5\n",
        "<<: {}\n",
        "a: ~x\n",
        "~\n ",
        "\u{a0}",
        " \u{3000}\n",
        "null # c\n",
        "a:\n  - x\n  b: 1\n",
        "a: 1\n b: 2\n",
        "\u{feff}a: 1\n",
        "a: \u{85}\n",
    ] {
        bails(text);
    }
    let nest = |n: usize| {
        (0..n).fold(String::from("x: 1"), |acc, i| {
            let inner: String = acc.lines().map(|l| format!("  {l}\n")).collect();
            format!("k{i}:\n{inner}")
        })
    };
    assert!(fast(&nest(30)).is_some());
    bails(&nest(80));
}

#[test]
fn quoted_scalars_fold_over_lines() {
    for (text, want) in [
        ("a: 'x\n  y'", "x y"),
        ("a: \"x\n  y\" # c", "x y"),
        ("a: 'x  \n\n   y \n  '", "x\ny "),
        ("a: '\n  x'", " x"),
        ("a: 'x\n\n\n  y'", "x\n\ny"),
        ("a: 'it''s\n  # not a comment'", "it's # not a comment"),
        ("- 'x\n y'", ""),
    ] {
        let v = fast(text).unwrap_or_else(|| panic!("bailed on {text:?}"));
        if !want.is_empty() {
            assert!(v.get("a").deep_eq(&Value::from(want)), "{text:?}: {v:?}");
        }
    }
}

#[test]
fn flow_collections_on_one_line() {
    let v = fast("- {key: app.kubernetes.io/name, operator: In, values: [x, 'y']}\n- [1, [2, {}], {a: b}, \"q\"]\n").unwrap();
    assert_eq!(
        format_v(&v),
        "[map[key:app.kubernetes.io/name operator:In values:[x y]] [1 [2 map[]] map[a:b] q]]"
    );
    assert_eq!(
        ok("a: {\"k\": 1, 'l': 2.5, 3: ~}"),
        "{\"a\": {\"3\": Nil, \"k\": Int(1), \"l\": Float(2.5)}}"
    );
}

#[test]
fn edge_cases_agree_with_serde_or_bail() {
    // `fast` asserts equality with the serde path whenever it answers.
    for (text, accepted) in [
        ("a: |+\n  x\n\n# c\nb: 1", true),
        ("a: |-\n    x\n  # c\nb: 1", true),
        ("- a: |\n    x\n  b: 1", true),
        ("a:\n  - |\n    x\n  - y2", true),
        ("a: |\n  x\n\n\n", true),
        ("a: |-\n  x\n\n  \n", true),
        ("a: 'x\n\n  y'", true),
        ("a: \"\"\nb: ''", true),
        ("a: [a b, 'c d']", true),
        ("a: {}  # c", true),
        ("'a': 'b'", true),
        ("a: x\n\n\n", true),
        ("a:   \n  b: 1", true),
        ("-\n  a: 1\n-\n  - x", true),
        ("a b: 1\na.b/c-d_e: 2\n-1: 3", true),
        ("\"a\\\"b\": 1", true),
        ("a: |\n  x\n   \n  y", false),
        ("a: |\n   x\n  y", false),
        ("a:\n  b: 1\n c: 2", false),
    ] {
        assert_eq!(fast(text).is_some(), accepted, "{text:?}");
    }
}
