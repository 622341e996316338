//! JSON → typed → protobuf → typed → JSON gives the same document, for every built-in kind
//! of kclient-core's table (objects, their lists, create-only kinds and subresource bodies),
//! with documents generated from each kind's message so that every field gets exercised.

use base64::Engine as _;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::schema::{Kind, Message, Ty, kind_message, message};

/// A small deterministic generator (xorshift64*).
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const MAX_DEPTH: usize = 5;

fn scalar(ty: Ty, rng: &mut Rng, nonzero: bool) -> Value {
    let n = rng.below(1000) as i64 + i64::from(nonzero);
    match ty {
        Ty::String => json!(format!("s{}-é", rng.below(1000))),
        Ty::Bytes => json!(base64::engine::general_purpose::STANDARD.encode(n.to_le_bytes())),
        Ty::Bool => json!(nonzero || rng.below(2) == 1),
        Ty::Double | Ty::Float => json!(n as f64 + 0.5),
        Ty::Int32 | Ty::Sint32 | Ty::Sfixed32 => json!(if rng.below(4) == 0 { -n } else { n }),
        Ty::Int64 | Ty::Sint64 | Ty::Sfixed64 => json!(n * 1_000_000_007),
        _ => json!(n),
    }
}

/// A JSON value for a message: every field present with some probability.
pub(crate) fn sample(msg: &Message, rng: &mut Rng, depth: usize) -> Value {
    let sub = |n: u64| match msg.field(n).map(|f| f.ty) {
        Some(Ty::Message(i)) => message(i),
        _ => panic!("{} has no message field {n}", msg.name),
    };
    match msg.kind {
        Kind::Time => json!(format!("20{:02}-01-02T03:04:05Z", 10 + rng.below(80))),
        Kind::MicroTime => json!(format!("2024-01-02T03:04:05.{:06}Z", rng.below(999_999))),
        Kind::Duration => json!(format!("{}m30s", 1 + rng.below(50))),
        Kind::Quantity => json!(["100m", "1Gi", "2", "1.5", "500Mi"][rng.below(5) as usize]),
        Kind::IntOrString => {
            if rng.below(2) == 0 {
                json!(rng.below(65535) as i64 + 1)
            } else {
                json!("http")
            }
        }
        Kind::RawJson => json!({"a": [1, "x", {"b": null}], "c": true}),
        Kind::NamedSlice => json!(["a", "b"]),
        Kind::OrBool if depth >= MAX_DEPTH || rng.below(2) == 0 => json!(rng.below(2) == 0),
        Kind::OrBool => sample(sub(2), rng, depth + 1),
        Kind::OrArray if depth >= MAX_DEPTH || rng.below(2) == 0 => {
            json!([sample(sub(1), rng, depth.max(MAX_DEPTH) + 1)])
        }
        Kind::OrArray => sample(sub(1), rng, depth + 1),
        Kind::OrStringArray if depth >= MAX_DEPTH || rng.below(2) == 0 => json!(["x", "y"]),
        Kind::OrStringArray => sample(sub(1), rng, depth + 1),
        Kind::Plain => {
            let mut out = Map::new();
            fields(msg, rng, depth, &mut out);
            Value::Object(out)
        }
    }
}

fn fields(msg: &Message, rng: &mut Rng, depth: usize, out: &mut Map<String, Value>) {
    for f in msg.fields {
        let nested = matches!(f.ty, Ty::Message(i) if message(i).kind == Kind::Plain);
        // k8s-openapi has no default for a time, so required times are always there.
        let time = matches!(f.ty, Ty::Message(i) if matches!(message(i).kind, Kind::Time | Kind::MicroTime));
        // Schemas nest through their `OrArray`/`OrBool` fields too; past twice the depth
        // nothing nests any more, so a document stays far inside the codec's depth limit.
        let any_message = matches!(f.ty, Ty::Message(_)) && !time;
        if (nested && depth >= MAX_DEPTH)
            || (any_message && depth >= 2 * MAX_DEPTH)
            || (!time && rng.below(10) < 2)
        {
            continue;
        }
        if f.inline {
            let Ty::Message(i) = f.ty else { unreachable!() };
            fields(message(i), rng, depth, out);
            continue;
        }
        let one = |rng: &mut Rng| match f.ty {
            Ty::Message(i) => sample(message(i), rng, depth + 1),
            ty => scalar(ty, rng, f.omit_zero),
        };
        let value = if f.map_key.is_some() {
            let mut m = Map::new();
            for k in 0..1 + rng.below(2) {
                m.insert(format!("k{k}"), one(rng));
            }
            Value::Object(m)
        } else if f.repeated {
            Value::Array((0..1 + rng.below(2)).map(|_| one(rng)).collect())
        } else {
            one(rng)
        };
        out.insert(f.json.to_string(), value);
    }
}

fn round_trip<T>(seed: u64)
where
    T: k8s_openapi::Resource + Serialize + DeserializeOwned,
{
    let msg = kind_message(T::API_VERSION, T::KIND)
        .unwrap_or_else(|| panic!("no message for {} {}", T::API_VERSION, T::KIND));
    let mut doc = sample(msg, &mut Rng::new(seed), 0);
    doc["apiVersion"] = json!(T::API_VERSION);
    doc["kind"] = json!(T::KIND);
    let typed: T = serde_json::from_value(doc.clone())
        .unwrap_or_else(|e| panic!("{} {}: {e}\n{doc:#}", T::API_VERSION, T::KIND));
    let json = serde_json::to_value(&typed).unwrap();
    let bytes = crate::encode_object(&typed).unwrap();
    let back: T = crate::decode_object(&bytes)
        .unwrap_or_else(|e| panic!("{} {}: {e}", T::API_VERSION, T::KIND));
    assert_eq!(
        serde_json::to_value(&back).unwrap(),
        json,
        "{} {}",
        T::API_VERSION,
        T::KIND
    );
    // The untyped path the test server uses: JSON value in, JSON value out.
    let from_value = crate::encode_value(&json).unwrap();
    let back: T = crate::decode_object(&from_value).unwrap();
    assert_eq!(
        serde_json::to_value(&back).unwrap(),
        json,
        "{} {} (Value)",
        T::API_VERSION,
        T::KIND
    );
}

macro_rules! every_kind_table {
    ($($method:ident => $client:ident, $informers:ident ($($module:ident)::+) {
        namespaced: [$($n:ident : $nt:ident),* $(,)?],
        cluster: [$($c:ident : $ct:ident),* $(,)?],
        create_namespaced: [$($cn:ident : $cnt:ident),* $(,)?],
        create_cluster: [$($cc:ident : $cct:ident),* $(,)?],
        subresources: [$($st:ident),* $(,)?] $(,)?
    }),+ $(,)?) => {
        /// Round-trips one generated document of every kind; returns how many kinds.
        fn every_kind(seed: u64) -> usize {
            use k8s_openapi::List;
            let mut kinds = 0;
            $({
                use k8s_openapi::$($module)::+ as gv;
                $(
                    round_trip::<gv::$nt>(seed);
                    round_trip::<List<gv::$nt>>(seed);
                    kinds += 2;
                )*
                $(
                    round_trip::<gv::$ct>(seed);
                    round_trip::<List<gv::$ct>>(seed);
                    kinds += 2;
                )*
                $( round_trip::<gv::$cnt>(seed); kinds += 1; )*
                $( round_trip::<gv::$cct>(seed); kinds += 1; )*
                $( round_trip::<gv::$st>(seed); kinds += 1; )*
            })+
            kinds
        }
    };
}

kclient_core::builtin_group_versions!(every_kind_table);

#[test]
fn every_builtin_kind_round_trips() {
    let kinds = every_kind(1);
    assert!(kinds > 150, "{kinds} kinds");
}

#[test]
fn status_and_meta_kinds_round_trip() {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIResourceList, Status};
    for seed in 1..20 {
        round_trip::<Status>(seed);
        round_trip::<APIResourceList>(seed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn every_builtin_kind_round_trips_for_any_document(seed in any::<u64>()) {
        every_kind(seed);
    }
}
