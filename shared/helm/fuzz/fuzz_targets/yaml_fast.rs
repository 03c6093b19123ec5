//! Differential fuzzing of the YAML fast path: whenever it decodes an input,
//! the serde-saphyr path must accept the input too and give the same value,
//! to the type (int, float and string told apart, floats bit for bit).
#![no_main]

use flux_helm::yaml::load::serde_path;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = serde_path::compare_with_fast_path(text) {
        panic!("{text:?}: {e}");
    }
});
