//! What the cel-go checker would tell before evaluation, on the parsed syntax tree:
//! undeclared references, the result type, the node count and the cost for a given
//! input width.

use std::fmt;

use cel::IdedExpr;
use cel::common::ast::{EntryExpr, Expr, LiteralValue, operators};

/// Identifiers that name types or function namespaces rather than variables.
const BUILTIN_IDENTS: &[&str] = &[
    "bool",
    "bytes",
    "double",
    "dyn",
    "int",
    "list",
    "map",
    "null_type",
    "string",
    "type",
    "uint",
    "optional",
    "base64",
    "strings",
    "math",
    "sets",
    "google",
];

/// The static type of an expression, as far as it can be told without declarations of
/// the variables' fields (they are `google.protobuf.Struct`, whose fields are `dyn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// `bool`.
    Bool,
    /// `int`.
    Int,
    /// `uint`.
    Uint,
    /// `double`.
    Double,
    /// `string`.
    String,
    /// `bytes`.
    Bytes,
    /// `null_type`.
    Null,
    /// A list.
    List,
    /// A map.
    Map,
    /// Known only at evaluation time.
    Dyn,
    /// Not inferred here (a function this checker does not model).
    Unknown,
}

impl Type {
    /// The type's short name, as cel-go names a kind in messages ("list", "map").
    pub fn name(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Uint => "uint",
            Type::Double => "double",
            Type::String => "string",
            Type::Bytes => "bytes",
            Type::Null => "null_type",
            Type::List => "list",
            Type::Map => "map",
            Type::Dyn => "dyn",
            Type::Unknown => "unknown",
        }
    }
}

/// The full type name, as cel-go prints a checked type ("list(dyn)").
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::List => "list(dyn)",
            Type::Map => "map(dyn, dyn)",
            other => other.name(),
        })
    }
}

/// The first identifier that is neither declared nor bound by a macro, with its node id.
pub fn undeclared<'a>(expr: &'a IdedExpr, declared: &'a [String]) -> Option<(&'a str, u64)> {
    let mut scope: Vec<&str> = declared.iter().map(String::as_str).collect();
    find_undeclared(expr, &mut scope)
}

fn find_undeclared<'a>(e: &'a IdedExpr, scope: &mut Vec<&'a str>) -> Option<(&'a str, u64)> {
    match &e.expr {
        Expr::Ident(name) => {
            let known = scope.contains(&name.as_str()) || BUILTIN_IDENTS.contains(&name.as_str());
            (!known).then_some((name.as_str(), e.id))
        }
        Expr::Select(s) => find_undeclared(&s.operand, scope),
        Expr::Call(c) => {
            if let Some(t) = &c.target
                && let Some(found) = find_undeclared(t, scope)
            {
                return Some(found);
            }
            c.args.iter().find_map(|a| find_undeclared(a, scope))
        }
        Expr::List(l) => l.elements.iter().find_map(|a| find_undeclared(a, scope)),
        Expr::Map(m) => m.entries.iter().find_map(|en| match &en.expr {
            EntryExpr::MapEntry(me) => {
                find_undeclared(&me.key, scope).or_else(|| find_undeclared(&me.value, scope))
            }
            EntryExpr::StructField(sf) => find_undeclared(&sf.value, scope),
        }),
        Expr::Struct(s) => s.entries.iter().find_map(|en| match &en.expr {
            EntryExpr::MapEntry(me) => find_undeclared(&me.value, scope),
            EntryExpr::StructField(sf) => find_undeclared(&sf.value, scope),
        }),
        Expr::Comprehension(c) => {
            if let Some(found) = find_undeclared(&c.iter_range, scope)
                .or_else(|| find_undeclared(&c.accu_init, scope))
            {
                return Some(found);
            }
            let depth = scope.len();
            scope.push(&c.iter_var);
            if let Some(v) = &c.iter_var2 {
                scope.push(v);
            }
            scope.push(&c.accu_var);
            let found = find_undeclared(&c.loop_cond, scope)
                .or_else(|| find_undeclared(&c.loop_step, scope))
                .or_else(|| find_undeclared(&c.result, scope));
            scope.truncate(depth);
            found
        }
        Expr::Literal(_) | Expr::Unspecified => None,
    }
}

/// The result type of an expression.
pub fn output_type(e: &IdedExpr) -> Type {
    match &e.expr {
        Expr::Literal(l) => match l {
            LiteralValue::Boolean(_) => Type::Bool,
            LiteralValue::Bytes(_) => Type::Bytes,
            LiteralValue::Double(_) => Type::Double,
            LiteralValue::Int(_) => Type::Int,
            LiteralValue::Null => Type::Null,
            LiteralValue::String(_) => Type::String,
            LiteralValue::UInt(_) => Type::Uint,
        },
        Expr::Ident(_) => Type::Dyn,
        Expr::Select(s) if s.test => Type::Bool,
        Expr::Select(_) => Type::Dyn,
        Expr::List(_) => Type::List,
        Expr::Map(_) => Type::Map,
        Expr::Struct(_) | Expr::Unspecified => Type::Unknown,
        Expr::Comprehension(c) => match &c.result.expr {
            Expr::Ident(name) if *name == c.accu_var => output_type(&c.accu_init),
            _ => output_type(&c.result),
        },
        Expr::Call(c) => call_type(&c.func_name, c.target.is_some(), &c.args),
    }
}

fn call_type(name: &str, member: bool, args: &[IdedExpr]) -> Type {
    match name {
        operators::LOGICAL_AND
        | operators::LOGICAL_OR
        | operators::LOGICAL_NOT
        | operators::EQUALS
        | operators::NOT_EQUALS
        | operators::LESS
        | operators::LESS_EQUALS
        | operators::GREATER
        | operators::GREATER_EQUALS
        | operators::IN
        | operators::NOT_STRICTLY_FALSE
        | "startsWith"
        | "endsWith"
        | "matches"
        | "hasValue"
        | "bool" => Type::Bool,
        "contains" if member => Type::Bool,
        "size" => Type::Int,
        "int" if !member => Type::Int,
        "uint" if !member => Type::Uint,
        "double" if !member => Type::Double,
        "string" if !member => Type::String,
        "bytes" if !member => Type::Bytes,
        operators::ADD
        | operators::SUBSTRACT
        | operators::MULTIPLY
        | operators::DIVIDE
        | operators::MODULO => unify(args.iter().map(output_type)),
        operators::NEGATE => args.first().map_or(Type::Unknown, output_type),
        operators::CONDITIONAL => unify(args.iter().skip(1).map(output_type)),
        operators::INDEX => Type::Dyn,
        _ => Type::Unknown,
    }
}

fn unify(mut types: impl Iterator<Item = Type>) -> Type {
    let Some(first) = types.next() else {
        return Type::Unknown;
    };
    types.fold(first, |acc, t| match (acc, t) {
        (Type::Unknown, _) | (_, Type::Unknown) => Type::Unknown,
        (a, b) if a == b => a,
        _ => Type::Dyn,
    })
}

/// The number of nodes of the tree.
pub fn node_count(e: &IdedExpr) -> usize {
    cost(e, 1) as usize
}

/// The worst-case number of steps to evaluate `e` when every list or map it loops over
/// has at most `width` items: macros multiply the cost of their body by the width, so
/// nested macros cost `width^depth`.
pub fn cost(e: &IdedExpr, width: u64) -> u64 {
    let sum = |items: &mut dyn Iterator<Item = &IdedExpr>| {
        items.fold(0u64, |acc, i| acc.saturating_add(cost(i, width)))
    };
    let own = match &e.expr {
        Expr::Literal(_) | Expr::Ident(_) | Expr::Unspecified => 0,
        Expr::Select(s) => cost(&s.operand, width),
        Expr::Call(c) => {
            sum(&mut c.target.iter().map(|t| t.as_ref())).saturating_add(sum(&mut c.args.iter()))
        }
        Expr::List(l) => sum(&mut l.elements.iter()),
        Expr::Map(m) => sum(&mut m.entries.iter().flat_map(|en| match &en.expr {
            EntryExpr::MapEntry(me) => vec![&me.key, &me.value],
            EntryExpr::StructField(sf) => vec![&sf.value],
        })),
        Expr::Struct(s) => sum(&mut s.entries.iter().map(|en| match &en.expr {
            EntryExpr::MapEntry(me) => &me.value,
            EntryExpr::StructField(sf) => &sf.value,
        })),
        Expr::Comprehension(c) => {
            let body = cost(&c.loop_cond, width).saturating_add(cost(&c.loop_step, width));
            cost(&c.iter_range, width)
                .saturating_add(cost(&c.accu_init, width))
                .saturating_add(width.max(1).saturating_mul(body))
                .saturating_add(cost(&c.result, width))
        }
    };
    own.saturating_add(1)
}

/// The first list or map literal mixing element types (cel-go's
/// `HomogeneousAggregateLiterals`): the node id of the offending element, the expected
/// type and the one found. Elements of unknown or `dyn` type are not judged.
pub fn mixed_literal(e: &IdedExpr) -> Option<(u64, Type, Type)> {
    let mut found = None;
    visit(e, &mut |n| {
        if found.is_some() {
            return;
        }
        let groups: Vec<Vec<&IdedExpr>> = match &n.expr {
            Expr::List(l) => vec![l.elements.iter().collect()],
            Expr::Map(m) => {
                let (keys, values) = m
                    .entries
                    .iter()
                    .filter_map(|en| match &en.expr {
                        EntryExpr::MapEntry(me) => Some((&me.key, &me.value)),
                        EntryExpr::StructField(_) => None,
                    })
                    .unzip();
                vec![keys, values]
            }
            _ => return,
        };
        for group in groups {
            let mut first: Option<Type> = None;
            for item in group {
                let t = output_type(item);
                if matches!(t, Type::Dyn | Type::Unknown) {
                    continue;
                }
                match first {
                    None => first = Some(t),
                    Some(want) if want != t => {
                        found = Some((item.id, want, t));
                        return;
                    }
                    Some(_) => {}
                }
            }
        }
    });
    found
}

/// The deepest nesting of the tree.
pub fn depth(e: &IdedExpr) -> usize {
    let mut deepest = 0;
    children(e, &mut |c| deepest = deepest.max(depth(c)));
    deepest + 1
}

/// The largest list or map literal written in the expression.
pub fn widest_literal(e: &IdedExpr) -> u64 {
    let mut widest = 0u64;
    visit(e, &mut |n| match &n.expr {
        Expr::List(l) => widest = widest.max(l.elements.len() as u64),
        Expr::Map(m) => widest = widest.max(m.entries.len() as u64),
        _ => {}
    });
    widest
}

fn visit(e: &IdedExpr, f: &mut dyn FnMut(&IdedExpr)) {
    f(e);
    children(e, &mut |c| visit(c, f));
}

fn children<'a>(e: &'a IdedExpr, f: &mut dyn FnMut(&'a IdedExpr)) {
    match &e.expr {
        Expr::Select(s) => f(&s.operand),
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                f(t);
            }
            c.args.iter().for_each(f);
        }
        Expr::List(l) => l.elements.iter().for_each(f),
        Expr::Map(m) => m.entries.iter().for_each(|en| match &en.expr {
            EntryExpr::MapEntry(me) => {
                f(&me.key);
                f(&me.value);
            }
            EntryExpr::StructField(sf) => f(&sf.value),
        }),
        Expr::Struct(s) => s.entries.iter().for_each(|en| match &en.expr {
            EntryExpr::MapEntry(me) => f(&me.value),
            EntryExpr::StructField(sf) => f(&sf.value),
        }),
        Expr::Comprehension(c) => {
            for part in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                f(part);
            }
        }
        Expr::Literal(_) | Expr::Ident(_) | Expr::Unspecified => {}
    }
}
