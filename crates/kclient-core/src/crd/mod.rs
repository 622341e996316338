//! Custom resource definitions: kube-apiserver's rules for CRD schemas ([`structural`]), and,
//! with the `schema` feature, what `#[derive(CustomResource)]` generates a CRD from (the
//! `schema` module, absent without the feature, hence not linked).

#[cfg(feature = "schema")]
pub mod schema;
pub mod structural;
