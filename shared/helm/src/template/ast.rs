//! The parse tree of a Go template.

use std::sync::Arc;

/// A list of nodes.
pub type List = Vec<Node>;

/// A field, variable or function name, shared by every use in a template file.
pub type Name = Arc<str>;

/// A template body node (kept small: thousands of them live per chart).
#[derive(Debug, Clone)]
pub enum Node {
    /// Literal text: a range of the template's source, which it shares.
    Text(Text),
    /// `{{ pipeline }}`: print unless it declares variables.
    Action(Box<Pipe>),
    /// `{{ if }}` / `{{ else if }}` / `{{ else }}`.
    If(Box<Branch>),
    /// `{{ with }}`.
    With(Box<Branch>),
    /// `{{ range }}`.
    Range(Box<Branch>),
    /// `{{ template "name" pipeline }}`.
    Template {
        /// Line of the action.
        line: usize,
        /// The template's name.
        name: String,
        /// The new dot, if given.
        pipe: Option<Box<Pipe>>,
    },
    /// `{{ break }}`.
    Break(usize),
    /// `{{ continue }}`.
    Continue(usize),
}

/// Literal text of a template: `src[start..end]`.
#[derive(Debug, Clone)]
pub struct Text {
    /// The whole template source.
    pub src: Arc<str>,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset after the last byte.
    pub end: usize,
}

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        self.src.get(self.start..self.end).unwrap_or_default()
    }
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
    pub decl: Vec<String>,
    /// True for `=`.
    pub is_assign: bool,
    /// The commands, joined by `|`.
    pub cmds: Vec<Cmd>,
}

/// One command of a pipeline: an operand followed by arguments.
#[derive(Debug, Clone)]
pub struct Cmd {
    /// The operands; the first is the function, field or value.
    pub args: Vec<Arg>,
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
    /// A string constant.
    Str(Arc<str>),
    /// `.A.B` field chain on dot.
    Field(Vec<Name>),
    /// `$x.A.B` variable with optional field chain.
    Var(Name, Vec<Name>),
    /// A function name.
    Func(Name),
    /// `(pipeline).A.B`
    Chain(Box<Arg>, Vec<Name>),
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
