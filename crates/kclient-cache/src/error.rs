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

/// JSON that does not decode into the type asked for ([`crate::Compact`]). It says where,
/// never what: the text may be a Secret's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode {type_name}: {category} error at line {line}, column {column}")]
pub struct DecodeError {
    type_name: String,
    category: &'static str,
    line: usize,
    column: usize,
}

impl DecodeError {
    pub(crate) fn new<T>(err: serde_json::Error) -> Self {
        Self {
            type_name: crate::object::short_type_name::<T>(),
            category: match err.classify() {
                serde_json::error::Category::Io => "I/O",
                serde_json::error::Category::Syntax => "syntax",
                serde_json::error::Category::Data => "data",
                serde_json::error::Category::Eof => "end-of-input",
            },
            line: err.line(),
            column: err.column(),
        }
    }

    /// Protobuf that does not decode into `T`: no line or column (0), and only the kind of
    /// failure, since the codec's message may quote a value.
    pub(crate) fn protobuf<T>(err: kclient_protobuf::Error) -> Self {
        use kclient_protobuf::Error as E;
        Self {
            type_name: crate::object::short_type_name::<T>(),
            category: match err {
                E::Truncated(_) => "end-of-input",
                E::Custom(_) | E::RawJson(_) | E::UnknownKind { .. } | E::Encode { .. } => "data",
                _ => "protobuf syntax",
            },
            line: 0,
            column: 0,
        }
    }

    /// The line of the JSON text where decoding failed (1-based; 0 if not known).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column of the JSON text where decoding failed (1-based; 0 if not known).
    pub fn column(&self) -> usize {
        self.column
    }
}
