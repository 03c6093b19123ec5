//! A Go text/template engine: lexer, parser, executor, values and Go's fmt.

pub mod ast;
pub mod exec;
pub mod gofmt;
pub mod lex;
pub mod name_hash;
pub mod number;
pub mod parse;
pub mod value;

pub use exec::{Engine, ExecError};
pub use parse::ParseError;
pub use value::{Map, Value};
