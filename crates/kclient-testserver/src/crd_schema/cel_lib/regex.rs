//! Kubernetes' regex library: `find` (the first match, or `""`) and `findAll` (every match,
//! at most `n` when given, all when `n` is negative).

use cel::common::types::{INT_TYPE, STRING_TYPE};
use cel::common::value::CowVal;
use cel::{DeclarationError, Env};

use super::{Out, fail, int_arg, string, string_arg, strings};

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_member_overload(
        "find",
        "string_find_string",
        STRING_TYPE,
        vec![STRING_TYPE],
        find,
    )?;
    env.add_member_overload(
        "findAll",
        "string_find_all_string",
        STRING_TYPE,
        vec![STRING_TYPE],
        find_all,
    )?;
    env.add_member_overload(
        "findAll",
        "string_find_all_string_int",
        STRING_TYPE,
        vec![STRING_TYPE, INT_TYPE],
        find_all,
    )?;
    Ok(())
}

fn compile(function: &str, pattern: &str) -> Result<regex::Regex, cel::ExecutionError> {
    regex::Regex::new(pattern).map_err(|e| fail(function, e))
}

fn find<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let re = compile("find", string_arg(&args, 1)?)?;
    let text = string_arg(&args, 0)?;
    string(
        re.find(text)
            .map_or(String::new(), |m| m.as_str().to_owned()),
    )
}

fn find_all<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let re = compile("findAll", string_arg(&args, 1)?)?;
    let text = string_arg(&args, 0)?;
    let limit = if args.len() > 2 {
        int_arg(&args, 2)?
    } else {
        -1
    };
    let all = re.find_iter(text).map(|m| m.as_str().to_owned());
    let found: Vec<String> = match usize::try_from(limit) {
        Ok(n) => all.take(n).collect(),
        Err(_) => all.collect(),
    };
    Ok(CowVal::owned(strings(found)))
}
