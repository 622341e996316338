//! What build.rs reads from the vendored Go API sources: the facts a `.proto` file does not
//! carry (JSON names, `omitempty`, pointers, inlined structs, named slices, group names).

use std::collections::{HashMap, HashSet};

/// One struct field that has a `protobuf:"…"` tag.
#[derive(Debug, Clone)]
pub struct GoField {
    /// The JSON name (`json:"name,…"`); empty for an inlined struct.
    pub json: String,
    /// `omitempty` in the JSON tag.
    pub omitempty: bool,
    /// A Go pointer (`*T`): written on the wire only when set, so a zero value is meaningful.
    pub pointer: bool,
    /// `json:",inline"`: the sub-message's fields appear in this object's JSON.
    pub inline: bool,
}

/// The Go facts of one package.
#[derive(Debug, Default)]
pub struct GoPackage {
    /// `const GroupName = "…"` from register.go.
    pub group: Option<String>,
    /// Struct name → protobuf field number → field.
    pub structs: HashMap<String, HashMap<u32, GoField>>,
    /// `type X []T`: a message wrapping a Go slice, whose JSON is the plain array.
    pub slices: HashSet<String>,
    /// `type X pkg.Y`: a struct defined as another package's (import path, type name).
    pub aliases: HashMap<String, (String, String)>,
}

fn tag_value<'a>(tag: &'a str, key: &str) -> Option<&'a str> {
    let start = tag.find(&format!("{key}:\""))? + key.len() + 2;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// `alias "path"` or `"path"` from an import block: (the name it is used by, the path).
fn import(line: &str) -> Option<(String, String)> {
    let (alias, quoted) = match line.split_once(' ') {
        Some((a, q)) => (Some(a), q.trim()),
        None => (None, line),
    };
    let path = quoted.strip_prefix('"')?.strip_suffix('"')?;
    let alias = alias.unwrap_or_else(|| path.rsplit('/').next().unwrap_or(path));
    Some((alias.to_string(), path.to_string()))
}

impl GoPackage {
    /// Reads one Go source file into this package.
    pub fn read(&mut self, source: &str) {
        let mut current: Option<String> = None;
        let mut imports: HashMap<String, String> = HashMap::new();
        let mut in_imports = false;
        for line in source.lines() {
            let trimmed = line.trim();
            if trimmed == "import (" {
                in_imports = true;
                continue;
            }
            if in_imports {
                if trimmed == ")" {
                    in_imports = false;
                } else if let Some((alias, path)) = import(trimmed) {
                    imports.insert(alias, path);
                }
                continue;
            }
            if let Some((alias, path)) = trimmed.strip_prefix("import ").and_then(import) {
                imports.insert(alias, path);
                continue;
            }
            if let Some(rest) = trimmed
                .strip_prefix("GroupName = \"")
                .or_else(|| trimmed.strip_prefix("const GroupName = \""))
            {
                if let Some(end) = rest.find('"') {
                    self.group = Some(rest[..end].to_string());
                }
            }
            if let Some(rest) = line.strip_prefix("type ") {
                let mut words = rest.split_whitespace();
                let (Some(name), Some(ty)) = (words.next(), words.next()) else {
                    continue;
                };
                if ty == "struct" && rest.trim_end().ends_with('{') {
                    current = Some(name.to_string());
                    self.structs.entry(name.to_string()).or_default();
                } else if ty.starts_with("[]") {
                    self.slices.insert(name.to_string());
                } else if let Some((pkg, target)) = ty.split_once('.') {
                    if let Some(path) = imports.get(pkg) {
                        self.aliases
                            .insert(name.to_string(), (path.clone(), target.to_string()));
                    }
                }
                continue;
            }
            if line.starts_with('}') {
                current = None;
                continue;
            }
            let Some(name) = &current else { continue };
            if trimmed.starts_with("//") {
                continue;
            }
            let (Some(open), Some(close)) = (trimmed.find('`'), trimmed.rfind('`')) else {
                continue;
            };
            if open == close {
                continue;
            }
            let tag = &trimmed[open + 1..close];
            let Some(proto) = tag_value(tag, "protobuf") else {
                continue;
            };
            let Some(number) = proto.split(',').nth(1).and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let decl: Vec<&str> = trimmed[..open].split_whitespace().collect();
            let ty = decl.get(1).or(decl.first()).copied().unwrap_or("");
            let json = tag_value(tag, "json").unwrap_or("");
            let mut parts = json.split(',');
            let json_name = parts.next().unwrap_or("");
            let options: Vec<&str> = parts.collect();
            let inline = options.contains(&"inline");
            let json_name = if json_name.is_empty() && !inline {
                decl.first().copied().unwrap_or("").to_string()
            } else {
                json_name.to_string()
            };
            self.structs.entry(name.clone()).or_default().insert(
                number,
                GoField {
                    json: json_name,
                    omitempty: options.contains(&"omitempty"),
                    pointer: ty.starts_with('*'),
                    inline,
                },
            );
        }
    }
}
