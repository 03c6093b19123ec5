//! Fuzz YAML decoding and go-yaml style encoding: decoded data must encode and
//! decode back to the same data. Scalars are compared by their lower-cased
//! text, because the decoder follows YAML 1.1 spellings (`TRuE`, `NuLL`) a
//! little more loosely than go-yaml, whose quoting the encoder reproduces.
#![no_main]

use flux_helm::template::Value;
use flux_helm::template::gofmt::format_float_v;
use flux_helm::yaml::emit::to_yaml;
use flux_helm::yaml::load::parse_yaml;
use libfuzzer_sys::fuzz_target;

fn norm(v: &Value) -> Value {
    match v {
        Value::Nil => Value::from("null"),
        Value::Bool(b) => Value::from(b.to_string()),
        Value::Int(i) => Value::from(format_float_v(*i as f64)),
        Value::Float(f) => Value::from(format_float_v(if *f == 0.0 { 0.0 } else { *f })),
        Value::Str(s) => Value::from(s.to_lowercase()),
        Value::List(l) => Value::from(l.iter().map(norm).collect::<Vec<_>>()),
        Value::Map(_) => Value::from(v.map_snapshot().unwrap_or_default().iter().map(|(k, e)| (k.clone(), norm(e))).collect::<flux_helm::template::Map>()),
        other => other.clone(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(value) = parse_yaml(text) else { return };
    let Ok(out) = to_yaml(&value) else { return };
    let back = parse_yaml(&out).expect("encoded YAML must parse");
    assert!(norm(&value).deep_eq(&norm(&back)), "round trip changed data: {text:?} -> {out:?}");
});
