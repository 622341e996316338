//! The message tables build.rs generates from the vendored `.proto` files and Go sources, and
//! the look-ups over them.

/// `u16::MAX`: no field has that number.
pub(crate) const NONE: u16 = u16::MAX;

/// A field's protobuf type: a scalar, or a message by its index in [`MESSAGES`]. The whole
/// scalar set of proto2 (Kubernetes' files use a few of them).
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Double,
    Float,
    Int64,
    Uint64,
    Int32,
    Fixed64,
    Fixed32,
    Bool,
    String,
    Bytes,
    Uint32,
    Sfixed32,
    Sfixed64,
    Sint32,
    Sint64,
    Message(u16),
}

/// How a message looks in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An object whose keys are the fields' JSON names.
    Plain,
    /// `meta.v1.Time{seconds, nanos}`: an RFC 3339 string with second precision; zero is null.
    Time,
    /// `meta.v1.MicroTime`: RFC 3339 with six fractional digits; zero is null.
    MicroTime,
    /// `meta.v1.Duration{duration}`: Go's duration string (`1h2m3s`).
    Duration,
    /// `resource.Quantity{string}`: the string.
    Quantity,
    /// `intstr.IntOrString{type, intVal, strVal}`: a number or a string.
    IntOrString,
    /// A message whose field 1 holds JSON bytes (`RawExtension`, `FieldsV1`, apiextensions
    /// `JSON`): the embedded JSON value.
    RawJson,
    /// A Go named slice (`type ExtraValue []string`): the plain array of field 1.
    NamedSlice,
    /// apiextensions `JSONSchemaPropsOrBool{allows=1, schema=2}`: the schema or the bool.
    OrBool,
    /// apiextensions `JSONSchemaPropsOrArray{schema=1, jSONSchemas=2}`: a schema or an array.
    OrArray,
    /// apiextensions `JSONSchemaPropsOrStringArray{schema=1, property=2}`.
    OrStringArray,
}

/// One field of a message.
#[derive(Debug)]
pub(crate) struct Field {
    pub number: u32,
    /// The JSON name (from the Go struct tag).
    pub json: &'static str,
    /// The type, or for a map the value's type.
    pub ty: Ty,
    /// A `map<K, V>` field: the key's type.
    pub map_key: Option<Ty>,
    pub repeated: bool,
    /// A non-pointer Go field tagged `omitempty`: Go writes its zero value on the wire but
    /// leaves it out of JSON, so a zero read from the wire is left out too.
    pub omit_zero: bool,
    /// `json:",inline"`: the sub-message's fields are keys of this object.
    pub inline: bool,
}

/// Where a JSON key of a message lives: a field of the message, or of an inlined sub-message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JsonKey {
    /// The chain of inlined fields from the outer message (each an index in its message's
    /// `fields`); empty for a field of the message itself.
    pub inline: &'static [u16],
    /// The field's index in the innermost message.
    pub field: u16,
}

/// One message of the generated table.
#[derive(Debug)]
pub(crate) struct Message {
    /// The full protobuf name (`k8s.io.api.core.v1.Pod`).
    pub name: &'static str,
    pub kind: Kind,
    pub fields: &'static [Field],
    /// Field number → index in `fields` ([`NONE`] for none).
    pub by_number: &'static [u16],
    /// JSON keys, sorted.
    pub by_json: &'static [(&'static str, JsonKey)],
}

include!(concat!(env!("OUT_DIR"), "/schema.rs"));

impl Message {
    /// The field with this number.
    #[inline]
    pub(crate) fn field(&self, number: u64) -> Option<&'static Field> {
        let i = *self.by_number.get(usize::try_from(number).ok()?)?;
        self.fields.get(usize::from(i))
    }

    /// Where a JSON key is encoded.
    pub(crate) fn json_key(&self, key: &str) -> Option<JsonKey> {
        self.by_json
            .binary_search_by(|(k, _)| (*k).cmp(key))
            .ok()
            .map(|i| self.by_json[i].1)
    }
}

/// The message at a table index.
#[inline]
pub(crate) fn message(index: u16) -> &'static Message {
    &MESSAGES[usize::from(index)]
}

/// The message of a kind, as the envelope names it: its group-version's package, or for the
/// kinds every group-version shares (`Status`, `WatchEvent`, `DeleteOptions`, …) meta.k8s.io/v1.
pub(crate) fn kind_message(api_version: &str, kind: &str) -> Option<&'static Message> {
    let find = |av: &str| {
        KINDS
            .binary_search_by(|(a, k, _)| (*a, *k).cmp(&(av, kind)))
            .ok()
            .map(|i| message(KINDS[i].2))
    };
    find(api_version).or_else(|| find("meta.k8s.io/v1"))
}
