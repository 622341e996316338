//! Custom resource definitions: kube-apiserver's rules for CRD schemas ([`structural`]), and,
//! with the `schema` feature, what `#[derive(CustomResource)]` generates a CRD from
//! ([`schema`]).

#[cfg(feature = "schema")]
pub mod schema;
pub mod structural;
