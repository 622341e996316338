//! The one error type of the protobuf codec.

/// Why bytes could not be decoded as (or a value encoded into) Kubernetes protobuf.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The body does not start with the `k8s\0` magic of an encoded object.
    #[error("not a Kubernetes protobuf object: the k8s\\0 prefix is missing")]
    MissingPrefix,
    /// The bytes end inside a field, varint or length-delimited value.
    #[error("truncated protobuf input: {0}")]
    Truncated(&'static str),
    /// A varint longer than ten bytes.
    #[error("malformed varint")]
    BadVarint,
    /// A field's wire type is not the one its type is written with (or is a deprecated group).
    #[error("field {field} of {message} has wire type {wire}, which its type does not use")]
    BadWireType {
        /// The protobuf message.
        message: &'static str,
        /// The field number.
        field: u64,
        /// The wire type found.
        wire: u8,
    },
    /// The envelope names a kind this crate has no message for.
    #[error("no protobuf message for apiVersion {api_version:?}, kind {kind:?}")]
    UnknownKind {
        /// The envelope's apiVersion.
        api_version: String,
        /// The envelope's kind.
        kind: String,
    },
    /// The envelope's content encoding is set (Kubernetes defines none).
    #[error("unsupported protobuf content encoding {0:?}")]
    ContentEncoding(String),
    /// A watch frame's length prefix is larger than the configured maximum.
    #[error("watch frame of {len} bytes is larger than the {max}-byte limit")]
    FrameTooLarge {
        /// The length the prefix announced.
        len: u64,
        /// The limit.
        max: usize,
    },
    /// A string field holds bytes that are not UTF-8.
    #[error("a protobuf string field is not valid UTF-8")]
    InvalidUtf8,
    /// A JSON-holding field (`RawExtension`, `FieldsV1`, `JSON`) holds invalid JSON.
    #[error("invalid JSON in a raw protobuf field: {0}")]
    RawJson(String),
    /// A value cannot be written as its field's type (a string for an integer field, a
    /// malformed timestamp or duration …).
    #[error("cannot encode {value} as {expected}")]
    Encode {
        /// What was given.
        value: String,
        /// What the field takes.
        expected: &'static str,
    },
    /// Messages nested deeper than the codec follows.
    #[error("protobuf messages nested deeper than {0} levels")]
    TooDeep(usize),
    /// The target type rejected the decoded value (serde's message).
    #[error("{0}")]
    Custom(String),
}

impl serde::de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self::Custom(msg.to_string())
    }
}

impl serde::ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self::Custom(msg.to_string())
    }
}
