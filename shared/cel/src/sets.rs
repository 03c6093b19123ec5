//! cel-go's `ext.Sets()`, which Flux enables and the cel crate lacks: `sets.contains`,
//! `sets.equivalent` and `sets.intersects` over lists, with CEL equality.

use cel::common::types::{CelBool, LIST_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

/// Registers the three functions on `env`.
pub fn extension(env: &mut Env) -> Result<(), DeclarationError> {
    let lists = || vec![LIST_TYPE, LIST_TYPE];
    env.add_overload(
        "sets.contains",
        "list_sets_contains_list",
        lists(),
        contains,
    )?;
    env.add_overload(
        "sets.equivalent",
        "list_sets_equivalent_list",
        lists(),
        equivalent,
    )?;
    env.add_overload(
        "sets.intersects",
        "list_sets_intersects_list",
        lists(),
        intersects,
    )?;
    Ok(())
}

/// Borrowed list elements.
type Elements<'b, 'v> = Vec<&'b (dyn Val + 'v)>;

fn elements<'b, 'v>(
    function: &str,
    list: &'b (dyn Val + 'v),
) -> Result<Elements<'b, 'v>, ExecutionError> {
    let iterable = list
        .as_iterable()
        .ok_or_else(|| ExecutionError::function_error(function, "expected a list"))?;
    let mut items = iterable.iter();
    let mut out = Vec::new();
    while let Some(item) = items.next() {
        out.push(item);
    }
    Ok(out)
}

fn pair<'b, 'v>(
    function: &str,
    args: &'b [CowVal<'b, 'v>],
) -> Result<(Elements<'b, 'v>, Elements<'b, 'v>), ExecutionError> {
    match args {
        [a, b] => Ok((
            elements(function, a.as_ref())?,
            elements(function, b.as_ref())?,
        )),
        _ => Err(ExecutionError::invalid_argument_count(2, args.len())),
    }
}

fn boolean<'b, 'v>(b: bool) -> CowVal<'b, 'v> {
    CowVal::Owned(Box::new(CelBool::from(b)))
}

/// Whether every element of `sub` is in `list`.
fn all_in(sub: &[&dyn Val], list: &[&dyn Val]) -> bool {
    sub.iter().all(|s| list.iter().any(|l| s.equals(*l)))
}

fn contains<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (list, sub) = pair("sets.contains", &args)?;
    Ok(boolean(all_in(&sub, &list)))
}

fn equivalent<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (a, b) = pair("sets.equivalent", &args)?;
    Ok(boolean(all_in(&a, &b) && all_in(&b, &a)))
}

fn intersects<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (a, b) = pair("sets.intersects", &args)?;
    Ok(boolean(a.iter().any(|x| b.iter().any(|y| x.equals(*y)))))
}
