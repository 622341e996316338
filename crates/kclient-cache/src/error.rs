//! Errors of the in-memory cache: keys and indices. Reflector errors live in
//! [`crate::reflector`], because they carry the REST layer's error.

/// An object or key the cache cannot key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The object has no `metadata.name`.
    #[error("object has no metadata.name")]
    MissingName,
    /// A key that is neither `name` nor `namespace/name`.
    #[error("unexpected key format: {0:?}")]
    InvalidKey(String),
}

/// Errors of [`crate::Indexer`] index operations.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// No index function is registered under this name.
    #[error("index with name {0:?} does not exist")]
    UnknownIndex(String),
    /// An index function is already registered under this name.
    #[error("indexer conflict: index {0:?} already exists")]
    IndexExists(String),
    /// The object could not be keyed.
    #[error(transparent)]
    Key(#[from] KeyError),
}
