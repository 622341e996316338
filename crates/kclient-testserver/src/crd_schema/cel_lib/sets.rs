//! cel-go's sets extension, which kube-apiserver enables: `sets.contains(a, b)` (every item of
//! `b` is in `a`), `sets.equivalent(a, b)` (same items, ignoring order and repeats) and
//! `sets.intersects(a, b)` (an item in common).

use cel::common::types::LIST_TYPE;
use cel::common::value::CowVal;
use cel::{DeclarationError, Env, ExecutionError, Value};

use super::{Out, boolean};

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload(
        "sets.contains",
        "list_sets_contains_list",
        vec![LIST_TYPE, LIST_TYPE],
        contains,
    )?;
    env.add_overload(
        "sets.equivalent",
        "list_sets_equivalent_list",
        vec![LIST_TYPE, LIST_TYPE],
        equivalent,
    )?;
    env.add_overload(
        "sets.intersects",
        "list_sets_intersects_list",
        vec![LIST_TYPE, LIST_TYPE],
        intersects,
    )?;
    Ok(())
}

fn lists(args: &[CowVal<'_, '_>]) -> Result<(Vec<Value>, Vec<Value>), ExecutionError> {
    let list = |i: usize| -> Result<Vec<Value>, ExecutionError> {
        let arg = args
            .get(i)
            .ok_or_else(ExecutionError::missing_argument_or_target)?;
        match Value::try_from(arg.as_ref())? {
            Value::List(items) => Ok(items.to_vec()),
            other => Err(ExecutionError::unsupported_target_type(other)),
        }
    };
    Ok((list(0)?, list(1)?))
}

fn contains<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let (a, b) = lists(&args)?;
    boolean(b.iter().all(|x| a.contains(x)))
}

fn equivalent<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let (a, b) = lists(&args)?;
    boolean(b.iter().all(|x| a.contains(x)) && a.iter().all(|x| b.contains(x)))
}

fn intersects<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let (a, b) = lists(&args)?;
    boolean(b.iter().any(|x| a.contains(x)))
}
