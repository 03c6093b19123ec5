//! Fuzz YAML decoding and go-yaml style encoding: decoded data must encode and
//! decode back to the same data.
#![no_main]

use flux_helm::yaml::emit::to_yaml;
use flux_helm::yaml::load::parse_yaml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(value) = parse_yaml(text) else { return };
    let Ok(out) = to_yaml(&value) else { return };
    let back = parse_yaml(&out).expect("encoded YAML must parse");
    if !format!("{value:?}").contains("NaN") {
        assert!(back.deep_eq(&value), "round trip changed data: {text:?} -> {out:?}");
    }
});
