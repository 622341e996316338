//! An in-memory, kubectl-compatible Kubernetes API server (being written).

pub mod catalog;
pub mod discovery;
pub mod patch;
pub mod table;
