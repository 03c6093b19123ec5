//! Expectations taken from helm v4.2.3 (`helm template` of `{{ toJson .Values }}`
//! with the same flags).

use super::*;
use crate::chart::schema::to_json;
use crate::yaml::load::parse_values;

fn apply(base: &str, sets: &[SetArg]) -> Result<String, String> {
    let mut m = parse_values(base).unwrap().map_snapshot().unwrap();
    for s in sets {
        parse_into(s, &mut m)?;
    }
    Ok(to_json(&Value::from(m)).to_string())
}

fn set(s: &str) -> SetArg {
    SetArg::Set(s.into())
}

#[test]
fn list_indexes_like_helm() {
    let cases = [
        ("a.b[0].c=x", r#"{"a":{"b":[{"c":"x"}]}}"#),
        ("list[1]=y", r#"{"list":[null,"y"]}"#),
        ("m[0][1]=z", r#"{"m":[[null,"z"]]}"#),
        ("a[2]=1,a[0]=0", r#"{"a":[0,null,1]}"#),
        ("a[0].b=1,a[0].c=2", r#"{"a":[{"b":1,"c":2}]}"#),
        ("a[1][0]=x,a[0]=y", r#"{"a":["y",["x"]]}"#),
    ];
    for (expr, want) in cases {
        assert_eq!(apply("", &[set(expr)]).unwrap(), want, "{expr}");
    }
    assert_eq!(
        apply("", &[set("a[1].b=1"), set("a[0]=x")]).unwrap(),
        r#"{"a":["x",{"b":1}]}"#
    );
}

#[test]
fn applies_onto_values_files() {
    let base = "list: [a, b, c]\nm: {x: 1}\n";
    assert_eq!(
        apply(base, &[set("list[1]=y")]).unwrap(),
        r#"{"list":["a","y","c"],"m":{"x":1}}"#
    );
    assert_eq!(
        apply("a: {b: 1, c: 2}", &[set("a.b=3")]).unwrap(),
        r#"{"a":{"b":3,"c":2}}"#
    );
    assert_eq!(
        apply(base, &[set("list.x=1")]).unwrap_err(),
        "unable to parse key: interface conversion: interface {} is []interface {}, not map[string]interface {}"
    );
    assert!(apply(base, &[set("m.x[0]=1")]).is_err());
}

#[test]
fn scalars_lists_and_escapes_like_helm() {
    assert_eq!(
        apply(
            "",
            &[set("a={x,y,1},b=true,c=null,d=007,e=0,f=-3,g=1.5,h=TRUE")]
        )
        .unwrap(),
        r#"{"a":["x","y",1],"b":true,"c":null,"d":"007","e":0,"f":-3,"g":"1.5","h":true}"#
    );
    assert_eq!(
        apply("", &[SetArg::SetString("a=1,b=true".into())]).unwrap(),
        r#"{"a":"1","b":"true"}"#
    );
    assert_eq!(
        apply("", &[set(r"a\.b=1,c=a\,b")]).unwrap(),
        r#"{"a.b":1,"c":"a,b"}"#
    );
    assert_eq!(apply("", &[set("a=")]).unwrap(), r#"{"a":""}"#);
    assert_eq!(apply("", &[set("a={}")]).unwrap(), r#"{"a":[""]}"#);
    assert_eq!(
        apply("", &[set("a[0]=1"), SetArg::SetString("a[1]=2".into())]).unwrap(),
        r#"{"a":[1,"2"]}"#
    );
}

#[test]
fn errors_like_helm() {
    let cases = [
        ("a", "key \"a\" has no value"),
        ("a,b=1", "key \"a\" has no value (cannot end with ,)"),
        (
            "a[x]=1",
            "error parsing index: strconv.Atoi: parsing \"x\": invalid syntax",
        ),
        ("a[-1]=1", "negative -1 index not allowed"),
        ("a[0]x=1", "unexpected data at end of array index: ['x']"),
        ("a={x", "list must terminate with '}'"),
        ("x.=1", "key map \"x\" has no value"),
        (
            "a[70000]=1",
            "index of 70000 is greater than maximum supported index of 65536",
        ),
    ];
    for (expr, want) in cases {
        assert_eq!(apply("", &[set(expr)]).unwrap_err(), want, "{expr}");
    }
    let deep = format!("{}=1", vec!["a"; 32].join("."));
    assert!(
        apply("", &[set(&deep)])
            .unwrap_err()
            .contains("nested level")
    );
}

fn json(s: &str) -> SetArg {
    SetArg::SetJson(s.into())
}

fn literal(s: &str) -> SetArg {
    SetArg::SetLiteral(s.into())
}

#[test]
fn set_json_like_helm() {
    let cases = [
        (
            r#"a={"x":1,"y":[1,2.5,"s",null,true]}"#,
            r#"{"a":{"x":1,"y":[1,2.5,"s",null,true]}}"#,
        ),
        (
            r#"a=1,b="s" , c=[1],d=,e=null"#,
            r#"{" c":[1],"a":1,"b":"s","d":null,"e":null}"#,
        ),
        ("a=1 b=2", r#"{"a":1,"b":2}"#),
        ("a[0]=1,a[2]=[2]", r#"{"a":[1,null,[2]]}"#),
        (r#"a.b.c="x""#, r#"{"a":{"b":{"c":"x"}}}"#),
    ];
    for (expr, want) in cases {
        assert_eq!(apply("", &[json(expr)]).unwrap(), want, "{expr}");
    }
    // Numbers are float64, as from encoding/json.
    let mut m = Map::new();
    parse_into(&json("a=2"), &mut m).unwrap();
    assert!(matches!(m.get("a"), Some(Value::Float(f)) if *f == 2.0));
    assert_eq!(
        apply(
            "list: [a, b, c]\nm: {x: 1}",
            &[json("m.x=null"), json(r#"list[1]={"k":"v"}"#)]
        )
        .unwrap(),
        r#"{"list":["a",{"k":"v"},"c"],"m":{"x":null}}"#
    );
    for bad in ["a=1x", r#"a={"x":"#, "a"] {
        assert!(apply("", &[json(bad)]).is_err(), "{bad}");
    }
}

#[test]
fn set_file_reads_the_named_files() {
    let dir = tempfile::tempdir().unwrap();
    let f1 = dir.path().join("f1.txt");
    let f2 = dir.path().join("f2.txt");
    std::fs::write(&f1, "line1\nline2\n").unwrap();
    std::fs::write(&f2, "x,y").unwrap();
    let (p1, p2) = (f1.display(), f2.display());
    let file = |s: String| SetArg::SetFile(s);
    assert_eq!(
        apply("", &[file(format!("a={p1},b={p2}"))]).unwrap(),
        r#"{"a":"line1\nline2\n","b":"x,y"}"#
    );
    assert_eq!(
        apply("", &[file(format!("a={{{p1},{p2}}}"))]).unwrap(),
        r#"{"a":["line1\nline2\n","x,y"]}"#
    );
    assert_eq!(
        apply("", &[file(format!("l[1]={p2}"))]).unwrap(),
        r#"{"l":[null,"x,y"]}"#
    );
    assert_eq!(apply("", &[file("a=".into())]).unwrap(), r#"{"a":""}"#);
    let missing = dir.path().join("missing.txt");
    let err = apply("", &[file(format!("a={}", missing.display()))]).unwrap_err();
    assert!(
        err.starts_with(&format!("open {}: ", missing.display())),
        "{err}"
    );
}

#[test]
fn set_literal_keeps_values_verbatim() {
    let cases = [
        (r"a.b=x,y=z\n{1}", r#"{"a":{"b":"x,y=z\\n{1}"}}"#),
        ("a,b=1", r#"{"a,b":"1"}"#),
        ("a[1]=v=w", r#"{"a":[null,"v=w"]}"#),
        ("a=", r#"{"a":""}"#),
        (r"a\.b=1", r#"{"a\\":{"b":"1"}}"#),
        ("a=true", r#"{"a":"true"}"#),
    ];
    for (expr, want) in cases {
        assert_eq!(apply("", &[literal(expr)]).unwrap(), want, "{expr}");
    }
    assert_eq!(
        apply("", &[literal("a")]).unwrap_err(),
        "key \"a\" has no value"
    );
}

#[test]
fn helm_applies_kinds_in_its_order() {
    let args = in_helm_order(vec![
        literal("b=4"),
        SetArg::SetFile("c=x".into()),
        set("a=1"),
        SetArg::SetString("b=3".into()),
        json("a=2"),
        set("c=5"),
    ]);
    let flags: Vec<&str> = args.iter().map(SetArg::flag).collect();
    assert_eq!(
        flags,
        [
            "--set-json",
            "--set",
            "--set",
            "--set-string",
            "--set-file",
            "--set-literal"
        ]
    );
    assert_eq!(
        args,
        vec![
            json("a=2"),
            set("a=1"),
            set("c=5"),
            SetArg::SetString("b=3".into()),
            SetArg::SetFile("c=x".into()),
            literal("b=4"),
        ]
    );
}
