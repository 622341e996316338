//! Custom resource definitions: kube-apiserver's rules for a whole CRD ([`definition`]) and
//! for its schemas ([`structural`]), what
//! it does with a custom resource under its version's schema ([`validate`], [`prune`],
//! [`default`]), and, with the `schema` feature, what `#[derive(CustomResource)]` generates a
//! CRD from (the `schema` module, absent without the feature, hence not linked).

pub mod default;
pub mod definition;
pub mod prune;
#[cfg(feature = "schema")]
pub mod schema;
pub mod structural;
pub mod validate;
