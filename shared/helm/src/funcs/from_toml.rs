//! Helm's `fromToml`: a TOML document as a map, or a map with an `Error` key
//! when it does not parse (BurntSushi/toml into `map[string]interface{}`).
//!
//! Integers are int64, floats float64; datetimes become the text Go's
//! `time.Time` prints (flux-helm has no time type), e.g.
//! `1979-05-27 07:32:00 +0000 UTC` or `... +0000 datetime-local`.

use toml::value::{Datetime, Offset};

use crate::template::value::{Map, Value};

/// Parse `text` as Helm's `fromToml` does.
pub fn from_toml(text: &str) -> Value {
    match text.parse::<toml::Table>() {
        Ok(t) => table(t),
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(1);
            let mut m = Map::new();
            m.insert(
                "Error".into(),
                Value::from(format!("toml: line {line}: {}", e.message().trim_end())),
            );
            Value::from(m)
        }
    }
}

fn table(t: toml::Table) -> Value {
    Value::from(t.into_iter().map(|(k, v)| (k, value(v))).collect::<Map>())
}

fn value(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::from(s),
        toml::Value::Integer(i) => Value::Int(i),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::from(go_time(&d)),
        toml::Value::Array(a) => Value::from(a.into_iter().map(value).collect::<Vec<_>>()),
        toml::Value::Table(t) => table(t),
    }
}

/// Go's `time.Time.String()` of the value BurntSushi/toml decodes: local
/// values carry the zones `datetime-local`, `date-local`, `time-local`.
fn go_time(d: &Datetime) -> String {
    let (y, mo, day) = d.date.map_or((0, 1, 1), |x| (x.year, x.month, x.day));
    let (h, mi, s, ns) = d.time.map_or((0, 0, 0, 0), |t| {
        (
            t.hour,
            t.minute,
            t.second.unwrap_or(0),
            t.nanosecond.unwrap_or(0),
        )
    });
    let mut out = format!("{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{s:02}");
    if ns > 0 {
        out.push_str(format!(".{ns:09}").trim_end_matches('0'));
    }
    let zone = match (d.offset, d.date, d.time) {
        (Some(Offset::Z), ..) => "+0000 UTC".to_string(),
        (Some(Offset::Custom { minutes }), ..) => {
            let sign = if minutes < 0 { '-' } else { '+' };
            let m = minutes.unsigned_abs();
            let z = format!("{sign}{:02}{:02}", m / 60, m % 60);
            format!("{z} {z}")
        }
        (None, Some(_), Some(_)) => "+0000 datetime-local".into(),
        (None, Some(_), None) => "+0000 date-local".into(),
        (None, None, _) => "+0000 time-local".into(),
    };
    format!("{out} {zone}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::gofmt::format_v;

    #[test]
    fn documents_like_helm() {
        // Expectations printed by helm v4.2.3 for `{{ fromToml ... }}`.
        let v = from_toml(
            "a = 1\nb = 1.5\nh = true\ni = [1, \"x\", [2]]\n[t]\nx = \"y\"\n[[arr]]\nn = 1\n[[arr]]\nn = 2",
        );
        assert_eq!(
            format_v(&v),
            "map[a:1 arr:[map[n:1] map[n:2]] b:1.5 h:true i:[1 x [2]] t:map[x:y]]"
        );
        let v = from_toml(
            "o = 1979-05-27T07:32:00Z\np = 1979-05-27T00:32:00-07:00\nq = 1979-05-27T07:32:00\nr = 1979-05-27\ns = 07:32:00\nu = 1979-05-27T07:32:00.999999Z",
        );
        assert_eq!(
            format_v(&v),
            "map[o:1979-05-27 07:32:00 +0000 UTC p:1979-05-27 00:32:00 -0700 -0700 q:1979-05-27 07:32:00 +0000 datetime-local r:1979-05-27 00:00:00 +0000 date-local s:0000-01-01 07:32:00 +0000 time-local u:1979-05-27 07:32:00.999999 +0000 UTC]"
        );
        assert_eq!(format_v(&from_toml("")), "map[]");
    }

    #[test]
    fn errors_are_an_error_key() {
        let v = from_toml("a = 1\na = 2");
        let e = crate::funcs::strval(&v.get("Error"));
        assert!(e.starts_with("toml: line 2: "), "{e}");
        let v = from_toml("bad");
        assert!(crate::funcs::strval(&v.get("Error")).starts_with("toml: line 1: "));
    }
}
