//! The Kubernetes CEL libraries kube-apiserver adds to `x-kubernetes-validations` rules,
//! registered on cel-rust's environment: lists (`isSorted`, `sum`, `min`, `max`, `indexOf`,
//! `lastIndexOf`), regex (`find`, `findAll`), url, ip and cidr, quantity, and named formats.
//! The values of their types (URL, IP, CIDR, quantity, format, semver) are one opaque [`K8s`] value.

mod format;
mod lists;
mod net;
mod quantity;
mod regex;
mod semver;
mod sets;
mod url;

use std::any::Any;

use cel::common::types::{CelBool, CelInt, CelList, CelOptional, CelString, Type};
use cel::common::value::{CowVal, StaticVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use kclient_core::quantity::Quantity;

use super::cel_sigs::{CIDR, IP, NAMED_FORMAT, QUANTITY, SEMVER, URL};

pub(super) use url::Url;

static URL_TYPE: Type = Type::new_unspecified_type(URL);
static IP_TYPE: Type = Type::new_unspecified_type(IP);
static CIDR_TYPE: Type = Type::new_unspecified_type(CIDR);
static QUANTITY_TYPE: Type = Type::new_unspecified_type(QUANTITY);
static FORMAT_TYPE: Type = Type::new_unspecified_type(NAMED_FORMAT);
static SEMVER_TYPE: Type = Type::new_unspecified_type(SEMVER);

/// A value of one of the Kubernetes libraries' types.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum K8s {
    Url(Url),
    Ip(std::net::IpAddr),
    Cidr(std::net::IpAddr, u8),
    Quantity(Quantity),
    Format(&'static str),
    Semver(semver::Semver),
}

impl Val for K8s {
    fn get_type(&self) -> &Type {
        match self {
            K8s::Url(_) => &URL_TYPE,
            K8s::Ip(_) => &IP_TYPE,
            K8s::Cidr(..) => &CIDR_TYPE,
            K8s::Quantity(_) => &QUANTITY_TYPE,
            K8s::Format(_) => &FORMAT_TYPE,
            K8s::Semver(_) => &SEMVER_TYPE,
        }
    }

    /// One Rust type carries every library type: `get_type` tells them apart.
    fn cel_type() -> &'static Type {
        &URL_TYPE
    }

    fn equals(&self, other: &dyn Val) -> bool {
        other.downcast_ref::<K8s>().is_some_and(|o| o == self)
    }

    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

impl StaticVal for K8s {}

/// Registers every library on `env`.
pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    lists::register(env)?;
    regex::register(env)?;
    url::register(env)?;
    net::register(env)?;
    quantity::register(env)?;
    format::register(env)?;
    semver::register(env)?;
    sets::register(env)?;
    Ok(())
}

/// The names of the formats `format.<name>()` gives.
pub(super) fn format_names() -> impl Iterator<Item = &'static str> {
    format::CONSTRUCTORS.iter().map(|(name, _)| *name)
}

/// The result of a library function.
type Out<'b, 'v> = Result<CowVal<'b, 'v>, ExecutionError>;

fn string_arg<'a>(args: &'a [CowVal<'_, '_>], i: usize) -> Result<&'a str, ExecutionError> {
    args.get(i)
        .and_then(|a| a.downcast_ref::<CelString>())
        .map(|s| s.inner())
        .ok_or_else(ExecutionError::missing_argument_or_target)
}

fn int_arg(args: &[CowVal<'_, '_>], i: usize) -> Result<i64, ExecutionError> {
    args.get(i)
        .and_then(|a| a.downcast_ref::<CelInt>())
        .map(|n| *n.inner())
        .ok_or_else(ExecutionError::missing_argument_or_target)
}

fn k8s_arg<'a>(args: &'a [CowVal<'_, '_>], i: usize) -> Result<&'a K8s, ExecutionError> {
    args.get(i)
        .and_then(|a| a.downcast_ref::<K8s>())
        .ok_or_else(ExecutionError::missing_argument_or_target)
}

fn boolean<'b, 'v>(b: bool) -> Out<'b, 'v> {
    Ok(CowVal::owned(CelBool::from(b)))
}

fn int<'b, 'v>(n: i64) -> Out<'b, 'v> {
    Ok(CowVal::owned(CelInt::from(n)))
}

fn string<'b, 'v>(s: String) -> Out<'b, 'v> {
    Ok(CowVal::owned(CelString::from(s)))
}

fn k8s<'b, 'v>(v: K8s) -> Out<'b, 'v> {
    Ok(CowVal::owned(v))
}

fn strings<'v>(items: Vec<String>) -> CelList<'v> {
    CelList::from(
        items
            .into_iter()
            .map(|s| Box::new(CelString::from(s)) as Box<dyn Val + 'v>)
            .collect::<Vec<_>>(),
    )
}

fn optional<'b, 'v>(v: Option<Box<dyn Val + 'v>>) -> Out<'b, 'v> {
    Ok(CowVal::owned(match v {
        Some(v) => CelOptional::of(v),
        None => CelOptional::none(),
    }))
}

fn fail(function: &str, msg: impl ToString) -> ExecutionError {
    ExecutionError::function_error(function, msg)
}

#[cfg(test)]
mod tests;
