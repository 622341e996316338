//! Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`) for the kinds
//! kubectl's typed clients send — `kubectl create configmap|secret|namespace|serviceaccount|
//! token|deployment|job|cronjob|service`, `kubectl run`, `kubectl auth can-i|whoami`,
//! evictions and delete options — decoded into the JSON the rest of the server works with.
//! Responses stay JSON (these clients accept it). Workload schemas are partial: they cover
//! the fields kubectl's generators set; other fields of those messages are skipped.
//!
//! The envelope is `k8s\0` + `runtime.Unknown{typeMeta=1{apiVersion=1, kind=2}, raw=2,
//! contentEncoding=3, contentType=4}`; `raw` is the object in the proto2 wire format with
//! the field numbers of Kubernetes' `generated.proto` files, listed in the tables below.

mod schema;

use base64::Engine as _;
use serde_json::{Map, Value};

use schema::{F, Ty, schema};

/// Why a protobuf body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ProtoError {
    /// Not a Kubernetes protobuf envelope, or a truncated/invalid wire encoding.
    #[error("invalid protobuf body: {0}")]
    Malformed(&'static str),
    /// A kind this server has no protobuf schema for.
    #[error("no protobuf schema for {0}")]
    UnsupportedKind(String),
}

enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, ProtoError> {
        let mut out = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self
                .buf
                .split_first()
                .ok_or(ProtoError::Malformed("truncated varint"))?;
            self.buf = rest;
            out |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(out);
            }
        }
        Err(ProtoError::Malformed("varint too long"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ProtoError> {
        if n > self.buf.len() {
            return Err(ProtoError::Malformed("truncated field"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn next(&mut self) -> Result<Option<(u64, Wire<'a>)>, ProtoError> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Wire::Fixed
            }
            2 => {
                let len = usize::try_from(self.varint()?)
                    .map_err(|_| ProtoError::Malformed("length overflow"))?;
                Wire::Bytes(self.take(len)?)
            }
            5 => {
                self.take(4)?;
                Wire::Fixed
            }
            _ => return Err(ProtoError::Malformed("unsupported wire type")),
        };
        Ok(Some((key >> 3, value)))
    }
}

fn text(bytes: &[u8]) -> Result<String, ProtoError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| ProtoError::Malformed("string is not UTF-8"))
}

/// `metav1.Time{seconds=1, nanos=2}` as RFC 3339 (`None` for the zero time).
fn time(bytes: &[u8]) -> Result<Option<Value>, ProtoError> {
    let mut r = Reader { buf: bytes };
    let mut seconds = 0i64;
    while let Some((num, w)) = r.next()? {
        if let (1, Wire::Varint(v)) = (num, w) {
            seconds = v as i64;
        }
    }
    if seconds == 0 {
        return Ok(None);
    }
    let ts = jiff::Timestamp::from_second(seconds)
        .map_err(|_| ProtoError::Malformed("time out of range"))?;
    Ok(Some(Value::String(
        ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )))
}

/// The `string=1` field of a `resource.Quantity`.
fn quantity(bytes: &[u8]) -> Result<String, ProtoError> {
    let mut r = Reader { buf: bytes };
    let mut out = String::new();
    while let Some((num, w)) = r.next()? {
        if let (1, Wire::Bytes(b)) = (num, w) {
            out = text(b)?;
        }
    }
    Ok(out)
}

fn int_or_string(bytes: &[u8]) -> Result<Value, ProtoError> {
    let mut r = Reader { buf: bytes };
    let (mut is_string, mut int, mut string) = (false, 0i64, String::new());
    while let Some((num, w)) = r.next()? {
        match (num, w) {
            (1, Wire::Varint(t)) => is_string = t == 1,
            (2, Wire::Varint(v)) => int = i64::from(v as i32),
            (3, Wire::Bytes(b)) => string = text(b)?,
            _ => {}
        }
    }
    Ok(if is_string {
        Value::String(string)
    } else {
        Value::from(int)
    })
}

fn map_entry(bytes: &[u8], ty: Ty) -> Result<(String, Value), ProtoError> {
    let mut r = Reader { buf: bytes };
    let (mut key, mut value) = (String::new(), Vec::new());
    while let Some((num, w)) = r.next()? {
        match (num, w) {
            (1, Wire::Bytes(b)) => key = text(b)?,
            (2, Wire::Bytes(b)) => value = b.to_vec(),
            _ => {}
        }
    }
    let value = match ty {
        Ty::MapBytes => Value::String(base64::engine::general_purpose::STANDARD.encode(&value)),
        Ty::MapQuantity => Value::String(quantity(&value)?),
        _ => Value::String(text(&value)?),
    };
    Ok((key, value))
}

fn message(bytes: &[u8], fields: &[F]) -> Result<Map<String, Value>, ProtoError> {
    let mut out = Map::new();
    let mut r = Reader { buf: bytes };
    while let Some((num, w)) = r.next()? {
        let Some(field) = fields.iter().find(|fl| fl.num == num) else {
            continue;
        };
        let value = match (field.ty, w) {
            (Ty::Str, Wire::Bytes(b)) => Some(Value::String(text(b)?)),
            (Ty::Int, Wire::Varint(v)) => Some(Value::from(v as i64)),
            (Ty::Bool, Wire::Varint(v)) => Some(Value::Bool(v != 0)),
            (Ty::Time, Wire::Bytes(b)) => time(b)?,
            (Ty::IntOrString, Wire::Bytes(b)) => Some(int_or_string(b)?),
            (Ty::FieldsV1, Wire::Bytes(b)) => {
                let mut inner = Reader { buf: b };
                let mut raw = None;
                while let Some((n, w)) = inner.next()? {
                    if let (1, Wire::Bytes(json)) = (n, w) {
                        raw = serde_json::from_slice(json).ok();
                    }
                }
                raw
            }
            (Ty::Msg(schema), Wire::Bytes(b)) => Some(Value::Object(message(b, schema)?)),
            (Ty::MapStr | Ty::MapBytes | Ty::MapQuantity, Wire::Bytes(b)) => {
                let (k, v) = map_entry(b, field.ty)?;
                let entry = out
                    .entry(field.name)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(m) = entry.as_object_mut() {
                    m.insert(k, v);
                }
                continue;
            }
            _ => return Err(ProtoError::Malformed("field has an unexpected wire type")),
        };
        let Some(value) = value else { continue };
        if field.repeated {
            if let Some(items) = out
                .entry(field.name)
                .or_insert_with(|| Value::Array(Vec::new()))
                .as_array_mut()
            {
                items.push(value);
            }
            continue;
        }
        // Go's JSON encoding leaves zero scalars out (omitempty); so does this decoding.
        let zero = !field.keep_zero
            && match &value {
                Value::String(s) => s.is_empty(),
                Value::Number(n) => n.as_i64() == Some(0),
                Value::Bool(b) => !b,
                _ => false,
            };
        if !zero {
            out.insert(field.name.to_string(), value);
        }
    }
    Ok(out)
}

/// Decodes a `k8s\0`-prefixed protobuf body into a JSON object with apiVersion and kind.
pub(crate) fn decode(body: &[u8]) -> Result<Value, ProtoError> {
    let envelope = body
        .strip_prefix(b"k8s\0")
        .ok_or(ProtoError::Malformed("missing k8s protobuf prefix"))?;
    let mut r = Reader { buf: envelope };
    let (mut api_version, mut kind, mut raw) = (String::new(), String::new(), &[][..]);
    while let Some((num, w)) = r.next()? {
        match (num, w) {
            (1, Wire::Bytes(tm)) => {
                let mut t = Reader { buf: tm };
                while let Some((n, w)) = t.next()? {
                    match (n, w) {
                        (1, Wire::Bytes(b)) => api_version = text(b)?,
                        (2, Wire::Bytes(b)) => kind = text(b)?,
                        _ => {}
                    }
                }
            }
            (2, Wire::Bytes(b)) => raw = b,
            (3, Wire::Bytes(enc)) if !enc.is_empty() => {
                return Err(ProtoError::Malformed("content encodings are not supported"));
            }
            _ => {}
        }
    }
    let schema = schema(&api_version, &kind)
        .ok_or_else(|| ProtoError::UnsupportedKind(format!("{api_version}, Kind={kind}")))?;
    let mut obj = message(raw, schema)?;
    obj.insert("apiVersion".into(), Value::String(api_version));
    obj.insert("kind".into(), Value::String(kind));
    Ok(Value::Object(obj))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    fn bytes_field(num: u64, b: &[u8], out: &mut Vec<u8>) {
        varint(num << 3 | 2, out);
        varint(b.len() as u64, out);
        out.extend_from_slice(b);
    }

    fn entry(k: &str, v: &[u8]) -> Vec<u8> {
        let mut e = Vec::new();
        bytes_field(1, k.as_bytes(), &mut e);
        bytes_field(2, v, &mut e);
        e
    }

    fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let mut tm = Vec::new();
        bytes_field(1, api_version.as_bytes(), &mut tm);
        bytes_field(2, kind.as_bytes(), &mut tm);
        let mut body = b"k8s\0".to_vec();
        bytes_field(1, &tm, &mut body);
        bytes_field(2, raw, &mut body);
        bytes_field(3, b"", &mut body);
        bytes_field(4, b"", &mut body);
        body
    }

    #[test]
    fn decodes_a_secret_like_kubectl_sends_it() {
        let mut meta = Vec::new();
        bytes_field(1, b"s", &mut meta);
        bytes_field(2, b"", &mut meta);
        varint(7 << 3, &mut meta);
        varint(0, &mut meta);
        bytes_field(8, b"", &mut meta);
        bytes_field(11, &entry("app", b"x"), &mut meta);
        let mut raw = Vec::new();
        bytes_field(1, &meta, &mut raw);
        bytes_field(2, &entry("p", b"q"), &mut raw);
        bytes_field(3, b"Opaque", &mut raw);
        let v = decode(&envelope("v1", "Secret", &raw)).unwrap();
        assert_eq!(
            v,
            json!({"apiVersion": "v1", "kind": "Secret",
                   "metadata": {"name": "s", "labels": {"app": "x"}},
                   "data": {"p": "cQ=="}, "type": "Opaque"})
        );
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(decode(b"{}"), Err(ProtoError::Malformed(_))));
        assert!(matches!(
            decode(&envelope("apps/v1", "StatefulSet", &[])),
            Err(ProtoError::UnsupportedKind(_))
        ));
        let mut truncated = envelope("v1", "ConfigMap", &[]);
        truncated.extend_from_slice(&[0x12, 0x05, 0x01]);
        assert!(decode(&truncated).is_err());
        assert!(decode(b"k8s\0\x0f").is_err());
    }

    #[test]
    fn services_and_deployments() {
        let mut target = Vec::new();
        varint(2 << 3, &mut target);
        varint(8080, &mut target);
        let mut port = Vec::new();
        bytes_field(2, b"TCP", &mut port);
        varint(3 << 3, &mut port);
        varint(80, &mut port);
        bytes_field(4, &target, &mut port);
        let mut spec = Vec::new();
        bytes_field(1, &port, &mut spec);
        bytes_field(4, b"ClusterIP", &mut spec);
        let mut raw = Vec::new();
        bytes_field(2, &spec, &mut raw);
        let v = decode(&envelope("v1", "Service", &raw)).unwrap();
        assert_eq!(
            v["spec"],
            json!({"ports": [{"protocol": "TCP", "port": 80, "targetPort": 8080}], "type": "ClusterIP"})
        );
        let mut dspec = Vec::new();
        varint(1 << 3, &mut dspec);
        varint(0, &mut dspec);
        let mut raw = Vec::new();
        bytes_field(2, &dspec, &mut raw);
        let d = decode(&envelope("apps/v1", "Deployment", &raw)).unwrap();
        assert_eq!(
            d["spec"]["replicas"], 0,
            "pointer fields keep explicit zeros"
        );
    }

    #[test]
    fn time_and_lists() {
        let mut t = Vec::new();
        varint(1 << 3, &mut t);
        varint(1_700_000_000, &mut t);
        let mut meta = Vec::new();
        bytes_field(9, &t, &mut meta);
        bytes_field(14, b"a", &mut meta);
        bytes_field(14, b"b", &mut meta);
        let mut raw = Vec::new();
        bytes_field(1, &meta, &mut raw);
        let v = decode(&envelope("v1", "ConfigMap", &raw)).unwrap();
        assert_eq!(v["metadata"]["deletionTimestamp"], "2023-11-14T22:13:20Z");
        assert_eq!(v["metadata"]["finalizers"], json!(["a", "b"]));
    }
}
