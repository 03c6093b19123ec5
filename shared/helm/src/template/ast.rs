//! The parse tree of a Go template.
//!
//! Kept compact: a large chart holds tens of thousands of nodes for the whole
//! render, and every page of them costs a page fault. Text, names and plain
//! string constants are [`Span`]s of their template's source (held once, by
//! the [`Tree`]), sequences are exactly sized boxed slices, and rare shapes
//! are boxed.

use std::sync::Arc;

/// A sequence of nodes.
pub type List = Box<[Node]>;

/// A range of a template's source: `src[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset after the last byte.
    pub end: u32,
}

impl Span {
    /// The text of this span of `src` (the source it was taken from).
    pub fn get(self, src: &str) -> &str {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// One named template (a file's body or a `define`'s) with the source its
/// text nodes point into.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The whole source text of the file the template was parsed from.
    pub src: Arc<str>,
    /// The template's body.
    pub body: List,
}

/// A template body node.
#[derive(Debug, Clone)]
pub enum Node {
    /// Literal text.
    Text(Span),
    /// `{{ pipeline }}`: print unless it declares variables.
    Action(Box<Pipe>),
    /// `{{ if }}` / `{{ else if }}` / `{{ else }}`.
    If(Box<Branch>),
    /// `{{ with }}`.
    With(Box<Branch>),
    /// `{{ range }}`.
    Range(Box<Branch>),
    /// `{{ template "name" pipeline }}`.
    Template(Box<TemplateCall>),
    /// `{{ break }}` and its line.
    Break(u32),
    /// `{{ continue }}` and its line.
    Continue(u32),
}

/// `{{ template "name" pipeline }}` (and the call a `block` makes).
#[derive(Debug, Clone)]
pub struct TemplateCall {
    /// Line of the action.
    pub line: usize,
    /// The template's name.
    pub name: String,
    /// The new dot, if given.
    pub pipe: Option<Pipe>,
}

/// A control structure with its pipeline, body and optional else body.
#[derive(Debug, Clone)]
pub struct Branch {
    /// The condition pipeline.
    pub pipe: Pipe,
    /// Body when true / per element.
    pub list: List,
    /// Else body.
    pub else_list: Option<List>,
}

/// A pipeline, optionally declaring or assigning variables.
#[derive(Debug, Clone)]
pub struct Pipe {
    /// Line of the pipeline.
    pub line: usize,
    /// Variables declared (`:=`) or assigned (`=`).
    pub decl: Box<[String]>,
    /// True for `=`.
    pub is_assign: bool,
    /// The commands, joined by `|`.
    pub cmds: Box<[Cmd]>,
}

/// One command of a pipeline: an operand followed by arguments.
#[derive(Debug, Clone)]
pub struct Cmd {
    /// The operands; the first is the function, field or value.
    pub args: Box<[Arg]>,
}

/// An operand.
#[derive(Debug, Clone)]
pub enum Arg {
    /// `.`
    Dot,
    /// `nil`
    Nil,
    /// `true` / `false`
    Bool(bool),
    /// A number constant.
    Number(Number),
    /// A string constant as written (no escapes to decode).
    Str(Span),
    /// A string constant with its escapes decoded.
    Escaped(Arc<str>),
    /// `.A.B` field chain on dot: the field names.
    Field(Box<[Span]>),
    /// `$x.A.B`: the variable's name (with its `$`), then the fields.
    Var(Box<[Span]>),
    /// A function name.
    Func(Span),
    /// `(pipeline).A.B`
    Chain(Box<(Arg, Box<[Span]>)>),
    /// `(pipeline)`
    Pipe(Box<Pipe>),
}

/// A numeric constant as Go's parser classifies it.
#[derive(Debug, Clone, Copy)]
pub enum Number {
    /// Fits an int.
    Int(i64),
    /// A float (has `.`, `e` or is out of int range).
    Float(f64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_stay_small() {
        assert_eq!(size_of::<Node>(), 16);
        assert_eq!(size_of::<Arg>(), 24);
        assert_eq!(size_of::<Cmd>(), 16);
        assert!(size_of::<Pipe>() <= 48);
    }
}
