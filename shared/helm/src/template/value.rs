//! The dynamic value type templates operate on, modelled on Go's `interface{}`
//! as Helm sees it: maps are `map[string]interface{}` (shared, mutable, iterated
//! in sorted key order), lists are `[]interface{}`, numbers are `int`/`float64`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use crate::files::Files;

/// A Go-style map with string keys; Go iterates template maps in key order.
pub type Map = BTreeMap<String, Value>;

/// A template value.
#[derive(Clone, Default)]
pub enum Value {
    /// Go's untyped nil (a missing map key, a nil interface).
    #[default]
    Nil,
    /// `bool`.
    Bool(bool),
    /// `int` / `int64`.
    Int(i64),
    /// `float64`.
    Float(f64),
    /// `string`.
    Str(Rc<str>),
    /// `[]interface{}` (or `[]string`).
    List(Rc<Vec<Value>>),
    /// `map[string]interface{}`; shared by reference like a Go map.
    Map(Rc<RefCell<Map>>),
    /// Helm's `.Files` object.
    Files(Rc<Files>),
    /// Helm's `.Capabilities.APIVersions` (a `VersionSet` with a `Has` method).
    ApiVersions(Rc<Vec<String>>),
    /// A Go struct with a `String()` method (`.Capabilities.KubeVersion`,
    /// Sprig's `semver`): fields read like a map, printing uses the string.
    Stringer(Rc<Map>, Rc<str>),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "Nil"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Float(x) => write!(f, "Float({x})"),
            Value::Str(s) => write!(f, "Str({s:?})"),
            Value::List(l) => f.debug_list().entries(l.iter()).finish(),
            Value::Map(m) => match m.try_borrow() {
                Ok(m) => f.debug_map().entries(m.iter()).finish(),
                Err(_) => write!(f, "Map(<borrowed>)"),
            },
            Value::Files(_) => write!(f, "Files"),
            Value::ApiVersions(_) => write!(f, "ApiVersions"),
            Value::Stringer(_, s) => write!(f, "Stringer({s})"),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(Rc::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(Rc::from(s))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::List(Rc::new(v))
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Map(Rc::new(RefCell::new(m)))
    }
}

/// Deepest nesting walked by recursive value operations; deeper values (or
/// cycles made with `set $d "self" $d`) are cut off instead of overflowing.
pub const MAX_DEPTH: usize = 2000;

impl Value {
    /// A new empty map value.
    pub fn new_map() -> Value {
        Value::from(Map::new())
    }

    /// Is this Go's nil?
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Go template truthiness (`if`, `with`, `and`, `or`, `not`).
    pub fn truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => m.try_borrow().map(|m| !m.is_empty()).unwrap_or(true),
            Value::Files(f) => !f.is_empty(),
            Value::ApiVersions(v) => !v.is_empty(),
            Value::Stringer(..) => true,
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Go's type name, as `printf "%T"` and Sprig's `typeOf` print it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::List(_) => "[]interface {}",
            Value::Map(_) => "map[string]interface {}",
            Value::Files(_) => "engine.files",
            Value::ApiVersions(_) => "common.VersionSet",
            Value::Stringer(..) => "*struct",
        }
    }

    /// Go's reflect kind name, as Sprig's `kindOf` prints it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::List(_) | Value::ApiVersions(_) => "slice",
            Value::Map(_) | Value::Files(_) => "map",
            Value::Stringer(..) => "ptr",
        }
    }

    /// Look up a key of a map value (nil for anything else or a missing key).
    pub fn get(&self, key: &str) -> Value {
        match self {
            Value::Stringer(m, _) => m.get(key).cloned().unwrap_or(Value::Nil),
            Value::Map(m) => m
                .try_borrow()
                .ok()
                .and_then(|m| m.get(key).cloned())
                .unwrap_or(Value::Nil),
            _ => Value::Nil,
        }
    }

    /// A copy of the map inside, if this is a map.
    pub fn map_snapshot(&self) -> Option<Map> {
        match self {
            Value::Map(m) => m.try_borrow().ok().map(|m| m.clone()),
            _ => None,
        }
    }

    /// A deep copy (maps are no longer shared with the original).
    pub fn deep_copy(&self) -> Value {
        self.deep_copy_depth(0)
    }

    fn deep_copy_depth(&self, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Nil;
        }
        match self {
            Value::List(l) => Value::from(
                l.iter()
                    .map(|v| v.deep_copy_depth(depth + 1))
                    .collect::<Vec<_>>(),
            ),
            // Built straight from the borrowed map (not from a snapshot of it,
            // which would clone every key twice); copying only reads.
            Value::Map(m) => Value::from(match m.try_borrow() {
                Ok(m) => m
                    .iter()
                    .map(|(k, v)| (k.clone(), v.deep_copy_depth(depth + 1)))
                    .collect::<Map>(),
                Err(_) => Map::new(),
            }),
            other => other.clone(),
        }
    }

    /// Data equality, as reflect.DeepEqual sees values of the same types.
    pub fn deep_eq(&self, other: &Value) -> bool {
        self.deep_eq_depth(other, 0)
    }

    fn deep_eq_depth(&self, other: &Value, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|(x, y)| x.deep_eq_depth(y, depth + 1))
            }
            (Value::Map(a), Value::Map(b)) => {
                if Rc::ptr_eq(a, b) {
                    return true;
                }
                let (Ok(a), Ok(b)) = (a.try_borrow(), b.try_borrow()) else {
                    return false;
                };
                a.len() == b.len()
                    && a.iter().all(|(k, v)| {
                        b.get(k)
                            .map(|w| v.deep_eq_depth(w, depth + 1))
                            .unwrap_or(false)
                    })
            }
            _ => false,
        }
    }

    /// Numeric value as f64, if numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Convert every integer into a float, as Helm's YAML → JSON → Go decoding does.
    pub fn ints_to_floats(self) -> Value {
        match self {
            Value::Int(i) => Value::Float(i as f64),
            Value::List(l) => Value::from(
                Rc::unwrap_or_clone(l)
                    .into_iter()
                    .map(Value::ints_to_floats)
                    .collect::<Vec<_>>(),
            ),
            Value::Map(m) => {
                let snap = m.try_borrow().map(|m| m.clone()).unwrap_or_default();
                Value::from(
                    snap.into_iter()
                        .map(|(k, v)| (k, v.ints_to_floats()))
                        .collect::<Map>(),
                )
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truthiness_follows_go() {
        assert!(!Value::Nil.truthy());
        assert!(!Value::from("").truthy());
        assert!(Value::from("x").truthy());
        assert!(!Value::Int(0).truthy());
        assert!(!Value::new_map().truthy());
        assert!(Value::from(vec![Value::Nil]).truthy());
    }

    #[test]
    fn maps_are_shared_and_deep_copy_is_not() {
        let m = Value::new_map();
        let alias = m.clone();
        let copy = m.deep_copy();
        if let Value::Map(inner) = &m {
            inner.borrow_mut().insert("a".into(), Value::Int(1));
        }
        assert!(alias.get("a").deep_eq(&Value::Int(1)));
        assert!(copy.get("a").is_nil());
    }
}
