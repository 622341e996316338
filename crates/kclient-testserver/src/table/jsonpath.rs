//! The simple JSONPath subset CRD `additionalPrinterColumns` use: `.a.b`, `['a.b']`, `[0]`,
//! `[-1]`, `[*]` / `.*`, and filters `[?(@.type=="Ready")]` (`==`, `!=`, `<`, `<=`, `>`, `>=`,
//! or bare existence `[?(@.field)]`), optionally wrapped in `{}` and prefixed with `$`.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Field(String),
    Index(i64),
    Wildcard,
    Filter {
        path: Vec<String>,
        cmp: Option<(Op, Value)>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A parsed JSONPath expression.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonPath(Vec<Step>);

impl JsonPath {
    /// Parses `expr`; the error says what was not understood.
    pub fn parse(expr: &str) -> Result<Self, String> {
        let mut s = expr.trim();
        if let Some(inner) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            s = inner.trim();
        }
        s = s.strip_prefix('$').unwrap_or(s);
        let chars: Vec<char> = s.chars().collect();
        let mut steps = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '.' => {
                    let start = i + 1;
                    let mut end = start;
                    while end < chars.len() && chars[end] != '.' && chars[end] != '[' {
                        end += 1;
                    }
                    let name: String = chars[start..end].iter().collect();
                    match name.as_str() {
                        "" if end == chars.len() && steps.is_empty() => {}
                        "" => return Err(format!("empty field name in {expr:?}")),
                        "*" => steps.push(Step::Wildcard),
                        _ => steps.push(Step::Field(name)),
                    }
                    i = end;
                }
                '[' => {
                    let end = closing_bracket(&chars, i)
                        .ok_or_else(|| format!("unclosed '[' in {expr:?}"))?;
                    let inner: String = chars[i + 1..end].iter().collect();
                    steps
                        .push(parse_bracket(inner.trim()).map_err(|e| format!("{e} in {expr:?}"))?);
                    i = end + 1;
                }
                c => return Err(format!("unexpected {c:?} in {expr:?}")),
            }
        }
        Ok(JsonPath(steps))
    }

    /// Every value the path selects in `root`, in document order.
    pub fn find<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        let mut current = vec![root];
        for step in &self.0 {
            let mut next = Vec::new();
            for v in current {
                match step {
                    Step::Field(name) => next.extend(v.get(name.as_str())),
                    Step::Index(idx) => {
                        if let Some(items) = v.as_array() {
                            let pos = if *idx < 0 {
                                items.len() as i64 + idx
                            } else {
                                *idx
                            };
                            next.extend(usize::try_from(pos).ok().and_then(|p| items.get(p)));
                        }
                    }
                    Step::Wildcard => match v {
                        Value::Array(items) => next.extend(items.iter()),
                        Value::Object(map) => next.extend(map.values()),
                        _ => {}
                    },
                    Step::Filter { path, cmp } => {
                        let items: Vec<&Value> = match v {
                            Value::Array(items) => items.iter().collect(),
                            Value::Object(map) => map.values().collect(),
                            _ => Vec::new(),
                        };
                        next.extend(
                            items
                                .into_iter()
                                .filter(|item| filter_matches(item, path, cmp.as_ref())),
                        );
                    }
                }
            }
            current = next;
        }
        current
    }
}

fn closing_bracket(chars: &[char], open: usize) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut depth = 0;
    for (i, &c) in chars.iter().enumerate().skip(open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn parse_bracket(inner: &str) -> Result<Step, String> {
    if inner == "*" {
        return Ok(Step::Wildcard);
    }
    if let Some(name) = unquote(inner) {
        return Ok(Step::Field(name.to_string()));
    }
    if let Some(filter) = inner.strip_prefix("?(").and_then(|r| r.strip_suffix(')')) {
        return parse_filter(filter.trim());
    }
    inner
        .parse::<i64>()
        .map(Step::Index)
        .map_err(|_| format!("unsupported subscript [{inner}]"))
}

fn unquote(s: &str) -> Option<&str> {
    s.strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .or_else(|| s.strip_prefix('"').and_then(|r| r.strip_suffix('"')))
}

fn parse_filter(filter: &str) -> Result<Step, String> {
    const OPS: [(&str, Op); 6] = [
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];
    let found = OPS
        .iter()
        .filter_map(|(tok, op)| filter.find(tok).map(|pos| (pos, *tok, *op)))
        .min_by_key(|f| f.0);
    let (lhs, cmp) = match found {
        Some((pos, tok, op)) => {
            let rhs = filter[pos + tok.len()..].trim();
            let literal = match unquote(rhs) {
                Some(s) => Value::String(s.to_string()),
                None => serde_json::from_str(rhs)
                    .map_err(|_| format!("unsupported filter value {rhs}"))?,
            };
            (filter[..pos].trim(), Some((op, literal)))
        }
        None => (filter, None),
    };
    let rest = lhs
        .strip_prefix('@')
        .ok_or_else(|| format!("filter must start with @: {lhs}"))?;
    let path: Vec<String> = rest
        .split('.')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    Ok(Step::Filter { path, cmp })
}

fn filter_matches(item: &Value, path: &[String], cmp: Option<&(Op, Value)>) -> bool {
    let Some(value) = path.iter().try_fold(item, |v, key| v.get(key.as_str())) else {
        return false;
    };
    let Some((op, literal)) = cmp else {
        return true;
    };
    let ordering = match (value, literal) {
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (a, b) if a == b => Some(std::cmp::Ordering::Equal),
        _ => None,
    };
    match (op, ordering) {
        (Op::Ne, None) => true,
        (_, None) => false,
        (Op::Eq, Some(o)) => o.is_eq(),
        (Op::Ne, Some(o)) => o.is_ne(),
        (Op::Lt, Some(o)) => o.is_lt(),
        (Op::Le, Some(o)) => o.is_le(),
        (Op::Gt, Some(o)) => o.is_gt(),
        (Op::Ge, Some(o)) => o.is_ge(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn first(path: &str, doc: &Value) -> Option<Value> {
        JsonPath::parse(path)
            .expect("parse")
            .find(doc)
            .first()
            .map(|v| (*v).clone())
    }

    #[test]
    fn paths() {
        let doc = json!({
            "metadata": {"labels": {"app.kubernetes.io/name": "web"}},
            "spec": {"replicas": 3, "containers": [{"image": "a"}, {"image": "b"}]},
            "status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True", "n": 2}]}
        });
        assert_eq!(first(".spec.replicas", &doc), Some(json!(3)));
        assert_eq!(first("{.spec.replicas}", &doc), Some(json!(3)));
        assert_eq!(first("$.spec.containers[1].image", &doc), Some(json!("b")));
        assert_eq!(first(".spec.containers[-1].image", &doc), Some(json!("b")));
        assert_eq!(first(".spec.containers[*].image", &doc), Some(json!("a")));
        assert_eq!(
            first(".metadata.labels['app.kubernetes.io/name']", &doc),
            Some(json!("web"))
        );
        assert_eq!(
            first(r#".status.conditions[?(@.type=="Ready")].status"#, &doc),
            Some(json!("True"))
        );
        assert_eq!(
            first(".status.conditions[?(@.type == 'Synced')].status", &doc),
            Some(json!("False"))
        );
        assert_eq!(
            first(".status.conditions[?(@.n>1)].type", &doc),
            Some(json!("Ready"))
        );
        assert_eq!(
            first(".status.conditions[?(@.n)].type", &doc),
            Some(json!("Ready"))
        );
        assert_eq!(
            first(".status.conditions[?(@.type!='Synced')].type", &doc),
            Some(json!("Ready"))
        );
        assert_eq!(first(".spec.missing", &doc), None);
        assert_eq!(first(".spec.containers[5]", &doc), None);
        assert!(JsonPath::parse(".spec.[").is_err());
        assert!(JsonPath::parse(".spec..x").is_err());
        assert!(JsonPath::parse(".spec[1:2]").is_err());
    }
}
