//! The executor: walks a parsed template over a data value with Go's
//! text/template semantics (variables, pipelines, `missingkey=zero`).

use std::collections::HashMap;
use std::rc::Rc;

use super::ast::{Arg, Branch, Cmd, Node, Number, Pipe, Span, Tree};
use super::gofmt::format_v;
use super::parse::{ParseError, is_empty_tree, parse};
use super::value::{Map, Value};
use crate::funcs;

/// Deepest nesting of `template`/`include`/`tpl` calls (Helm stops recursion near 1000).
pub const MAX_CALL_DEPTH: usize = 1000;
/// Largest output one template may produce (guards against runaway ranges).
const MAX_OUTPUT: usize = 256 << 20;
/// Most output space reserved up front for a file.
const MAX_PRESIZE: usize = 1 << 20;

/// An execution error: template, line and message.
#[derive(Debug, Clone)]
pub struct ExecError {
    /// The template being executed.
    pub name: String,
    /// 1-based line of the failing action.
    pub line: usize,
    /// What failed.
    pub msg: String,
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "template: {}:{}: executing \"{}\": {}",
            self.name, self.line, self.name, self.msg
        )
    }
}

/// Named templates. Looked up on every `include`: a word-at-a-time hash, like the function
/// table, is cheaper than SipHash for these short names.
type Templates = HashMap<String, Rc<Tree>, super::name_hash::BuildNameHasher>;

/// Lex and parse template file `name` with Helm's function set. The result
/// is `Send`, so files can be parsed on several threads and then added in
/// order with [`Engine::add_parsed`].
pub fn parse_file(
    name: &str,
    src: &std::sync::Arc<str>,
) -> Result<super::parse::Parsed, ParseError> {
    super::parse::parse_lexed(name, src, super::lex::lex(src), &funcs::exists)
}

/// Template files that are still being parsed elsewhere when execution
/// starts; an [`Engine`] fetches each the first time it is used.
pub trait LateTemplates {
    /// The body of template file `name` if it is one of the late files (and
    /// parsed; a file that fails to parse is reported by whoever parsed it).
    fn fetch(&self, name: &str) -> Option<Tree>;
}

/// A set of named templates (files and their `define`s), like Go's template set.
#[derive(Default, Clone)]
pub struct Engine {
    templates: Templates,
    /// Files whose names no define shares, parsed while others execute.
    late: Option<Rc<dyn LateTemplates>>,
    /// Late files fetched so far.
    fetched: std::cell::RefCell<Templates>,
}

enum Flow {
    Normal,
    Break,
    Continue,
}

/// Add a parsed file and its defines to a set, with Go's associate rules.
fn add_parsed(set: &mut Templates, name: &str, parsed: super::parse::Parsed) {
    let src = parsed.src;
    for (dname, body) in parsed.defines {
        if is_empty_tree(&body, &src) && set.contains_key(&dname) {
            continue;
        }
        let src = src.clone();
        set.insert(dname, Rc::new(Tree { src, body }));
    }
    if !(is_empty_tree(&parsed.root, &src) && set.contains_key(name)) {
        let body = parsed.root;
        set.insert(name.to_string(), Rc::new(Tree { src, body }));
    }
}

impl Engine {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parse `text` as template `name` and add it and its defines (later adds win).
    pub fn add(&mut self, name: &str, text: &str) -> Result<(), ParseError> {
        let parsed = parse(name, text, &funcs::exists)?;
        add_parsed(&mut self.templates, name, parsed);
        Ok(())
    }

    /// Add a template file parsed with [`parse_file`] (possibly on another
    /// thread) and its defines, as [`Engine::add`] does.
    pub fn add_parsed(&mut self, name: &str, parsed: super::parse::Parsed) {
        add_parsed(&mut self.templates, name, parsed);
    }

    /// Look up files not added with [`Engine::add_parsed`] in `late`. Their
    /// names must not be the names of any added template or define: Go's
    /// rules for which of two same-named templates wins need the parse order.
    pub fn set_late(&mut self, late: Rc<dyn LateTemplates>) {
        self.late = Some(late);
    }

    /// Is a template of this name defined?
    pub fn has(&self, name: &str) -> bool {
        self.templates.contains_key(name) || self.late_template(name).is_some()
    }

    fn late_template(&self, name: &str) -> Option<Rc<Tree>> {
        let late = self.late.as_ref()?;
        if let Some(t) = self.fetched.borrow().get(name) {
            return Some(t.clone());
        }
        let tree = Rc::new(late.fetch(name)?);
        self.fetched
            .borrow_mut()
            .insert(name.to_string(), tree.clone());
        Some(tree)
    }

    /// Execute template `name` with `data` as dot and `$`.
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, ExecError> {
        let mut st = State {
            eng: self,
            overlay: None,
            src: "",
            name,
            line: 0,
            vars: Vec::new(),
            depth: 0,
        };
        st.run_named(name, data, 0)
    }
}

struct State<'e> {
    eng: &'e Engine,
    overlay: Option<Rc<Templates>>,
    /// The source of the template being executed (its spans point into it).
    src: &'e str,
    name: &'e str,
    line: usize,
    vars: Vec<(String, Value)>,
    depth: usize,
}

impl State<'_> {
    fn err(&self, msg: impl Into<String>) -> ExecError {
        ExecError {
            name: self.name.to_string(),
            line: self.line,
            msg: msg.into(),
        }
    }

    fn lookup(&self, name: &str) -> Option<Rc<Tree>> {
        if let Some(o) = &self.overlay
            && let Some(t) = o.get(name)
        {
            return Some(t.clone());
        }
        match self.eng.templates.get(name) {
            Some(t) => Some(t.clone()),
            None => self.eng.late_template(name),
        }
    }

    fn run_named(&mut self, name: &str, dot: &Value, line: usize) -> Result<String, ExecError> {
        let mut out = String::new();
        self.run_named_into(name, dot, line, &mut out)?;
        Ok(out)
    }

    /// Execute template `name`, appending its output to `out`.
    fn run_named_into(
        &mut self,
        name: &str,
        dot: &Value,
        line: usize,
        out: &mut String,
    ) -> Result<(), ExecError> {
        let Some(tree) = self.lookup(name) else {
            self.line = line;
            return Err(self.err(format!(
                "no template \"{name}\" associated with template \"gotpl\""
            )));
        };
        if self.depth >= MAX_CALL_DEPTH {
            return Err(self.err(format!("rendering template has a nested reference name: {name}: exceeded max template depth")));
        }
        let mut sub = State {
            eng: self.eng,
            overlay: self.overlay.clone(),
            src: &tree.src,
            name,
            line: 0,
            vars: vec![("$".to_string(), dot.clone())],
            depth: self.depth + 1,
        };
        if self.depth == 0 {
            // A whole file: its output is usually about its source's size;
            // growing to that by doubling would copy it many times.
            out.reserve(tree.src.len().min(MAX_PRESIZE));
        }
        match sub.walk(&tree.body, dot, out)? {
            Flow::Normal => Ok(()),
            _ => Err(sub.err("break or continue outside range")),
        }
    }

    fn walk(&mut self, list: &[Node], dot: &Value, out: &mut String) -> Result<Flow, ExecError> {
        for node in list {
            match node {
                Node::Text(t) => out.push_str(t.get(self.src)),
                Node::Action(pipe) => {
                    self.line = pipe.line;
                    let v = self.eval_pipe(dot, pipe)?;
                    if pipe.decl.is_empty() {
                        match v {
                            Value::Nil => out.push_str("<no value>"),
                            Value::Str(s) | Value::Stringer(_, s) => out.push_str(&s),
                            v => out.push_str(&format_v(&v)),
                        }
                    }
                }
                Node::If(b) => {
                    let f = self.branch(b, dot, out, false)?;
                    if !matches!(f, Flow::Normal) {
                        return Ok(f);
                    }
                }
                Node::With(b) => {
                    let f = self.branch(b, dot, out, true)?;
                    if !matches!(f, Flow::Normal) {
                        return Ok(f);
                    }
                }
                Node::Range(b) => self.range(b, dot, out)?,
                Node::Template(call) => {
                    self.line = call.line;
                    let d = match &call.pipe {
                        Some(p) => self.eval_pipe(dot, p)?,
                        None => Value::Nil,
                    };
                    self.run_named_into(&call.name, &d, call.line, out)?;
                }
                Node::Break(_) => return Ok(Flow::Break),
                Node::Continue(_) => return Ok(Flow::Continue),
            }
            if out.len() > MAX_OUTPUT {
                return Err(self.err("template output exceeds the size limit"));
            }
        }
        Ok(Flow::Normal)
    }

    fn branch(
        &mut self,
        b: &Branch,
        dot: &Value,
        out: &mut String,
        with: bool,
    ) -> Result<Flow, ExecError> {
        let mark = self.vars.len();
        self.line = b.pipe.line;
        let v = self.eval_pipe(dot, &b.pipe)?;
        let r = if v.truthy() {
            let d = if with { v } else { dot.clone() };
            self.walk(&b.list, &d, out)
        } else if let Some(e) = &b.else_list {
            self.walk(e, dot, out)
        } else {
            Ok(Flow::Normal)
        };
        self.vars.truncate(mark);
        r
    }

    fn range(&mut self, b: &Branch, dot: &Value, out: &mut String) -> Result<(), ExecError> {
        let mark = self.vars.len();
        self.line = b.pipe.line;
        // Evaluate without declaring: the declared vars are per element.
        let decl = &b.pipe.decl;
        let v = self.eval_cmds(dot, &b.pipe.cmds)?;
        let items: Vec<(Value, Value)> = match &v {
            Value::Nil => Vec::new(),
            Value::List(l) => l
                .iter()
                .enumerate()
                .map(|(i, e)| (Value::Int(i as i64), e.clone()))
                .collect(),
            Value::ApiVersions(l) => l
                .iter()
                .enumerate()
                .map(|(i, e)| (Value::Int(i as i64), Value::from(e.as_str())))
                .collect(),
            Value::Map(_) => v
                .map_snapshot()
                .unwrap_or_default()
                .into_iter()
                .map(|(k, e)| (Value::from(k), e))
                .collect(),
            Value::Files(f) => f
                .as_value_map()
                .into_iter()
                .map(|(k, e)| (Value::from(k), e))
                .collect(),
            Value::Int(n) => {
                if decl.len() > 1 {
                    return Err(self.err("can't use range over integer with two variables"));
                }
                if *n > 1_000_000 {
                    return Err(self.err("range over integer exceeds the limit"));
                }
                (0..(*n).max(0))
                    .map(|i| (Value::Int(i), Value::Int(i)))
                    .collect()
            }
            other => return Err(self.err(format!("range can't iterate over {}", format_v(other)))),
        };
        if items.is_empty() {
            if let Some(e) = &b.else_list {
                self.walk(e, dot, out)?;
            }
            self.vars.truncate(mark);
            return Ok(());
        }
        for (k, e) in items {
            let m = self.vars.len();
            match decl.len() {
                0 => {}
                1 => self.set_decl(&decl[0], e.clone(), b.pipe.is_assign),
                _ => {
                    self.set_decl(&decl[0], k, b.pipe.is_assign);
                    self.set_decl(&decl[1], e.clone(), b.pipe.is_assign);
                }
            }
            let f = self.walk(&b.list, &e, out)?;
            self.vars.truncate(m.max(mark));
            if matches!(f, Flow::Break) {
                break;
            }
        }
        self.vars.truncate(mark);
        Ok(())
    }

    fn set_decl(&mut self, name: &str, v: Value, assign: bool) {
        if assign && let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            slot.1 = v;
            return;
        }
        self.vars.push((name.to_string(), v));
    }

    fn var(&self, name: &str) -> Result<Value, ExecError> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| self.err(format!("undefined variable: {name}")))
    }

    fn eval_cmds(&mut self, dot: &Value, cmds: &[Cmd]) -> Result<Value, ExecError> {
        let mut val: Option<Value> = None;
        for cmd in cmds {
            val = Some(self.eval_cmd(dot, cmd, val)?);
        }
        Ok(val.unwrap_or_default())
    }

    fn eval_pipe(&mut self, dot: &Value, pipe: &Pipe) -> Result<Value, ExecError> {
        let v = self.eval_cmds(dot, &pipe.cmds)?;
        for d in &pipe.decl {
            self.set_decl(d, v.clone(), pipe.is_assign);
        }
        Ok(v)
    }

    fn eval_cmd(&mut self, dot: &Value, cmd: &Cmd, fin: Option<Value>) -> Result<Value, ExecError> {
        let rest = &cmd.args[1..];
        match &cmd.args[0] {
            Arg::Field(names) => self.field_chain(dot, dot.clone(), names, rest, fin),
            Arg::Chain(chain) => {
                let (inner, names) = &**chain;
                let recv = self.eval_arg(dot, inner)?;
                self.field_chain(dot, recv, names, rest, fin)
            }
            Arg::Var(var) => {
                let (v, names) = split_var(var, self.src);
                let recv = self.var(v)?;
                if names.is_empty() {
                    self.no_args(rest, &fin, v)?;
                    return Ok(recv);
                }
                self.field_chain(dot, recv, names, rest, fin)
            }
            Arg::Func(name) => self.call(dot, name.get(self.src), rest, fin),
            Arg::Nil => Err(self.err("nil is not a command")),
            other => {
                self.no_args(rest, &fin, "constant")?;
                self.eval_arg(dot, other)
            }
        }
    }

    fn no_args(&self, rest: &[Arg], fin: &Option<Value>, what: &str) -> Result<(), ExecError> {
        if !rest.is_empty() || fin.is_some() {
            return Err(self.err(format!("can't give argument to non-function {what}")));
        }
        Ok(())
    }

    fn field_chain(
        &mut self,
        dot: &Value,
        mut recv: Value,
        names: &[Span],
        rest: &[Arg],
        fin: Option<Value>,
    ) -> Result<Value, ExecError> {
        let src = self.src;
        let Some((last, inner)) = names.split_last() else {
            return Ok(recv);
        };
        // An untyped nil receiver (a nil pipeline result, variable or dot)
        // yields nil without error in Go; a nil found inside the chain errors.
        if recv.is_nil() {
            let first = names.first().map_or("", |n| n.get(src));
            self.no_args(rest, &fin, first)?;
            return Ok(Value::Nil);
        }
        for name in inner {
            recv = self.field(dot, recv, name.get(src), &[], None)?;
        }
        self.field(dot, recv, last.get(src), rest, fin)
    }

    fn field(
        &mut self,
        dot: &Value,
        recv: Value,
        name: &str,
        rest: &[Arg],
        fin: Option<Value>,
    ) -> Result<Value, ExecError> {
        match &recv {
            Value::Map(m) => {
                if !rest.is_empty() || fin.is_some() {
                    return Err(self.err(format!("{name} is not a method but has arguments")));
                }
                let v = m.try_borrow().ok().and_then(|m| m.get(name).cloned());
                Ok(v.unwrap_or(Value::Nil))
            }
            Value::Stringer(m, _) => {
                if !rest.is_empty() || fin.is_some() {
                    return Err(self.err(format!("{name} is not a method but has arguments")));
                }
                m.get(name).cloned().ok_or_else(|| {
                    self.err(format!(
                        "can't evaluate field {name} in type {}",
                        recv.type_name()
                    ))
                })
            }
            Value::Files(_) | Value::ApiVersions(_) => {
                let mut args = Vec::with_capacity(rest.len() + 1);
                for a in rest {
                    args.push(self.eval_arg(dot, a)?);
                }
                if let Some(f) = fin {
                    args.push(f);
                }
                funcs::helm::call_method(&recv, name, &args).map_err(|e| self.err(e))
            }
            Value::Nil => Err(self.err(format!("nil pointer evaluating interface {{}}.{name}"))),
            other => Err(self.err(format!(
                "can't evaluate field {name} in type {}",
                other.type_name()
            ))),
        }
    }

    fn eval_arg(&mut self, dot: &Value, arg: &Arg) -> Result<Value, ExecError> {
        Ok(match arg {
            Arg::Dot => dot.clone(),
            Arg::Nil => Value::Nil,
            Arg::Bool(b) => Value::Bool(*b),
            Arg::Number(Number::Int(i)) => Value::Int(*i),
            Arg::Number(Number::Float(f)) => Value::Float(*f),
            Arg::Str(s) => Value::from(s.get(self.src)),
            Arg::Escaped(s) => Value::from(&**s),
            Arg::Field(names) => self.field_chain(dot, dot.clone(), names, &[], None)?,
            Arg::Var(var) => {
                let (v, names) = split_var(var, self.src);
                let recv = self.var(v)?;
                if names.is_empty() {
                    recv
                } else {
                    self.field_chain(dot, recv, names, &[], None)?
                }
            }
            Arg::Chain(chain) => {
                let (inner, names) = &**chain;
                let recv = self.eval_arg(dot, inner)?;
                self.field_chain(dot, recv, names, &[], None)?
            }
            Arg::Pipe(p) => self.eval_pipe(dot, p)?,
            Arg::Func(name) => self.call(dot, name.get(self.src), &[], None)?,
        })
    }

    fn call(
        &mut self,
        dot: &Value,
        name: &str,
        rest: &[Arg],
        fin: Option<Value>,
    ) -> Result<Value, ExecError> {
        if name == "and" || name == "or" {
            let total = rest.len() + usize::from(fin.is_some());
            if total == 0 {
                return Err(self.err(format!(
                    "wrong number of args for {name}: want at least 1 got 0"
                )));
            }
            let mut last = Value::Nil;
            for a in rest {
                last = self.eval_arg(dot, a)?;
                if last.truthy() != (name == "and") {
                    return Ok(last);
                }
            }
            if let Some(f) = fin {
                last = f;
            }
            return Ok(last);
        }
        let mut args = Vec::with_capacity(rest.len() + 1);
        for a in rest {
            args.push(self.eval_arg(dot, a)?);
        }
        if let Some(f) = fin {
            args.push(f);
        }
        match name {
            "include" => {
                let [n, d] = args.as_slice() else {
                    return Err(self.err(format!(
                        "wrong number of args for include: want 2 got {}",
                        args.len()
                    )));
                };
                let Some(n) = n.as_str() else {
                    return Err(self.err("error calling include: template name must be a string"));
                };
                let line = self.line;
                let s = self
                    .run_named(n, d, line)
                    .map_err(|e| self.nest(e, "include"))?;
                Ok(Value::from(s))
            }
            "tpl" => {
                let [t, d] = args.as_slice() else {
                    return Err(self.err(format!(
                        "wrong number of args for tpl: want 2 got {}",
                        args.len()
                    )));
                };
                let text = match t {
                    Value::Str(s) => s.to_string(),
                    other => format_v(other),
                };
                self.tpl(&text, d).map(Value::from)
            }
            _ => {
                funcs::call(name, args).map_err(|e| self.err(format!("error calling {name}: {e}")))
            }
        }
    }

    fn nest(&self, inner: ExecError, func: &str) -> ExecError {
        if inner.msg.starts_with("error calling") || inner.name != self.name {
            return ExecError {
                name: inner.name,
                line: inner.line,
                msg: inner.msg,
            };
        }
        self.err(format!("error calling {func}: {}", inner.msg))
    }

    fn tpl(&mut self, text: &str, vals: &Value) -> Result<String, ExecError> {
        // Helm 4 parses the text under the running template's name; vals
        // without `.Template` (e.g. `tpl $s .Values`) are fine.
        let tname = match vals.get("Template").get("Name") {
            Value::Str(s) => s.to_string(),
            _ => self.name.to_string(),
        };
        let mut parsed = parse(&tname, text, &funcs::exists)
            .map_err(|e| self.err(format!("error calling tpl: error during tpl function execution for {:?}: parse error at ({}:{}): {}", text, e.name, e.line, e.msg)))?;
        let mut overlay: Templates = self.overlay.as_deref().cloned().unwrap_or_default();
        // The tpl text always owns its name, even when empty (Helm parses it
        // first into a fresh set).
        let root = Rc::new(Tree {
            src: parsed.src.clone(),
            body: std::mem::take(&mut parsed.root),
        });
        add_parsed(&mut overlay, &tname, parsed);
        overlay.insert(tname.clone(), root);
        let saved = self.overlay.replace(Rc::new(overlay));
        let r = self.run_named(&tname, vals, self.line);
        self.overlay = saved;
        let s = r.map_err(|e| {
            let msg = if e.msg.starts_with("error calling tpl: ") {
                e.msg
            } else {
                format!("error calling tpl: {}", e.msg)
            };
            ExecError {
                name: e.name,
                line: e.line,
                msg,
            }
        })?;
        Ok(s.replace("<no value>", ""))
    }
}

/// A variable operand's name and the fields after it (the parser never
/// makes one without a name; an empty name reads as an undefined variable).
fn split_var<'a, 's>(var: &'a [Span], src: &'s str) -> (&'s str, &'a [Span]) {
    match var.split_first() {
        Some((v, names)) => (v.get(src), names),
        None => ("", &[]),
    }
}

/// Build a map value from pairs (test helper and builder for built-in objects).
pub fn map_of(pairs: Vec<(&str, Value)>) -> Value {
    Value::from(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<Map>(),
    )
}

#[cfg(test)]
mod tests;
