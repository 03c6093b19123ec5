//! Fuzz the template engine: any input must parse-or-error and render-or-error.
#![no_main]

use flux_helm::template::Engine;
use flux_helm::yaml::load::parse_yaml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text = text.to_string();
    // Run on a large stack: the engine bounds recursion by call depth.
    let handle = std::thread::Builder::new().stack_size(256 << 20).spawn(move || {
        let mut engine = Engine::new();
        if engine.add("t", &text).is_err() {
            return;
        }
        let _ = engine.add("a", "{{ . }}");
        if let Ok(values) = parse_yaml("Values: {a: 1, b: [x, y], c: {d: e}}\nTemplate: {Name: t, BasePath: b}\n") {
            let _ = engine.execute("t", &values);
        }
    });
    if let Ok(h) = handle
        && h.join().is_err()
    {
        std::process::abort();
    }
});
