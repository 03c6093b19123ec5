use serde_json::json;

use super::*;

fn eval_bool(expr: &str, obj: &serde_json::Value) -> Result<bool, Error> {
    Expression::parse(expr)?.evaluate_bool(&Variables::from_object(obj))
}

fn certificate(issuing: &str, ready: &str) -> serde_json::Value {
    json!({
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "metadata": {"name": "app", "generation": 2},
        "status": {"conditions": [
            {"type": "Issuing", "status": issuing, "observedGeneration": 2},
            {"type": "Ready", "status": ready, "observedGeneration": 2},
        ]}
    })
}

#[test]
fn flux_rfc_certificate_expressions() {
    let in_progress = "status.conditions.filter(e, e.type == 'Issuing').all(e, e.observedGeneration == metadata.generation && e.status == 'True')";
    let current = "status.conditions.filter(e, e.type == 'Ready').all(e, e.observedGeneration == metadata.generation && e.status == 'True')";
    assert!(eval_bool(in_progress, &certificate("True", "False")).unwrap());
    assert!(!eval_bool(in_progress, &certificate("False", "True")).unwrap());
    assert!(eval_bool(current, &certificate("False", "True")).unwrap());
    assert!(!eval_bool(current, &certificate("False", "False")).unwrap());
}

#[test]
fn macros_has_and_operators() {
    let obj = json!({"spec": {"items": [1, 2, 3], "name": "web-1"}, "status": {"phase": "Ready"}});
    let cases = [
        ("spec.items.exists(i, i > 2)", true),
        ("spec.items.all(i, i > 2)", false),
        ("spec.items.exists_one(i, i == 2)", true),
        ("spec.items.map(i, i * 2) == [2, 4, 6]", true),
        ("size(spec.items.filter(i, i % 2 == 1)) == 2", true),
        ("has(status.phase) && !has(status.message)", true),
        (
            "spec.name.startsWith('web') && spec.name.endsWith('-1')",
            true,
        ),
        ("spec.name.matches('^web-[0-9]+$')", true),
        ("'web' in [spec.name.split('-')[0]]", true),
        ("spec.name.upperAscii() == 'WEB-1'", true),
        ("3 in spec.items && !(4 in spec.items)", true),
        ("status.phase == 'Ready' ? true : false", true),
        ("spec.items[0] == 1.0", true),
        ("sets.contains(spec.items, [3, 1])", true),
        ("sets.contains(spec.items, [4])", false),
        ("sets.equivalent([3, 2, 1, 1], spec.items)", true),
        ("sets.intersects(spec.items, [7, 2])", true),
        ("sets.intersects(spec.items, ['a'])", false),
    ];
    for (expr, want) in cases {
        assert_eq!(eval_bool(expr, &obj), Ok(want), "{expr}");
    }
}

#[test]
fn optional_field_access() {
    let obj = json!({"status": {}});
    assert_eq!(eval_bool("status.?phase.orValue('') == ''", &obj), Ok(true));
    assert_eq!(eval_bool("!status.?phase.hasValue()", &obj), Ok(true));
    let ready = json!({"status": {"phase": "Ready"}});
    assert_eq!(
        eval_bool("status.?phase.orValue('') == 'Ready'", &ready),
        Ok(true)
    );
}

#[test]
fn evaluate_to_json_and_string() {
    let obj = json!({"metadata": {"name": "app", "labels": {"a": "b"}}});
    let vars = Variables::from_object(&obj);
    assert_eq!(
        Expression::parse("metadata.name + '-x'")
            .unwrap()
            .evaluate_string(&vars),
        Ok("app-x".to_string())
    );
    assert_eq!(
        Expression::parse("{'n': metadata.name, 'l': [1, 2.5, true, null]}")
            .unwrap()
            .evaluate(&vars),
        Ok(json!({"l": [1, 2.5, true, null], "n": "app"}))
    );
    assert_eq!(
        Expression::parse("base64.encode(b'hi')")
            .unwrap()
            .evaluate(&vars),
        Ok(json!("aGk="))
    );
}

#[test]
fn parse_errors_name_the_expression() {
    let err = Expression::parse("foo.").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::Parse { .. }));
    assert!(
        msg.starts_with("failed to parse the CEL expression 'foo.': ERROR: <input>:1:"),
        "{msg}"
    );
}

#[test]
fn evaluation_errors() {
    let obj = json!({"metadata": {"name": "x"}});
    let err = eval_bool("status.phase == 'Ready'", &obj).unwrap_err();
    assert!(matches!(err, Error::Evaluate { .. }), "{err}");
    assert!(
        err.to_string().contains("'status.phase == 'Ready''"),
        "{err}"
    );
    let err = eval_bool("metadata.missing == 'x'", &obj).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
    let err = eval_bool("metadata.name", &obj).unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to evaluate CEL expression as boolean: 'metadata.name'"
    );
}

#[test]
fn compile_checks_declarations_and_output_type() {
    let decls = Declarations::boolean(&["self", "dep"]);
    let ok = Expression::compile(
        "dep.status.conditions.exists(c, c.type == 'Ready' && c.status == 'True') && self.metadata.name != ''",
        &decls,
    );
    assert!(ok.is_ok(), "{ok:?}");

    let err = Expression::compile("self.generation == deps.generation", &decls).unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to parse the CEL expression 'self.generation == deps.generation': \
         ERROR: <input>:1:20: undeclared reference to 'deps' (in container '')"
    );

    let err = Expression::compile("dep.status.ready", &decls).unwrap_err();
    assert!(matches!(err, Error::OutputType { .. }), "{err}");
    assert!(err.to_string().contains("expected bool, got dyn"), "{err}");
    let err = Expression::compile("'yes'", &decls).unwrap_err();
    assert!(err.to_string().contains("got string"), "{err}");

    // Literals do not mix types (cel-go's HomogeneousAggregateLiterals); dyn is fine.
    let err = Expression::compile("dep.metadata.name in ['a', 1]", &decls).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("ERROR: <input>:1:28: expected type 'string' but found 'int'"),
        "{err}"
    );
    let err = Expression::compile("{'a': true, 'b': 'x'}['a']", &decls).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected type 'bool' but found 'string'"),
        "{err}"
    );
    assert!(Expression::compile("dep.metadata.name in ['a', dep.spec.x]", &decls).is_ok());
    // Parse-only expressions (healthCheckExprs) are not checked.
    assert!(Expression::parse("['a', 1].size() == 2").is_ok());

    // Macro variables are in scope inside the macro only.
    let err = Expression::compile("dep.items.all(i, i > 0) && i > 0", &decls).unwrap_err();
    assert!(
        err.to_string().contains("undeclared reference to 'i'"),
        "{err}"
    );
}

#[test]
fn compiled_expression_evaluates_against_named_variables() {
    let expr = Expression::compile(
        "dep.metadata.generation == dep.status.observedGeneration && self.metadata.labels.app == 'web'",
        &Declarations::boolean(&["self", "dep"]),
    )
    .unwrap();
    let me = json!({"metadata": {"labels": {"app": "web"}}});
    let dep = json!({"metadata": {"generation": 3}, "status": {"observedGeneration": 3}});
    let stale = json!({"metadata": {"generation": 3}, "status": {"observedGeneration": 2}});
    let vars = |d| Variables::new().with("self", &me).with("dep", d);
    assert_eq!(expr.evaluate_bool(&vars(&dep)), Ok(true));
    assert_eq!(expr.evaluate_bool(&vars(&stale)), Ok(false));
}

#[test]
fn limits_on_size_and_cost() {
    let long = format!("'{}' == ''", "a".repeat(20_000));
    assert!(matches!(
        Expression::parse(&long),
        Err(Error::TooLarge { what: "length", .. })
    ));
    let small = Limits {
        max_nodes: 5,
        ..Limits::default()
    };
    assert!(matches!(
        Expression::parse_with("a + b + c + d + e", small),
        Err(Error::TooLarge {
            what: "node count",
            ..
        })
    ));

    // Three nested macros over a 200-item list: 8 million iterations.
    let expr = Expression::parse("l.all(a, l.all(b, l.all(c, a + b + c >= 0)))").unwrap();
    let list = json!((0..200).collect::<Vec<_>>());
    let obj = json!({"l": list});
    let err = expr
        .evaluate_bool(&Variables::from_object(&obj))
        .unwrap_err();
    assert!(matches!(err, Error::CostLimit { .. }), "{err}");
    // The same expression over a short list is cheap and runs.
    let obj = json!({"l": [1, 2, 3]});
    assert_eq!(expr.evaluate_bool(&Variables::from_object(&obj)), Ok(true));
    assert!(expr.estimated_cost(&Variables::from_object(&obj)) < 1_000);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
    assert!(Expression::parse(&deep).is_err());
    let deep_list = format!("{}1{}", "[".repeat(500), "]".repeat(500));
    assert!(Expression::parse(&deep_list).is_err());
    let chain = vec!["a"; 3000].join(" + ");
    assert!(Expression::parse(&chain).is_err());
    // Deep but allowed nesting parses and evaluates from a small-stack thread.
    let nested = format!("{}1{} != []", "[".repeat(60), "]".repeat(60));
    let result = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            let obj = json!({});
            Expression::parse(&nested).and_then(|e| e.evaluate_bool(&Variables::from_object(&obj)))
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(result, Ok(true));
}

#[test]
fn cel_go_semantics_flux_relies_on() {
    let obj = json!({"a": 1, "b": 2.5, "s": "x", "l": [1, 2], "m": {"k": "v"}});
    for expr in [
        // CrossTypeNumericComparisons and heterogeneous equality.
        "a < b && a < 2u && a == 1u && b > a",
        "type(a) == int && int(b) == 2 && string(a) == '1'",
        "'k' in m && size(m) == 1 && l.size() == 2",
        // Optional values.
        "m.?k.orValue('z') == 'v' && m.?z.orValue('z') == 'z' && l[?5].orValue(0) == 0",
        "optional.of(1).hasValue() && !optional.none().hasValue()",
        "l.map(x, x * 2).filter(x, x > 2) == [4] && m.all(k, k == 'k')",
        "s.lowerAscii() == 'x' && s.replace('x', 'y') == 'y' && 'a,b'.split(',').size() == 2",
        "base64.decode('eA==') == b'x'",
    ] {
        assert_eq!(eval_bool(expr, &obj), Ok(true), "{expr}");
    }
    let err = eval_bool("1 / 0 == 1", &obj).unwrap_err();
    assert!(err.to_string().contains("Division by zero"), "{err}");
}
