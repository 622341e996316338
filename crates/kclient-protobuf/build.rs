//! Compiles the vendored Kubernetes `.proto` files with protox (pure Rust, no `protoc`) and
//! joins each message with its Go struct (vendored `types*.go`) into the static tables the
//! codec walks: field number → JSON name, wire type, repetition, map key, message index, and
//! whether a zero value is omitted (a non-pointer `omitempty` field) or inlined.

#[path = "build/go.rs"]
mod go;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use prost_types::DescriptorProto;
use prost_types::field_descriptor_proto::{Label, Type};

use go::GoPackage;

/// Messages whose Go types marshal their own JSON: how each one looks in JSON is code in
/// apimachinery (`MarshalJSON`), so it is named here and implemented in `src/special.rs`.
const SPECIAL: &[(&str, &str)] = &[
    ("k8s.io.apimachinery.pkg.apis.meta.v1.Time", "Time"),
    (
        "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime",
        "MicroTime",
    ),
    ("k8s.io.apimachinery.pkg.apis.meta.v1.Duration", "Duration"),
    ("k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1", "RawJson"),
    ("k8s.io.apimachinery.pkg.api.resource.Quantity", "Quantity"),
    (
        "k8s.io.apimachinery.pkg.api.resource.QuantityValue",
        "Quantity",
    ),
    (
        "k8s.io.apimachinery.pkg.util.intstr.IntOrString",
        "IntOrString",
    ),
    ("k8s.io.apimachinery.pkg.runtime.RawExtension", "RawJson"),
    (
        "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON",
        "RawJson",
    ),
    (
        "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool",
        "OrBool",
    ),
    (
        "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray",
        "OrArray",
    ),
    (
        "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray",
        "OrStringArray",
    ),
];

fn protos(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            protos(&path, root, out);
        } else if path.file_name().is_some_and(|n| n == "generated.proto") {
            out.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

fn go_package(dir: &Path) -> GoPackage {
    let mut pkg = GoPackage::default();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        if file.extension().is_some_and(|e| e == "go") {
            pkg.read(&std::fs::read_to_string(&file).unwrap());
        }
    }
    pkg
}

struct Msg<'a> {
    full: String,
    desc: &'a DescriptorProto,
    /// The proto file's directory, the key of its Go package.
    dir: String,
}

fn collect<'a>(dir: &str, prefix: &str, out: &mut Vec<Msg<'a>>, desc: &'a [DescriptorProto]) {
    for m in desc {
        let full = format!("{prefix}.{}", m.name());
        out.push(Msg {
            full: full.clone(),
            desc: m,
            dir: dir.to_string(),
        });
        collect(dir, &full, out, &m.nested_type);
    }
}

fn scalar(t: Type) -> &'static str {
    match t {
        Type::Double => "Double",
        Type::Float => "Float",
        Type::Int64 => "Int64",
        Type::Uint64 => "Uint64",
        Type::Int32 | Type::Enum => "Int32",
        Type::Fixed64 => "Fixed64",
        Type::Fixed32 => "Fixed32",
        Type::Bool => "Bool",
        Type::String => "String",
        Type::Bytes => "Bytes",
        Type::Uint32 => "Uint32",
        Type::Sfixed32 => "Sfixed32",
        Type::Sfixed64 => "Sfixed64",
        Type::Sint32 => "Sint32",
        Type::Sint64 => "Sint64",
        Type::Group | Type::Message => panic!("not a scalar"),
    }
}

/// The JSON keys an inlined sub-message (`json:",inline"`) contributes, through any depth of
/// inlining: `path` is the chain of inlined field indices from the outer message.
/// The Go struct of a message, following `type X otherpkg.Y` definitions.
fn go_struct<'a>(
    go: &'a HashMap<String, GoPackage>,
    dir: &str,
    name: &str,
) -> Option<&'a HashMap<u32, go::GoField>> {
    let pkg = go.get(dir)?;
    match pkg.aliases.get(name) {
        Some((path, target)) => go_struct(go, path, target),
        None => pkg.structs.get(name),
    }
}

fn inline_keys(
    by_name: &HashMap<&str, &Msg>,
    go: &HashMap<String, GoPackage>,
    sub: &Msg,
    path: &mut Vec<usize>,
    out: &mut Vec<(String, String)>,
) {
    let sub_struct = go_struct(go, &sub.dir, sub.desc.name());
    for (j, sf) in sub.desc.field.iter().enumerate() {
        let info = sub_struct
            .and_then(|s| s.get(&(sf.number() as u32)))
            .unwrap_or_else(|| panic!("{}.{} has no Go struct tag", sub.full, sf.name()));
        if info.inline {
            path.push(j);
            inline_keys(by_name, go, by_name[sf.type_name()], path, out);
            path.pop();
        } else {
            let p: Vec<String> = path.iter().map(ToString::to_string).collect();
            out.push((
                info.json.clone(),
                format!("JsonKey {{ inline: &[{}], field: {j} }}", p.join(", ")),
            ));
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("vendor");
    println!("cargo:rerun-if-changed=vendor");
    println!("cargo:rerun-if-changed=build/go.rs");
    let mut files = Vec::new();
    protos(&root, &root, &mut files);
    let set = protox::compile(&files, [&root]).expect("the vendored .proto files compile");

    let mut msgs = Vec::new();
    let mut go: HashMap<String, GoPackage> = HashMap::new();
    for file in &set.file {
        let dir = file
            .name()
            .rsplit_once('/')
            .map_or("", |(d, _)| d)
            .to_string();
        if !go.contains_key(&dir) {
            go.insert(dir.clone(), go_package(&root.join(&dir)));
        }
        collect(
            &dir,
            &format!(".{}", file.package()),
            &mut msgs,
            &file.message_type,
        );
    }
    let is_entry = |m: &Msg| {
        m.desc
            .options
            .as_ref()
            .and_then(|o| o.map_entry)
            .unwrap_or(false)
    };
    let by_name: HashMap<&str, &Msg> = msgs.iter().map(|m| (m.full.as_str(), m)).collect();
    let index: HashMap<&str, usize> = msgs
        .iter()
        .filter(|m| !is_entry(m))
        .enumerate()
        .map(|(i, m)| (m.full.as_str(), i))
        .collect();
    let special: HashMap<&str, &str> = SPECIAL.iter().copied().collect();

    let mut code = String::from("// @generated by build.rs from vendor/: do not edit.\n\n");
    let mut kinds: BTreeMap<(String, String), usize> = BTreeMap::new();
    let ty_of = |t: Type, type_name: &str| -> String {
        if t == Type::Message {
            format!("Ty::Message({})", index[type_name])
        } else {
            format!("Ty::{}", scalar(t))
        }
    };
    writeln!(code, "pub(crate) static MESSAGES: &[Message] = &[").unwrap();
    for m in msgs.iter().filter(|m| !is_entry(m)) {
        let name = &m.full[1..];
        let pkg = &go[&m.dir];
        let short = m.desc.name();
        let go_struct = go_struct(&go, &m.dir, short);
        let kind = special
            .get(name)
            .copied()
            .unwrap_or(if pkg.slices.contains(short) {
                "NamedSlice"
            } else {
                "Plain"
            });
        if let Some(group) = &pkg.group {
            let version = name.rsplit('.').nth(1).unwrap();
            let api_version = if group.is_empty() {
                version.to_string()
            } else {
                format!("{group}/{version}")
            };
            kinds.insert((api_version, short.to_string()), index[m.full.as_str()]);
        }
        let mut fields = String::new();
        let mut numbers = Vec::new();
        let mut json_keys: Vec<(String, String)> = Vec::new();
        for (i, f) in m.desc.field.iter().enumerate() {
            let info = go_struct.and_then(|s| s.get(&(f.number() as u32)));
            if info.is_none() && kind == "Plain" {
                panic!(
                    "{name}.{} (field {}) has no Go struct tag in vendor/{}",
                    f.name(),
                    f.number(),
                    m.dir
                );
            }
            let json = info.map_or_else(|| f.name().to_string(), |g| g.json.clone());
            let repeated = f.label() == Label::Repeated;
            let entry = (f.r#type() == Type::Message)
                .then(|| by_name[f.type_name()])
                .filter(|e| is_entry(e));
            let (ty, map_key) = match entry {
                Some(e) => {
                    let key = &e.desc.field[0];
                    let value = &e.desc.field[1];
                    (
                        ty_of(value.r#type(), value.type_name()),
                        format!("Some(Ty::{})", scalar(key.r#type())),
                    )
                }
                None => (ty_of(f.r#type(), f.type_name()), "None".to_string()),
            };
            let scalar_field = f.r#type() != Type::Message;
            let omit_zero =
                info.is_some_and(|g| g.omitempty && !g.pointer) && scalar_field && !repeated;
            let inline = info.is_some_and(|g| g.inline);
            writeln!(
                fields,
                "Field {{ number: {}, json: {json:?}, ty: {ty}, map_key: {map_key}, repeated: {repeated}, omit_zero: {omit_zero}, inline: {inline} }},",
                f.number()
            )
            .unwrap();
            let n = f.number() as usize;
            if numbers.len() <= n {
                numbers.resize(n + 1, "NONE".to_string());
            }
            numbers[n] = i.to_string();
            if inline {
                inline_keys(
                    &by_name,
                    &go,
                    by_name[f.type_name()],
                    &mut vec![i],
                    &mut json_keys,
                );
            } else if !json.is_empty() {
                json_keys.push((json, format!("JsonKey {{ inline: &[], field: {i} }}")));
            }
        }
        json_keys.sort();
        json_keys.dedup_by(|a, b| a.0 == b.0);
        writeln!(
            code,
            "Message {{ name: {name:?}, kind: Kind::{kind}, fields: &[{fields}], by_number: &[{}], by_json: &[{}] }},",
            numbers.join(", "),
            json_keys.iter().map(|(k, v)| format!("({k:?}, {v})")).collect::<Vec<_>>().join(", ")
        )
        .unwrap();
    }
    writeln!(code, "];\n").unwrap();
    writeln!(code, "pub(crate) static KINDS: &[(&str, &str, u16)] = &[").unwrap();
    for ((api_version, kind), i) in &kinds {
        writeln!(code, "({api_version:?}, {kind:?}, {i}),").unwrap();
    }
    writeln!(code, "];").unwrap();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("schema.rs");
    std::fs::write(out, code).unwrap();
}
