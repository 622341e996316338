//! Kubernetes protobuf (`application/vnd.kubernetes.protobuf`) for every built-in kind, as a
//! serde codec over k8s-openapi's types.
//!
//! The mapping comes from Kubernetes' own `generated.proto` files (k8s.io/api,
//! k8s.io/apimachinery, apiextensions-apiserver and kube-aggregator at the tag k8s-openapi's
//! `v1_33` matches, vendored under `vendor/`), compiled at build time with protox, joined with
//! the Go struct tags next to them for what the `.proto` files do not carry: JSON names,
//! `omitempty` and pointer fields (Go writes non-pointer zero values on the wire but leaves
//! them out of JSON), inlined structs and named slices.
//!
//! - [`decode_object`] / [`decode_list`] / [`decode_status`] read an encoded object straight
//!   into `Pod`, `List<Pod>`, `Status`, `serde_json::Value` … with no intermediate tree;
//! - [`encode_object`] / [`encode_value`] / [`encode_as`] write any `Serialize` value, and
//!   [`JsonText`] streams JSON text into them without building a tree;
//! - [`ENCODED_OBJECT`] / [`EncodedObject`] let a type keep an object's message undecoded
//!   wherever it sits (a list's item, a watch event's object);
//! - [`split_list`] cuts an encoded list into its items' bare messages without decoding
//!   them, and [`ObjectType`] decodes such a message later (a cache of the server's bytes);
//!   [`ListSplitter`] does the same to a list still arriving, chunk by chunk;
//! - [`FrameReader`] / [`FrameDecoder`] split `;stream=watch` bodies into frames and
//!   [`decode_watch_event`] turns a frame into `WatchEvent<T>`.
//!
//! ```
//! use k8s_openapi::api::core::v1::Pod;
//!
//! let mut pod = Pod::default();
//! pod.metadata.name = Some("web".into());
//! let bytes = kclient_protobuf::encode_object(&pod).unwrap();
//! assert!(bytes.starts_with(kclient_protobuf::MAGIC));
//! let back: Pod = kclient_protobuf::decode_object(&bytes).unwrap();
//! assert_eq!(back, pod);
//! ```

mod de;
mod encoded;
mod envelope;
mod error;
mod item;
mod json_text;
mod list_stream;
mod rfc3339;
mod schema;
mod ser;
mod special;
mod watch;
mod wire;

pub use encoded::{ENCODED_OBJECT, EncodedObject};
pub use envelope::{
    Envelope, MAGIC, decode_list, decode_object, decode_status, encode_as, encode_list_of_encoded,
    encode_object, encode_value, has_kind,
};
pub use error::Error;
pub use item::{ItemDecoder, ListParts, ObjectType, split_list};
pub use json_text::JsonText;
pub use list_stream::ListSplitter;
pub use watch::{
    DEFAULT_MAX_FRAME, FrameDecoder, FrameReader, decode_watch_event, encode_watch_event,
    encode_watch_frame,
};

/// The media type of Kubernetes protobuf.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The media type of a protobuf watch stream.
pub const WATCH_CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf;stream=watch";

#[cfg(test)]
mod tests;
