//! Kubernetes' lists library: `isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`.

use std::cmp::Ordering;

use cel::common::types::DYN_TYPE;
use cel::common::types::LIST_TYPE;
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError, Value};

use super::{Out, boolean, fail, int};

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_member_overload("isSorted", "list_is_sorted", LIST_TYPE, vec![], is_sorted)?;
    env.add_member_overload("sum", "list_sum", LIST_TYPE, vec![], sum)?;
    env.add_member_overload("min", "list_min", LIST_TYPE, vec![], min)?;
    env.add_member_overload("max", "list_max", LIST_TYPE, vec![], max)?;
    env.add_member_overload(
        "indexOf",
        "list_index_of",
        LIST_TYPE,
        vec![DYN_TYPE],
        index_of,
    )?;
    env.add_member_overload(
        "lastIndexOf",
        "list_last_index_of",
        LIST_TYPE,
        vec![DYN_TYPE],
        last_index_of,
    )?;
    Ok(())
}

fn items(args: &[CowVal<'_, '_>]) -> Result<Vec<Value>, ExecutionError> {
    let list = args
        .first()
        .ok_or_else(ExecutionError::missing_argument_or_target)?;
    match Value::try_from(list.as_ref())? {
        Value::List(items) => Ok(items.to_vec()),
        other => Err(ExecutionError::unsupported_target_type(other)),
    }
}

fn order(a: &Value, b: &Value, function: &str) -> Result<Ordering, ExecutionError> {
    a.partial_cmp(b)
        .ok_or_else(|| fail(function, format!("{a:?} can not be compared to {b:?}")))
}

fn out<'b, 'v>(v: Value) -> Out<'b, 'v> {
    Ok(CowVal::Owned(Box::<dyn Val>::try_from(v)?))
}

fn is_sorted<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let items = items(&args)?;
    for pair in items.windows(2) {
        if order(&pair[0], &pair[1], "isSorted")? == Ordering::Greater {
            return boolean(false);
        }
    }
    boolean(true)
}

fn sum<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let items = items(&args)?;
    let mut iter = items.into_iter();
    // The sum of an empty list is 0 (cel-go's zero value of the element type, int here).
    let Some(first) = iter.next() else {
        return int(0);
    };
    let mut total = first;
    for item in iter {
        total = (total + item).map_err(|e| fail("sum", e))?;
    }
    out(total)
}

fn extreme<'b, 'v>(args: Vec<CowVal<'b, 'v>>, function: &str, want: Ordering) -> Out<'b, 'v> {
    let items = items(&args)?;
    let mut iter = items.into_iter();
    let Some(mut best) = iter.next() else {
        return Err(fail(function, format!("{function} called on empty list")));
    };
    for item in iter {
        if order(&item, &best, function)? == want {
            best = item;
        }
    }
    out(best)
}

fn min<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    extreme(args, "min", Ordering::Less)
}

fn max<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    extreme(args, "max", Ordering::Greater)
}

fn position<'b, 'v>(args: Vec<CowVal<'b, 'v>>, last: bool) -> Out<'b, 'v> {
    let items = items(&args)?;
    let needle = Value::try_from(
        args.get(1)
            .ok_or_else(ExecutionError::missing_argument_or_target)?
            .as_ref(),
    )?;
    let found = if last {
        items.iter().rposition(|v| *v == needle)
    } else {
        items.iter().position(|v| *v == needle)
    };
    int(found.map_or(-1, |i| i as i64))
}

fn index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    position(args, false)
}

fn last_index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    position(args, true)
}
