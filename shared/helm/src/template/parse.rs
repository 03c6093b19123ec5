//! Parser for Go's text/template: builds the tree of one template file and
//! collects the `define`/`block` templates it declares.

use std::sync::Arc;

use super::ast::{Arg, Branch, Cmd, List, Node, Number, Pipe, Span, TemplateCall};
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
    /// The source text; text nodes are offsets into it.
    pub src: Arc<str>,
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
    if u32::try_from(src.len()).is_err() {
        return Err(ParseError {
            name: name.into(),
            line: 1,
            msg: "template text is larger than 4 GiB".into(),
        });
    }
    let mut p = Parser {
        name,
        src: src.clone(),
        toks,
        pos: 0,
        is_func,
        vars: vec!["$".into()],
        defines: Vec::new(),
        depth: 0,
        range_depth: 0,
        nodes: Vec::new(),
        args: Vec::new(),
        cmds: Vec::new(),
    };
    let (root, end) = p.list(true)?;
    if let Some(end) = end {
        return Err(p.err_at(end.1, format!("unexpected {}", end.0)));
    }
    Ok(Parsed {
        src: src.clone(),
        root,
        defines: p.defines,
    })
}

/// Is a list (of a template parsed from `src`) empty of anything but
/// whitespace text (Go's `IsEmptyTree`)?
pub fn is_empty_tree(list: &[Node], src: &str) -> bool {
    list.iter().all(|n| match n {
        Node::Text(t) => t.get(src).trim().is_empty(),
        _ => false,
    })
}

struct Parser<'a> {
    name: &'a str,
    src: Arc<str>,
    toks: Vec<Token<'a>>,
    pos: usize,
    is_func: &'a dyn Fn(&str) -> bool,
    vars: Vec<String>,
    defines: Vec<(String, List)>,
    depth: usize,
    range_depth: usize,
    /// Scratch stacks: a list, command or pipeline collects its items on top
    /// and takes them off into an exactly sized `Vec` (parse trees live for the
    /// whole render, and growing then shrinking each one cost a reallocation).
    nodes: Vec<Node>,
    args: Vec<Arg>,
    cmds: Vec<Cmd>,
}

/// How a list ended: the keyword (`end`, `else`) and its line.
type End = Option<(&'static str, usize)>;

impl<'a> Parser<'a> {
    /// The span of `s`, a slice of the source (the lexer's texts, names and
    /// plain strings are; parsing checked that offsets fit in a `u32`).
    fn span(&self, s: &str, line: usize) -> Result<Span, ParseError> {
        let base = self.src.as_ptr() as usize;
        let at = (s.as_ptr() as usize).wrapping_sub(base);
        let inside = self
            .src
            .get(at..at + s.len())
            .is_some_and(|x| std::ptr::eq(x.as_ptr(), s.as_ptr()));
        match (inside, u32::try_from(at), u32::try_from(at + s.len())) {
            (true, Ok(start), Ok(end)) => Ok(Span { start, end }),
            _ => Err(self.err_at(line, "text outside the template source".into())),
        }
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
        let start = self.nodes.len();
        loop {
            let t = self.next();
            match t.kind {
                Tok::Eof => {
                    return Ok((self.nodes.drain(start..).collect(), None));
                }
                Tok::Text(s) => {
                    let node = Node::Text(self.span(s, t.line)?);
                    self.nodes.push(node);
                }
                Tok::Left => {
                    self.skip_space();
                    let kw: &'a str = match self.peek().kind {
                        Tok::Ident(w) => w,
                        _ => "",
                    };
                    let line = self.peek().line;
                    match kw {
                        "end" | "else" => {
                            self.next();
                            let kw = if kw == "end" { "end" } else { "else" };
                            return Ok((self.nodes.drain(start..).collect(), Some((kw, line))));
                        }
                        "if" | "with" | "range" => {
                            self.next();
                            let node = self.control(kw)?;
                            self.nodes.push(node);
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
                            let node = self.block(line)?;
                            self.nodes.push(node);
                        }
                        "template" => {
                            self.next();
                            let node = self.template(line)?;
                            self.nodes.push(node);
                        }
                        "break" | "continue" => {
                            self.next();
                            if self.range_depth == 0 {
                                return Err(self
                                    .err_at(line, format!("{{{{{kw}}}}} outside {{{{range}}}}")));
                            }
                            self.expect_right(kw)?;
                            let line = u32::try_from(line).unwrap_or(u32::MAX);
                            self.nodes.push(if kw == "break" {
                                Node::Break(line)
                            } else {
                                Node::Continue(line)
                            });
                        }
                        _ => {
                            let pipe = self.pipeline("command", false)?;
                            self.nodes.push(Node::Action(Box::new(pipe)));
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
            Some(("end", _)) => {}
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
                    else_list = Some(vec![inner].into_boxed_slice());
                } else {
                    let t = self.next_non_space();
                    if t.kind != Tok::Right {
                        return Err(self.err_at(line, format!("unexpected {:?} in else", t.kind)));
                    }
                    let (l, end2) = self.list(false)?;
                    match end2 {
                        Some(("end", _)) => {}
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
            Some(("end", _)) => {}
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
            Some(("end", _)) => {}
            _ => return Err(self.err("unexpected EOF in block clause")),
        }
        self.expect_right("end")?;
        self.defines.push((name.clone(), body));
        Ok(Node::Template(Box::new(TemplateCall {
            line,
            name,
            pipe: Some(pipe),
        })))
    }

    fn template(&mut self, line: usize) -> Result<Node, ParseError> {
        let name = self.template_name("template")?;
        self.skip_space();
        let pipe = if self.peek().kind == Tok::Right {
            self.next();
            None
        } else {
            Some(self.pipeline("template", false)?)
        };
        Ok(Node::Template(Box::new(TemplateCall { line, name, pipe })))
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
        let start = self.cmds.len();
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
                Tok::Pipe if self.cmds.len() > start => {
                    self.next();
                }
                _ => {}
            }
            let cmd = self.command()?;
            self.cmds.push(cmd);
            self.skip_space();
            match self.peek().kind {
                Tok::Right | Tok::Pipe => {}
                Tok::RParen if ctx == "parenthesized pipeline" => {}
                ref k => return Err(self.err(format!("unexpected {k:?} in operand"))),
            }
        }
        let cmds: Box<[Cmd]> = self.cmds.drain(start..).collect();
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
        Ok(Pipe {
            line,
            decl: decl.into_boxed_slice(),
            is_assign,
            cmds,
        })
    }

    fn command(&mut self) -> Result<Cmd, ParseError> {
        let start = self.args.len();
        loop {
            self.skip_space();
            match self.peek().kind {
                Tok::Right | Tok::Pipe | Tok::RParen | Tok::Eof => break,
                _ => {}
            }
            let arg = self.operand()?;
            self.args.push(arg);
            match self.peek().kind {
                Tok::Space | Tok::Right | Tok::Pipe | Tok::RParen => {}
                ref k => return Err(self.err(format!("unexpected {k:?} in operand"))),
            }
        }
        if self.args.len() == start {
            return Err(self.err("empty command"));
        }
        Ok(Cmd {
            args: self.args.drain(start..).collect(),
        })
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
                Arg::Func(self.span(name, t.line)?)
            }
            Tok::Dot => Arg::Dot,
            Tok::Nil => Arg::Nil,
            Tok::Bool(b) => Arg::Bool(b),
            Tok::Str(std::borrow::Cow::Borrowed(s)) => Arg::Str(self.span(s, t.line)?),
            Tok::Str(s) => Arg::Escaped(Arc::from(s)),
            Tok::Char(c) => Arg::Number(Number::Int(c as i64)),
            Tok::Number(n) => Arg::Number(
                parse_number(n)
                    .ok_or_else(|| self.err_at(t.line, format!("illegal number syntax: {n:?}")))?,
            ),
            Tok::Var(v) => {
                if !self.vars.iter().any(|x| x == v) {
                    return Err(self.err_at(t.line, format!("undefined variable \"{v}\"")));
                }
                let name = self.span(v, t.line)?;
                Arg::Var(self.field_chain(Some(name))?)
            }
            Tok::Field(f) => {
                let first = self.span(f, t.line)?;
                Arg::Field(self.field_chain(Some(first))?)
            }
            Tok::LParen => {
                self.enter()?;
                let p = self.pipeline("parenthesized pipeline", false)?;
                self.depth -= 1;
                Arg::Pipe(Box::new(p))
            }
            other => return Err(self.err_at(t.line, format!("unexpected {other:?} in operand"))),
        };
        let chain = self.field_chain(None)?;
        let Some(first) = chain.first() else {
            return Ok(term);
        };
        Ok(match term {
            Arg::Pipe(_) | Arg::Dot => Arg::Chain(Box::new((term, chain))),
            _ => {
                let first = first.get(&self.src);
                return Err(self.err(format!("unexpected . after term {first:?}")));
            }
        })
    }

    /// `first` and the `.Field` tokens that follow, exactly sized.
    fn field_chain(&mut self, first: Option<Span>) -> Result<Box<[Span]>, ParseError> {
        let rest = self.toks.get(self.pos..).unwrap_or_default();
        let n = rest
            .iter()
            .take_while(|t| matches!(t.kind, Tok::Field(_)))
            .count();
        let mut chain = Vec::with_capacity(n + usize::from(first.is_some()));
        chain.extend(first);
        for _ in 0..n {
            let t = self.peek();
            if let Tok::Field(f) = t.kind {
                let name = self.span(f, t.line)?;
                chain.push(name);
            }
            self.pos += 1;
        }
        Ok(chain.into_boxed_slice())
    }
}

#[cfg(test)]
mod tests;
