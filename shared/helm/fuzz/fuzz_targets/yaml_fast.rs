//! Differential fuzzing of the YAML fast path: whenever it decodes an input,
//! the serde-saphyr path must accept the input too and give the same value,
//! to the type (int, float and string told apart, floats bit for bit).
#![no_main]

use flux_helm::template::Value;
use flux_helm::yaml::fast;
use flux_helm::yaml::load::serde_path;
use libfuzzer_sys::fuzz_target;

fn one(text: &str, docs: Result<Vec<Value>, String>) -> Value {
    let docs =
        docs.unwrap_or_else(|e| panic!("fast path accepted {text:?}, serde path failed: {e}"));
    assert_eq!(
        docs.len(),
        1,
        "fast path accepted a stream of {} documents: {text:?}",
        docs.len()
    );
    docs.into_iter().next().unwrap_or(Value::Nil)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(v) = fast::decode::<false>(text) {
        let s = one(text, serde_path::stream::<false>(text));
        assert!(
            serde_path::identical(&v, &s),
            "{text:?}: fast {v:?}, serde {s:?}"
        );
    }
    if let Some(v) = fast::decode::<true>(text) {
        let s = one(text, serde_path::stream::<true>(text));
        assert!(
            serde_path::identical(&v, &s),
            "{text:?} (values): fast {v:?}, serde {s:?}"
        );
    }
    if let Some(v) = fast::decode_head(text) {
        let s = serde_path::manifest_head(text)
            .unwrap_or_else(|e| panic!("fast head accepted {text:?}, serde head failed: {e}"));
        assert!(
            serde_path::identical(&v, &s),
            "{text:?} (head): fast {v:?}, serde {s:?}"
        );
    }
});
