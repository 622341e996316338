//! Kubernetes' semver library: `isSemver()`, `semver()` (each optionally normalizing a `v`
//! prefix, missing minor or patch and leading zeros), the version's parts and its ordering
//! by semantic-versioning precedence (pre-releases before releases, build metadata ignored).

use std::cmp::Ordering;

use cel::common::types::CelBool;
use cel::common::types::{BOOL_TYPE, STRING_TYPE};
use cel::common::value::CowVal;
use cel::{DeclarationError, Env, ExecutionError};

use super::{K8s, Out, SEMVER_TYPE, boolean, fail, int, k8s, k8s_arg, string_arg};

/// A semantic version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::crd_schema) struct Semver {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<String>,
}

fn number(s: &str) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid character(s) found in version number {s:?}"
        ));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(format!("version segment starts with 0: {s:?}"));
    }
    s.parse()
        .map_err(|_| format!("invalid version number {s:?}"))
}

impl Semver {
    fn parse(s: &str, normalize: bool) -> Result<Semver, String> {
        let mut text = s.to_owned();
        if normalize {
            text = text.strip_prefix('v').unwrap_or(&text).to_owned();
            let end = text.find(['-', '+']).unwrap_or(text.len());
            let (core, rest) = text.split_at(end);
            let mut parts: Vec<String> = core
                .split('.')
                .map(|p| {
                    let trimmed = p.trim_start_matches('0');
                    if trimmed.is_empty() && !p.is_empty() {
                        "0".to_owned()
                    } else {
                        trimmed.to_owned()
                    }
                })
                .collect();
            while parts.len() < 3 {
                parts.push("0".to_owned());
            }
            text = format!("{}{rest}", parts.join("."));
        }
        let without_build = text.split('+').next().unwrap_or("");
        let (core, pre) = match without_build.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (without_build, None),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() != 3 {
            return Err("No Major.Minor.Patch elements found".to_owned());
        }
        let pre = match pre {
            Some(p) => p.split('.').map(str::to_owned).collect::<Vec<_>>(),
            None => Vec::new(),
        };
        if pre
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(format!("invalid prerelease in {s:?}"));
        }
        Ok(Semver {
            major: number(parts[0])?,
            minor: number(parts[1])?,
            patch: number(parts[2])?,
            pre,
        })
    }
}

impl PartialOrd for Semver {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Semver {
    fn cmp(&self, other: &Self) -> Ordering {
        let core =
            (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch));
        if core != Ordering::Equal {
            return core;
        }
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            _ => {}
        }
        for (a, b) in self.pre.iter().zip(&other.pre) {
            let ord = match (a.parse::<u64>(), b.parse::<u64>()) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                (Ok(_), Err(_)) => Ordering::Less,
                (Err(_), Ok(_)) => Ordering::Greater,
                (Err(_), Err(_)) => a.cmp(b),
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        self.pre.len().cmp(&other.pre.len())
    }
}

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let v = || SEMVER_TYPE.to_owned();
    env.add_overload("isSemver", "is_semver_string", vec![STRING_TYPE], is_semver)?;
    env.add_overload(
        "isSemver",
        "is_semver_string_bool",
        vec![STRING_TYPE, BOOL_TYPE],
        is_semver,
    )?;
    env.add_overload("semver", "string_to_semver", vec![STRING_TYPE], to_semver)?;
    env.add_overload(
        "semver",
        "string_bool_to_semver",
        vec![STRING_TYPE, BOOL_TYPE],
        to_semver,
    )?;
    env.add_member_overload("major", "semver_major", v(), vec![], major)?;
    env.add_member_overload("minor", "semver_minor", v(), vec![], minor)?;
    env.add_member_overload("patch", "semver_patch", v(), vec![], patch)?;
    env.add_member_overload(
        "isGreaterThan",
        "semver_is_greater_than",
        v(),
        vec![v()],
        greater,
    )?;
    env.add_member_overload("isLessThan", "semver_is_less_than", v(), vec![v()], less)?;
    env.add_member_overload("compareTo", "semver_compare_to", v(), vec![v()], compare_to)?;
    Ok(())
}

fn parse_arg(args: &[CowVal<'_, '_>]) -> Result<Result<Semver, String>, ExecutionError> {
    let normalize = args
        .get(1)
        .and_then(|a| a.downcast_ref::<CelBool>())
        .is_some_and(|b| *b.inner());
    Ok(Semver::parse(string_arg(args, 0)?, normalize))
}

fn is_semver<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(parse_arg(&args)?.is_ok())
}

fn to_semver<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let v = parse_arg(&args)?.map_err(|e| {
        fail(
            "semver",
            format!("Semver parse error during conversion from string: {e}"),
        )
    })?;
    k8s(K8s::Semver(v))
}

fn semver_arg(args: &[CowVal<'_, '_>], i: usize) -> Result<Semver, ExecutionError> {
    match k8s_arg(args, i)? {
        K8s::Semver(v) => Ok(v.clone()),
        _ => Err(ExecutionError::missing_argument_or_target()),
    }
}

fn major<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    int(semver_arg(&args, 0)?.major as i64)
}

fn minor<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    int(semver_arg(&args, 0)?.minor as i64)
}

fn patch<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    int(semver_arg(&args, 0)?.patch as i64)
}

fn greater<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(semver_arg(&args, 0)? > semver_arg(&args, 1)?)
}

fn less<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(semver_arg(&args, 0)? < semver_arg(&args, 1)?)
}

fn compare_to<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    int(semver_arg(&args, 0)?.cmp(&semver_arg(&args, 1)?) as i64)
}
