//! Kubernetes' quantity library: `quantity()`, `isQuantity()`, and comparisons, arithmetic
//! and conversions on quantities, exact as apimachinery's (kclient-core's [`Quantity`]).

use cel::common::types::{CelDouble, INT_TYPE, STRING_TYPE};
use cel::common::value::CowVal;
use cel::{DeclarationError, Env, ExecutionError};
use kclient_core::quantity::Quantity;

use super::{K8s, Out, QUANTITY_TYPE, boolean, fail, int, int_arg, k8s, k8s_arg, string_arg};

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let q = || QUANTITY_TYPE.to_owned();
    env.add_overload(
        "quantity",
        "string_to_quantity",
        vec![STRING_TYPE],
        to_quantity,
    )?;
    env.add_overload(
        "isQuantity",
        "is_quantity_string",
        vec![STRING_TYPE],
        is_quantity,
    )?;
    env.add_member_overload("isInteger", "quantity_is_integer", q(), vec![], is_integer)?;
    env.add_member_overload("asInteger", "quantity_as_integer", q(), vec![], as_integer)?;
    env.add_member_overload(
        "asApproximateFloat",
        "quantity_as_float",
        q(),
        vec![],
        as_float,
    )?;
    env.add_member_overload("sign", "quantity_sign", q(), vec![], sign)?;
    env.add_member_overload("add", "quantity_add", q(), vec![q()], add)?;
    env.add_member_overload("add", "quantity_add_int", q(), vec![INT_TYPE], add)?;
    env.add_member_overload("sub", "quantity_sub", q(), vec![q()], sub)?;
    env.add_member_overload("sub", "quantity_sub_int", q(), vec![INT_TYPE], sub)?;
    env.add_member_overload(
        "isGreaterThan",
        "quantity_is_greater_than",
        q(),
        vec![q()],
        greater,
    )?;
    env.add_member_overload("isLessThan", "quantity_is_less_than", q(), vec![q()], less)?;
    env.add_member_overload(
        "compareTo",
        "quantity_compare_to",
        q(),
        vec![q()],
        compare_to,
    )?;
    Ok(())
}

fn quantity_arg(args: &[CowVal<'_, '_>], i: usize) -> Result<Quantity, ExecutionError> {
    if let Ok(n) = int_arg(args, i) {
        return Ok(Quantity::from(n));
    }
    match k8s_arg(args, i)? {
        K8s::Quantity(q) => Ok(*q),
        _ => Err(ExecutionError::missing_argument_or_target()),
    }
}

fn to_quantity<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let q = Quantity::parse(string_arg(&args, 0)?).map_err(|e| fail("quantity", e))?;
    k8s(K8s::Quantity(q))
}

fn is_quantity<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(Quantity::parse(string_arg(&args, 0)?).is_ok())
}

fn is_integer<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(quantity_arg(&args, 0)?.as_integer().is_some())
}

fn as_integer<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let q = quantity_arg(&args, 0)?;
    int(q
        .as_integer()
        .ok_or_else(|| fail("asInteger", "cannot convert value to integer"))?)
}

fn as_float<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    Ok(CowVal::owned(CelDouble::from(
        quantity_arg(&args, 0)?.as_f64(),
    )))
}

fn sign<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    int(i64::from(quantity_arg(&args, 0)?.sign()))
}

fn add<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let sum = quantity_arg(&args, 0)?
        .checked_add(&quantity_arg(&args, 1)?)
        .ok_or_else(|| fail("add", "quantity is out of range"))?;
    k8s(K8s::Quantity(sum))
}

fn sub<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let diff = quantity_arg(&args, 0)?
        .checked_sub(&quantity_arg(&args, 1)?)
        .ok_or_else(|| fail("sub", "quantity is out of range"))?;
    k8s(K8s::Quantity(diff))
}

fn greater<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(quantity_arg(&args, 0)? > quantity_arg(&args, 1)?)
}

fn less<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(quantity_arg(&args, 0)? < quantity_arg(&args, 1)?)
}

fn compare_to<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    int(quantity_arg(&args, 0)?.cmp(&quantity_arg(&args, 1)?) as i64)
}
