//! Which lists kube-apiserver 1.33 answers from its watch cache, and what that changes for
//! `limit`, with its default feature gates (ConsistentListFromCache on, ListFromCacheSnapshot
//! off). Sources: `staging/src/k8s.io/apiserver/pkg/storage/cacher/delegator.go`
//! (`shouldDelegateList`) and `cacher.go` (`computeListLimit`).
//!
//! - `resourceVersion=0` (with or without `resourceVersionMatch=NotOlderThan`): the cache
//!   answers with everything it has, `limit` ignored, no continue token. This is how
//!   client-go's reflector lists first, and why it is cheap: one response from memory.
//! - `resourceVersion=<n>` with `resourceVersionMatch=NotOlderThan`, or `resourceVersion=""`
//!   (a consistent read, served from the cache once it caught up with etcd): the cache
//!   honours `limit` and pages.
//! - `resourceVersion=<n>` without `resourceVersionMatch` and with a `limit` (the legacy
//!   form) is an exact read, which only etcd answers: the state at `<n>`, 410 once it is
//!   compacted. Without a `limit` the same request is a not-older-than read from the cache.
//! - `continue` pages are read from etcd at the token's snapshot, `limit` honoured.
//!
//! The embedded server keeps one store for both roles; these rules give its answers the
//! cache's shape.

/// Whether `limit` is ignored: a list at `resourceVersion=0` that is not a continuation
/// (`computeListLimit`).
pub(super) fn ignores_limit(resource_version: Option<&str>, continuing: bool) -> bool {
    !continuing && resource_version == Some("0")
}

/// Whether a list at resourceVersion `rv` without `resourceVersionMatch` is the legacy exact
/// read: a non-zero resourceVersion with a positive `limit`.
pub(super) fn is_legacy_exact(rv: u64, limit: Option<i64>) -> bool {
    rv != 0 && limit.is_some_and(|l| l > 0)
}
