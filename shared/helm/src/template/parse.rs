//! Parser for Go's text/template: builds the tree of one template file and
//! collects the `define`/`block` templates it declares.

use std::sync::Arc;

use super::ast::{Arg, Branch, Cmd, List, Name, Node, Number, Pipe, Text};
use super::fnv::Fnv;
pub use super::lex::parse_number;
use super::lex::{Tok, Token, lex};

/// Deepest nesting of control structures and parentheses accepted.
const MAX_NESTING: usize = 500;

/// A parse error: template name, line and message (Go's format).
#[derive(Debug, Clone)]
pub struct ParseError {
    /// Template (file) name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub msg: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "template: {}:{}: {}", self.name, self.line, self.msg)
    }
}

/// The result of parsing one template text.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The body of the template itself.
    pub root: List,
    /// `define` and `block` templates, in order.
    pub defines: Vec<(String, List)>,
}

/// Parse `text` as the template `name`; `is_func` tells which function names exist.
pub fn parse(name: &str, text: &str, is_func: &dyn Fn(&str) -> bool) -> Result<Parsed, ParseError> {
    let src: Arc<str> = Arc::from(text);
    parse_lexed(name, &src, lex(&src), is_func)
}

/// Parse the tokens of template `name`, lexed from `src` (lexing is separate
/// so it can run on another thread). Text nodes share `src`.
pub fn parse_lexed<'a>(
    name: &'a str,
    src: &Arc<str>,
    lexed: Result<Vec<Token<'a>>, super::lex::LexError>,
    is_func: &'a dyn Fn(&str) -> bool,
) -> Result<Parsed, ParseError> {
    let toks = lexed.map_err(|e| ParseError {
        name: name.into(),
        line: e.line,
        msg: e.msg,
    })?;
    let mut p = Parser {
        name,
        src: src.clone(),
        toks,
        pos: 0,
        is_func,
        vars: vec!["$".into()],
        names: std::collections::HashMap::default(),
        defines: Vec::new(),
        depth: 0,
        range_depth: 0,
    };
    let (root, end) = p.list(true)?;
    if let Some(end) = end {
        return Err(p.err_at(end.1, format!("unexpected {}", end.0)));
    }
    Ok(Parsed {
        root,
        defines: p.defines,
    })
}

/// Is a list empty of anything but whitespace text (Go's `IsEmptyTree`)?
pub fn is_empty_tree(list: &List) -> bool {
    list.iter()
        .all(|n| matches!(n, Node::Text(t) if t.as_str().trim().is_empty()))
}

struct Parser<'a> {
    name: &'a str,
    src: Arc<str>,
    toks: Vec<Token<'a>>,
    pos: usize,
    is_func: &'a dyn Fn(&str) -> bool,
    vars: Vec<String>,
    names: std::collections::HashMap<String, Name, std::hash::BuildHasherDefault<Fnv>>,
    defines: Vec<(String, List)>,
    depth: usize,
    range_depth: usize,
}

/// How a list ended: the keyword (`end`, `else`) and its line.
type End = Option<(String, usize)>;

impl<'a> Parser<'a> {
    /// A text node for a slice of the source (a copy if it is not one).
    fn text(&self, s: &str) -> Text {
        let base = self.src.as_ptr() as usize;
        let at = (s.as_ptr() as usize).wrapping_sub(base);
        let inside = at <= self.src.len()
            && self
                .src
                .get(at..at + s.len())
                .is_some_and(|x| std::ptr::eq(x.as_ptr(), s.as_ptr()));
        if inside {
            Text {
                src: self.src.clone(),
                start: at,
                end: at + s.len(),
            }
        } else {
            Text {
                src: Arc::from(s),
                start: 0,
                end: s.len(),
            }
        }
    }

    /// One shared copy per distinct name in the file.
    fn intern(&mut self, s: &str) -> Name {
        if let Some(n) = self.names.get(s) {
            return n.clone();
        }
        let n: Name = Arc::from(s);
        self.names.insert(s.to_string(), n.clone());
        n
    }

    fn err_at(&self, line: usize, msg: String) -> ParseError {
        ParseError {
            name: self.name.to_string(),
            line,
            msg,
        }
    }

    fn err(&self, msg: impl Into<String>) -> ParseError {
        self.err_at(self.peek().line, msg.into())
    }

    fn peek(&self) -> &Token<'a> {
        let i = self.pos.min(self.toks.len() - 1);
        &self.toks[i]
    }

    fn next(&mut self) -> Token<'a> {
        if self.pos >= self.toks.len() {
            return self.peek().clone();
        }
        let i = self.pos;
        self.pos += 1;
        // Tokens are consumed once, except a `$var` the pipeline may re-read
        // after looking for `:=`, so only that kind is copied.
        match &self.toks[i].kind {
            Tok::Var(_) => self.toks[i].clone(),
            _ => Token {
                kind: std::mem::replace(&mut self.toks[i].kind, Tok::Eof),
                line: self.toks[i].line,
            },
        }
    }

    fn skip_space(&mut self) {
        while matches!(self.peek().kind, Tok::Space) {
            self.pos += 1;
        }
    }

    fn next_non_space(&mut self) -> Token<'a> {
        self.skip_space();
        self.next()
    }

    fn expect_right(&mut self, ctx: &str) -> Result<(), ParseError> {
        let t = self.next_non_space();
        if t.kind != Tok::Right {
            return Err(self.err_at(t.line, format!("unexpected {:?} in {ctx}", t.kind)));
        }
        Ok(())
    }

    /// Parse nodes until `end`/`else` or EOF. `top` allows `define`.
    fn list(&mut self, top: bool) -> Result<(List, End), ParseError> {
        let mut out = List::new();
        loop {
            let t = self.next();
            match t.kind {
                Tok::Eof => {
                    out.shrink_to_fit();
                    return Ok((out, None));
                }
                Tok::Text(s) => out.push(Node::Text(self.text(s))),
                Tok::Left => {
                    self.skip_space();
                    let kw = match &self.peek().kind {
                        Tok::Ident(w) => w.to_string(),
                        _ => String::new(),
                    };
                    let line = self.peek().line;
                    match kw.as_str() {
                        "end" | "else" => {
                            self.next();
                            out.shrink_to_fit();
                            return Ok((out, Some((kw, line))));
                        }
                        "if" | "with" | "range" => {
                            self.next();
                            out.push(self.control(&kw)?);
                        }
                        "define" => {
                            self.next();
                            if !top {
                                return Err(
                                    self.err_at(line, "unexpected <define> in command".into())
                                );
                            }
                            self.define(line)?;
                        }
                        "block" => {
                            self.next();
                            out.push(self.block(line)?);
                        }
                        "template" => {
                            self.next();
                            out.push(self.template(line)?);
                        }
                        "break" | "continue" => {
                            self.next();
                            if self.range_depth == 0 {
                                return Err(self
                                    .err_at(line, format!("{{{{{kw}}}}} outside {{{{range}}}}")));
                            }
                            self.expect_right(&kw)?;
                            out.push(if kw == "break" {
                                Node::Break(line)
                            } else {
                                Node::Continue(line)
                            });
                        }
                        _ => {
                            let pipe = self.pipeline("command", false)?;
                            out.push(Node::Action(Box::new(pipe)));
                        }
                    }
                }
                other => return Err(self.err_at(t.line, format!("unexpected {other:?}"))),
            }
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.err("template nesting too deep"));
        }
        Ok(())
    }

    fn control(&mut self, kw: &str) -> Result<Node, ParseError> {
        self.enter()?;
        let nvars = self.vars.len();
        let pipe = self.pipeline(kw, kw == "range")?;
        if kw == "range" {
            self.range_depth += 1;
        }
        let body = self.list(false);
        if kw == "range" {
            self.range_depth -= 1;
        }
        let (list, end) = body?;
        let mut else_list = None;
        match end {
            None => return Err(self.err(format!("unexpected EOF in {kw}"))),
            Some((e, _)) if e == "end" => {}
            Some((_, line)) => {
                // else, `else if`, `else with`
                self.skip_space();
                let chained = match &self.peek().kind {
                    Tok::Ident(w) if (w == &"if" || w == &"with") && w == &kw => {
                        Some(w.to_string())
                    }
                    _ => None,
                };
                if let Some(w) = chained {
                    self.next();
                    // `{{else if x}}...` is `{{else}}{{if x}}...{{end}}` sharing our end.
                    let inner = self.control(&w)?;
                    else_list = Some(vec![inner]);
                } else {
                    let t = self.next_non_space();
                    if t.kind != Tok::Right {
                        return Err(self.err_at(line, format!("unexpected {:?} in else", t.kind)));
                    }
                    let (l, end2) = self.list(false)?;
                    match end2 {
                        Some((e, _)) if e == "end" => {}
                        _ => return Err(self.err(format!("expected end; found {end2:?}"))),
                    }
                    self.expect_right("end")?;
                    else_list = Some(l);
                }
                self.vars.truncate(nvars);
                self.depth -= 1;
                let b = Box::new(Branch {
                    pipe,
                    list,
                    else_list,
                });
                return Ok(match kw {
                    "if" => Node::If(b),
                    "with" => Node::With(b),
                    _ => Node::Range(b),
                });
            }
        }
        self.expect_right("end")?;
        self.vars.truncate(nvars);
        self.depth -= 1;
        let b = Box::new(Branch {
            pipe,
            list,
            else_list,
        });
        Ok(match kw {
            "if" => Node::If(b),
            "with" => Node::With(b),
            _ => Node::Range(b),
        })
    }

    fn template_name(&mut self, ctx: &str) -> Result<String, ParseError> {
        let t = self.next_non_space();
        match t.kind {
            Tok::Str(s) => Ok(s.into_owned()),
            other => Err(self.err_at(t.line, format!("unexpected {other:?} in {ctx} clause"))),
        }
    }

    fn define(&mut self, _line: usize) -> Result<(), ParseError> {
        let name = self.template_name("define")?;
        self.expect_right("define")?;
        let saved = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let (body, end) = self.list(false)?;
        self.vars = saved;
        match end {
            Some((e, _)) if e == "end" => {}
            _ => return Err(self.err("unexpected EOF in define clause")),
        }
        self.expect_right("end")?;
        self.defines.push((name, body));
        Ok(())
    }

    fn block(&mut self, line: usize) -> Result<Node, ParseError> {
        let name = self.template_name("block")?;
        let pipe = self.pipeline("block", false)?;
        let saved = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let (body, end) = self.list(false)?;
        self.vars = saved;
        match end {
            Some((e, _)) if e == "end" => {}
            _ => return Err(self.err("unexpected EOF in block clause")),
        }
        self.expect_right("end")?;
        self.defines.push((name.clone(), body));
        Ok(Node::Template {
            line,
            name,
            pipe: Some(Box::new(pipe)),
        })
    }

    fn template(&mut self, line: usize) -> Result<Node, ParseError> {
        let name = self.template_name("template")?;
        self.skip_space();
        let pipe = if self.peek().kind == Tok::Right {
            self.next();
            None
        } else {
            Some(Box::new(self.pipeline("template", false)?))
        };
        Ok(Node::Template { line, name, pipe })
    }

    /// Parse a pipeline up to `}}` (consumed).
    fn pipeline(&mut self, ctx: &str, allow_two: bool) -> Result<Pipe, ParseError> {
        self.skip_space();
        let line = self.peek().line;
        let mut decl = Vec::new();
        let mut is_assign = false;
        // Declarations: `$x :=`, `$x =`, `$i, $e :=`.
        let save = self.pos;
        if let Tok::Var(v) = self.peek().kind {
            let v = v.to_string();
            self.next();
            self.skip_space();
            match self.peek().kind {
                Tok::Declare | Tok::Assign => {
                    is_assign = self.next().kind == Tok::Assign;
                    decl.push(v);
                }
                Tok::Comma if allow_two => {
                    self.next();
                    self.skip_space();
                    let t = self.next();
                    let Tok::Var(v2) = t.kind.clone() else {
                        return Err(
                            self.err_at(t.line, "range can only initialize variables".into())
                        );
                    };
                    self.skip_space();
                    let t = self.next();
                    match t.kind {
                        Tok::Declare => {}
                        Tok::Assign => is_assign = true,
                        _ => return Err(self.err_at(t.line, "expected := in range".into())),
                    }
                    decl.push(v);
                    decl.push(v2.to_string());
                }
                _ => self.pos = save,
            }
        }
        if is_assign {
            for v in &decl {
                if !self.vars.contains(v) {
                    return Err(self.err_at(line, format!("undefined variable \"{v}\"")));
                }
            }
        } else {
            self.vars.extend(decl.iter().cloned());
        }
        let mut cmds = Vec::new();
        loop {
            self.skip_space();
            match self.peek().kind {
                Tok::Right => {
                    self.next();
                    break;
                }
                Tok::RParen if ctx == "parenthesized pipeline" => {
                    self.next();
                    break;
                }
                Tok::Pipe if !cmds.is_empty() => {
                    self.next();
                }
                _ => {}
            }
            cmds.push(self.command()?);
            self.skip_space();
            match self.peek().kind {
                Tok::Right | Tok::Pipe => {}
                Tok::RParen if ctx == "parenthesized pipeline" => {}
                ref k => return Err(self.err(format!("unexpected {k:?} in operand"))),
            }
        }
        if cmds.is_empty() {
            return Err(self.err_at(line, format!("missing value for {ctx}")));
        }
        for (i, c) in cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args[0],
                Arg::Bool(_) | Arg::Dot | Arg::Nil | Arg::Number(_) | Arg::Str(_)
            ) {
                return Err(self.err_at(
                    line,
                    format!("non executable command in pipeline stage {}", i + 1),
                ));
            }
        }
        cmds.shrink_to_fit();
        Ok(Pipe {
            line,
            decl,
            is_assign,
            cmds,
        })
    }

    fn command(&mut self) -> Result<Cmd, ParseError> {
        let mut args = Vec::new();
        loop {
            self.skip_space();
            match self.peek().kind {
                Tok::Right | Tok::Pipe | Tok::RParen | Tok::Eof => break,
                _ => {}
            }
            args.push(self.operand()?);
            match self.peek().kind {
                Tok::Space | Tok::Right | Tok::Pipe | Tok::RParen => {}
                ref k => return Err(self.err(format!("unexpected {k:?} in operand"))),
            }
        }
        if args.is_empty() {
            return Err(self.err("empty command"));
        }
        // Parse trees live for the whole render: no spare capacity.
        args.shrink_to_fit();
        Ok(Cmd { args })
    }

    fn operand(&mut self) -> Result<Arg, ParseError> {
        let t = self.next();
        let term = match t.kind {
            Tok::Ident(name) => {
                if matches!(
                    name,
                    "if" | "else"
                        | "end"
                        | "range"
                        | "with"
                        | "define"
                        | "template"
                        | "block"
                        | "break"
                        | "continue"
                ) {
                    return Err(self.err_at(t.line, format!("unexpected <{name}> in operand")));
                }
                if !(self.is_func)(name) {
                    return Err(self.err_at(t.line, format!("function \"{name}\" not defined")));
                }
                Arg::Func(self.intern(name))
            }
            Tok::Dot => Arg::Dot,
            Tok::Nil => Arg::Nil,
            Tok::Bool(b) => Arg::Bool(b),
            Tok::Str(s) => Arg::Str(Arc::from(s)),
            Tok::Char(c) => Arg::Number(Number::Int(c as i64)),
            Tok::Number(n) => Arg::Number(
                parse_number(n)
                    .ok_or_else(|| self.err_at(t.line, format!("illegal number syntax: {n:?}")))?,
            ),
            Tok::Var(v) => {
                if !self.vars.iter().any(|x| x == v) {
                    return Err(self.err_at(t.line, format!("undefined variable \"{v}\"")));
                }
                Arg::Var(self.intern(v), Vec::new())
            }
            Tok::Field(f) => Arg::Field(vec![self.intern(f)]),
            Tok::LParen => {
                self.enter()?;
                let p = self.pipeline("parenthesized pipeline", false)?;
                self.depth -= 1;
                Arg::Pipe(Box::new(p))
            }
            other => return Err(self.err_at(t.line, format!("unexpected {other:?} in operand"))),
        };
        let mut chain = Vec::new();
        while let Tok::Field(f) = &self.peek().kind {
            let f = *f;
            chain.push(self.intern(f));
            self.pos += 1;
        }
        if chain.is_empty() {
            return Ok(term);
        }
        Ok(match term {
            Arg::Field(mut f) => {
                f.extend(chain);
                f.shrink_to_fit();
                Arg::Field(f)
            }
            Arg::Var(v, mut f) => {
                f.extend(chain);
                f.shrink_to_fit();
                Arg::Var(v, f)
            }
            Arg::Pipe(_) | Arg::Dot => {
                chain.shrink_to_fit();
                Arg::Chain(Box::new(term), chain)
            }
            _ => return Err(self.err(format!("unexpected . after term {:?}", chain[0]))),
        })
    }
}

#[cfg(test)]
mod tests;
