//! `--set`, `--set-string`, `--set-json`, `--set-file` and `--set-literal` as
//! Helm's `pkg/strvals` parses them: dotted keys, list indexes (`a[0].b=x`,
//! `list[1]=y`, nested `m[0][1]=z`), `{a,b}` lists, `\` escapes,
//! `,`-separated pairs, and typed scalars (`true`, `false`, `null`, int64;
//! `--set-string` keeps strings). `--set-json` values are JSON documents
//! (numbers float64, an empty value null), `--set-file` values name files
//! whose content becomes the value, and `--set-literal` takes one `key=value`
//! whose value is kept verbatim (no escapes, no `,` splitting). Expressions
//! apply onto the values already read from `-f` files, like `ParseInto` does.

use std::collections::BTreeMap;

use crate::template::value::{Map, Value};

/// Deepest `a.b.c` nesting Helm accepts.
const MAX_NESTED_NAME_LEVEL: usize = 30;
/// Largest list index Helm accepts.
const MAX_INDEX: i64 = 65536;

/// One `--set`-like flag value. Helm applies them after the values files in
/// this order: every `--set-json`, `--set`, `--set-string`, `--set-file`,
/// then `--set-literal`; [`parse_into`] applies one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetArg {
    /// `--set`: scalars are typed (bool, null, int64, else string).
    Set(String),
    /// `--set-string`: every scalar is a string.
    SetString(String),
    /// `--set-json`: each value is a JSON document (`a={"x":1}`, `a[0]=[1]`);
    /// an empty value is null.
    SetJson(String),
    /// `--set-file`: each value is a file path (relative to the working
    /// directory, `-` for standard input) and the file's text is the value.
    SetFile(String),
    /// `--set-literal`: one `key=value`; the value is taken verbatim.
    SetLiteral(String),
}

impl SetArg {
    /// The Helm flag this value came from, for error messages (Helm says
    /// "failed parsing --set-json data ...").
    pub fn flag(&self) -> &'static str {
        match self {
            SetArg::Set(_) => "--set",
            SetArg::SetString(_) => "--set-string",
            SetArg::SetJson(_) => "--set-json",
            SetArg::SetFile(_) => "--set-file",
            SetArg::SetLiteral(_) => "--set-literal",
        }
    }

    /// Rank in Helm's order of application.
    fn rank(&self) -> u8 {
        match self {
            SetArg::SetJson(_) => 0,
            SetArg::Set(_) => 1,
            SetArg::SetString(_) => 2,
            SetArg::SetFile(_) => 3,
            SetArg::SetLiteral(_) => 4,
        }
    }
}

/// Flags in the order Helm applies them: every `--set-json`, then `--set`,
/// `--set-string`, `--set-file` and `--set-literal`, each kind in the order
/// given (a stable sort).
pub fn in_helm_order(args: impl IntoIterator<Item = SetArg>) -> Vec<SetArg> {
    let mut v: Vec<SetArg> = args.into_iter().collect();
    v.sort_by_key(SetArg::rank);
    v
}

/// How values after `=` are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Typed,
    Strings,
    Json,
    File,
    Literal,
}

/// The values being built: Go's `map[string]interface{}` and `[]interface{}`.
#[derive(Debug, Clone)]
enum Node {
    Map(BTreeMap<String, Node>),
    List(Vec<Node>),
    Leaf(Value),
}

impl Node {
    fn from_value(v: &Value) -> Node {
        match v {
            Value::Map(_) => Node::Map(
                v.map_snapshot()
                    .unwrap_or_default()
                    .iter()
                    .map(|(k, e)| (k.clone(), Node::from_value(e)))
                    .collect(),
            ),
            Value::List(l) => Node::List(l.iter().map(Node::from_value).collect()),
            other => Node::Leaf(other.clone()),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Node::Map(m) => Value::from(
                m.into_iter()
                    .map(|(k, v)| (k, v.into_value()))
                    .collect::<Map>(),
            ),
            Node::List(l) => Value::from(l.into_iter().map(Node::into_value).collect::<Vec<_>>()),
            Node::Leaf(v) => v,
        }
    }

    /// Go's type name, for the texts of failed type assertions.
    fn go_type(&self) -> &'static str {
        match self {
            Node::Map(_) => "map[string]interface {}",
            Node::List(_) => "[]interface {}",
            Node::Leaf(Value::Nil) => "nil",
            Node::Leaf(v) => v.type_name(),
        }
    }
}

enum Stop {
    Eof,
    NotList,
    Msg(String),
}

fn msg(s: impl Into<String>) -> Stop {
    Stop::Msg(s.into())
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    mode: Mode,
}

impl Parser {
    fn read(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    /// Go's `runesUntil`: text up to a stop rune (unescaping `\x`, except
    /// in `--set-literal`), the stop rune, or `None` at the end of input.
    fn until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let mut v = String::new();
        loop {
            match self.read() {
                None => return (v, None),
                Some(c) if stop.contains(&c) => return (v, Some(c)),
                Some('\\') if self.mode != Mode::Literal => match self.read() {
                    None => return (v, None),
                    Some(n) => v.push(n),
                },
                Some(c) => v.push(c),
            }
        }
    }

    /// The value of the text after `=` (Go's `reader`): typed, a string, or
    /// the content of the file it names.
    fn value(&self, v: String) -> Result<Value, Stop> {
        match self.mode {
            Mode::Typed => Ok(typed(v)),
            Mode::File => read_file(&v).map(Value::from).map_err(msg),
            _ => Ok(Value::from(v)),
        }
    }

    /// Go's `emptyVal`: skips blanks; true (consuming it) at a `,` or the
    /// end, false (not consuming it) at anything else.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.read() {
                None | Some(',') => return true,
                Some(c) if c.is_whitespace() => {}
                Some(_) => {
                    self.unread();
                    return false;
                }
            }
        }
    }

    /// A `--set-json` value: null when empty, else one JSON document
    /// (Go's `json.Decoder`: numbers are float64), then blanks and a `,`.
    fn json(&mut self) -> Result<Value, Stop> {
        if self.empty_val() {
            return Ok(Value::Nil);
        }
        let rest: String = self.chars[self.pos..].iter().collect();
        let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<serde_json::Value>();
        let v = match stream.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(msg(e.to_string())),
            None => return Err(msg("unexpected EOF")),
        };
        self.pos += rest[..stream.byte_offset()].chars().count();
        self.empty_val();
        Ok(crate::funcs::encoding::from_json_value(v))
    }

    /// What follows `=` after a key or an index, by mode. `Err(Eof)` when
    /// `=` ends the input (Go then sets the empty string).
    fn after_eq(&mut self) -> Result<Node, Stop> {
        match self.mode {
            Mode::Literal => {
                let (v, _) = self.until(&[]);
                Ok(Node::Leaf(Value::from(v)))
            }
            Mode::Json => self.json().map(|v| Node::from_value(&v)),
            _ => match self.val_list() {
                Ok(l) => Ok(Node::List(l)),
                Err(Stop::NotList) => {
                    let (v, _) = self.until(&[',']);
                    self.value(v).map(Node::Leaf)
                }
                Err(e) => Err(e),
            },
        }
    }
}

impl Parser {
    fn key(&mut self, data: &mut BTreeMap<String, Node>, level: usize) -> Result<(), Stop> {
        // `--set-literal` keys may contain `,`.
        let stop: &[char] = if self.mode == Mode::Literal {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        let (k, last) = self.until(stop);
        match last {
            None if k.is_empty() => Err(Stop::Eof),
            None => Err(msg(format!("key \"{k}\" has no value"))),
            Some('[') => {
                let i = self.index()?;
                let list = match data.remove(&k) {
                    None => Vec::new(),
                    Some(Node::List(l)) => l,
                    Some(other) => {
                        let t = other.go_type();
                        data.insert(k, other);
                        return Err(msg(format!(
                            "unable to parse key: interface conversion: interface {{}} is {t}, not []interface {{}}"
                        )));
                    }
                };
                let (list, r) = self.list_item(list, i, level);
                set(data, k, Node::List(list));
                r
            }
            Some('=') => match self.after_eq() {
                Ok(v) => {
                    set(data, k, v);
                    Ok(())
                }
                Err(Stop::Eof) => {
                    set(data, k, Node::Leaf(Value::from("")));
                    Err(Stop::Eof)
                }
                Err(e) => Err(e),
            },
            Some(',') => {
                set(data, k.clone(), Node::Leaf(Value::from("")));
                Err(msg(format!("key \"{k}\" has no value (cannot end with ,)")))
            }
            _ => {
                let level = level + 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let mut inner = match data.get(&k) {
                    None => BTreeMap::new(),
                    Some(Node::Map(m)) => m.clone(),
                    Some(other) => {
                        return Err(msg(format!(
                            "unable to parse key: interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                            other.go_type()
                        )));
                    }
                };
                let r = self.key(&mut inner, level);
                if r.is_ok() && inner.is_empty() {
                    return Err(msg(format!("key map \"{k}\" has no value")));
                }
                if !inner.is_empty() {
                    set(data, k, Node::Map(inner));
                }
                r
            }
        }
    }

    fn index(&mut self) -> Result<i64, Stop> {
        let (v, last) = self.until(&[']']);
        if last.is_none() {
            return Err(Stop::Eof);
        }
        v.parse::<i64>().map_err(|_| {
            msg(format!(
                "error parsing index: strconv.Atoi: parsing \"{v}\": invalid syntax"
            ))
        })
    }

    /// Go's `listItem`: whatever follows `[i]`. Returns the list as it stands
    /// (Helm keeps partial updates) and the outcome.
    fn list_item(
        &mut self,
        mut list: Vec<Node>,
        i: i64,
        level: usize,
    ) -> (Vec<Node>, Result<(), Stop>) {
        if i < 0 {
            return (list, Err(msg(format!("negative {i} index not allowed"))));
        }
        let (k, last) = self.until(&['[', '.', '=']);
        if !k.is_empty() {
            // Go prints the runes with %q: ['x' 'y'].
            let runes: Vec<String> = k.chars().map(|c| format!("'{c}'")).collect();
            return (
                list,
                Err(msg(format!(
                    "unexpected data at end of array index: [{}]",
                    runes.join(" ")
                ))),
            );
        }
        match last {
            None => (list, Err(Stop::Eof)),
            Some('=') => {
                let v = match self.after_eq() {
                    Ok(v) => v,
                    Err(Stop::Eof) => Node::Leaf(Value::from("")),
                    Err(e) => return (list, Err(e)),
                };
                set_index(list, i, v)
            }
            Some('[') => {
                let next = match self.index() {
                    Ok(n) => n,
                    Err(e) => return (list, Err(e)),
                };
                let current = match list.get(i as usize) {
                    None | Some(Node::Leaf(Value::Nil)) => Vec::new(),
                    Some(Node::List(l)) => l.clone(),
                    Some(other) => {
                        let t = other.go_type();
                        return (
                            list,
                            Err(msg(format!(
                                "unable to parse key: interface conversion: interface {{}} is {t}, not []interface {{}}"
                            ))),
                        );
                    }
                };
                match self.list_item(current, next, level) {
                    (inner, Ok(())) => set_index(list, i, Node::List(inner)),
                    (_, Err(e)) => (list, Err(e)),
                }
            }
            _ => {
                let mut inner = match list.get_mut(i as usize) {
                    None => BTreeMap::new(),
                    Some(Node::Map(m)) => m.clone(),
                    // Indices out of order: the slot becomes an empty map.
                    Some(slot) => {
                        *slot = Node::Map(BTreeMap::new());
                        BTreeMap::new()
                    }
                };
                if let Err(e) = self.key(&mut inner, level) {
                    return (list, Err(e));
                }
                set_index(list, i, Node::Map(inner))
            }
        }
    }

    /// Go's `valList`: `{a,b}` is a list; anything else is not.
    fn val_list(&mut self) -> Result<Vec<Node>, Stop> {
        match self.read() {
            None => return Err(Stop::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread();
                return Err(Stop::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (v, last) = self.until(&[',', '}']);
            match last {
                None => return Err(msg("list must terminate with '}'")),
                Some('}') => {
                    if let Some(c) = self.read()
                        && c != ','
                    {
                        self.unread();
                    }
                    list.push(Node::Leaf(self.value(v)?));
                    return Ok(list);
                }
                _ => list.push(Node::Leaf(self.value(v)?)),
            }
        }
    }
}

/// Go's `typedVal` for `--set`.
fn typed(v: String) -> Value {
    if v.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if v.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if v.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if v == "0" {
        return Value::Int(0);
    }
    if !v.is_empty()
        && !v.starts_with('0')
        && let Ok(i) = v.parse::<i64>()
    {
        return Value::Int(i);
    }
    Value::from(v)
}

/// Helm's `readFile` for `--set-file`: `-` is standard input, anything else
/// a local file.
fn read_file(path: &str) -> Result<String, String> {
    let bytes = if path.trim() == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).map(|_| b)
    } else {
        std::fs::read(path)
    };
    bytes
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| format!("open {path}: {e}"))
}

fn set(data: &mut BTreeMap<String, Node>, k: String, v: Node) {
    if !k.is_empty() {
        data.insert(k, v);
    }
}

fn set_index(mut list: Vec<Node>, i: i64, v: Node) -> (Vec<Node>, Result<(), Stop>) {
    if i < 0 {
        return (list, Err(msg(format!("negative {i} index not allowed"))));
    }
    if i > MAX_INDEX {
        return (
            list,
            Err(msg(format!(
                "index of {i} is greater than maximum supported index of {MAX_INDEX}"
            ))),
        );
    }
    let i = i as usize;
    if list.len() <= i {
        list.resize(i + 1, Node::Leaf(Value::Nil));
    }
    list[i] = v;
    (list, Ok(()))
}

/// Apply one `--set`-like expression onto `base` (Helm's `ParseInto`,
/// `ParseJSON`, `ParseIntoFile`, `ParseLiteralInto`).
/// On error `base` keeps whatever the expression had set before failing.
pub fn parse_into(arg: &SetArg, base: &mut Map) -> Result<(), String> {
    let (text, mode) = match arg {
        SetArg::Set(s) => (s, Mode::Typed),
        SetArg::SetString(s) => (s, Mode::Strings),
        SetArg::SetJson(s) => (s, Mode::Json),
        SetArg::SetFile(s) => (s, Mode::File),
        SetArg::SetLiteral(s) => (s, Mode::Literal),
    };
    let mut data: BTreeMap<String, Node> = base
        .iter()
        .map(|(k, v)| (k.clone(), Node::from_value(v)))
        .collect();
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
        mode,
    };
    let result = loop {
        match p.key(&mut data, 0) {
            Ok(()) => continue,
            Err(Stop::Eof) => break Ok(()),
            Err(Stop::NotList) => break Err("parse error".to_string()),
            Err(Stop::Msg(m)) => break Err(m),
        }
    };
    *base = data.into_iter().map(|(k, v)| (k, v.into_value())).collect();
    result
}

#[cfg(test)]
#[path = "strvals_tests.rs"]
mod tests;
