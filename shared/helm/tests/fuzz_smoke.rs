//! Deterministic fuzzing of the template engine and YAML codec: thousands of
//! random token soups must parse-or-error and render-or-error, never panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flux_helm::template::Engine;
use flux_helm::yaml::emit::to_yaml;
use flux_helm::yaml::load::{parse_manifest_head, parse_yaml, parse_yaml_stream};

const PIECES: &[&str] = &[
    "{{",
    "}}",
    "{{- ",
    " -}}",
    " ",
    "\n",
    "if ",
    "else ",
    "else if ",
    "end",
    "range ",
    "with ",
    "define \"a\"",
    "template \"a\" .",
    "include \"a\" .",
    "block \"b\" .",
    ".Values",
    ".Values.x",
    ".x.y",
    "$",
    "$x := ",
    "$x",
    "$x = ",
    "$i, $e := ",
    "|",
    "(",
    ")",
    "\"s\"",
    "`raw`",
    "'c'",
    "1",
    "2.5",
    "-3",
    "0x1F",
    "nil",
    "true",
    "printf \"%v %d %s\" ",
    "tpl ",
    "toYaml ",
    "fromYaml ",
    "toJson ",
    "index ",
    "len ",
    "until 5 ",
    "break",
    "continue",
    "default ",
    "dict \"k\" ",
    "list ",
    "set ",
    "merge ",
    "required \"m\" ",
    "fail \"f\" ",
    "quote ",
    "upper ",
    "b64enc ",
    "regexMatch \"[\" ",
    "semverCompare \">1\" ",
    "add ",
    "div 1 0",
    "and ",
    "or ",
    "not ",
    "eq ",
    "lt ",
    "/* c */",
    "{{/* c */}}",
    ".",
    ",",
    ":=",
    "=",
    "text ",
    "nindent 2 ",
    "trunc -1 ",
    "substr 5 1 ",
    "slice ",
    "split \"\" ",
    "deepCopy ",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn data() -> flux_helm::template::Value {
    parse_yaml(
        "Values: {x: {y: [1, a, {b: c}]}, s: 'x: y'}\nTemplate: {Name: t, BasePath: b}\nx: 1\n",
    )
    .unwrap()
}

#[test]
fn random_templates_never_panic() {
    let h = std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(|| {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
            let d = data();
            let mut rendered = 0;
            for _ in 0..4000 {
                let n = 1 + (rng.next() % 24) as usize;
                let mut t = String::new();
                for _ in 0..n {
                    t.push_str(PIECES[(rng.next() % PIECES.len() as u64) as usize]);
                }
                let mut e = Engine::new();
                if e.add("t", &t).is_ok() {
                    let _ = e.add("a", "{{ . }}");
                    if e.execute("t", &d).is_ok() {
                        rendered += 1;
                    }
                }
            }
            rendered
        })
        .unwrap();
    let rendered = h.join().expect("engine panicked on a random template");
    assert!(rendered > 0, "no random template rendered at all");
}

#[test]
fn random_yaml_never_panics_and_round_trips() {
    let mut rng = Rng(42);
    let atoms = [
        "a", ":", " ", "\n", "- ", "  ", "'", "\"", "{", "}", "[", "]", ",", "#", "&x", "*x",
        "<<: ", "1", "~", "yes", "|", ">", "\t", "é", "---\n",
    ];
    for _ in 0..3000 {
        let n = 1 + (rng.next() % 30) as usize;
        let mut t = String::new();
        for _ in 0..n {
            t.push_str(atoms[(rng.next() % atoms.len() as u64) as usize]);
        }
        let _ = parse_yaml_stream(&t);
        if let Ok(v) = parse_yaml(&t) {
            let out = to_yaml(&v).expect("encodes");
            let back =
                parse_yaml(&out).unwrap_or_else(|e| panic!("re-parse of {out:?} from {t:?}: {e}"));
            assert!(
                back.deep_eq(&v),
                "round trip changed data: {t:?} -> {out:?}"
            );
        }
    }
}

#[test]
fn manifest_heads_agree_with_full_decoding() {
    let mut rng = Rng(7);
    let mut with_kind = 0;
    let atoms = [
        "kind: ",
        "metadata:\n",
        "  name: ",
        "  annotations:\n",
        "    helm.sh/hook: ",
        "x",
        "1",
        "[",
        "]",
        "{",
        "}",
        ": ",
        "\n",
        "- ",
        "  ",
        "&a ",
        "*a",
        "<<: ",
        "? ",
        "'",
        "\"",
        "#",
        "~",
        "yes",
        "---\n",
        "spec:\n",
        "  - ",
        "|\n",
        ",",
    ];
    for _ in 0..4000 {
        let n = 1 + (rng.next() % 24) as usize;
        // Half start as a well-formed head, then random noise follows.
        let mut t = if rng.next().is_multiple_of(2) {
            String::from("kind: Job\nmetadata:\n  name: x\n")
        } else {
            String::new()
        };
        for _ in 0..n {
            t.push_str(atoms[(rng.next() % atoms.len() as u64) as usize]);
        }
        let full = parse_yaml(&t);
        let head = parse_manifest_head(&t);
        assert_eq!(
            full.is_ok(),
            head.is_ok(),
            "{t:?}: full {:?}, head {:?}",
            full.as_ref().err(),
            head.as_ref().err()
        );
        let (Ok(full), Ok(head)) = (full, head) else {
            continue;
        };
        if matches!(full, flux_helm::template::Value::Map(_)) {
            with_kind += usize::from(!full.get("kind").is_nil());
            for key in ["kind", "metadata"] {
                assert!(
                    full.get(key).deep_eq(&head.get(key)),
                    "{t:?}: {key} differs"
                );
            }
        } else {
            assert!(full.deep_eq(&head), "{t:?}: non-map document differs");
        }
    }
    assert!(
        with_kind > 50,
        "too few random manifests had a kind: {with_kind}"
    );
}
