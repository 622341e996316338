//! Cost of `x-kubernetes-validations` rules, after cel-go's cost model as kube-apiserver uses
//! it: every node costs (identifiers and field selections 1, literals 0, list literals 10,
//! map literals 30, most calls 1), string functions cost a tenth of the sizes they traverse,
//! `matches` the product of string and regex sizes, and a comprehension its per-iteration cost
//! times the size of its range.
//!
//! The sizes come from a [`Shape`]: built from the schema when a CRD is written (`maxLength`,
//! `maxItems`, `maxProperties`, or kube-apiserver's estimate of what fits in a 3 MiB request),
//! giving the static estimate that must stay under [`STATIC_LIMIT`] once multiplied by how
//! many times the rule can run (its cardinality); and built from the object when it is
//! validated, giving the cost each evaluation is charged against [`PER_CALL_LIMIT`] and the
//! object's [`RUNTIME_BUDGET`]. The runtime figure is the model applied to the actual sizes,
//! an upper bound of cel-go's tracked cost (which stops short-circuited branches early).

use std::collections::BTreeMap;

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};
use serde_json::{Map, Value};

/// kube-apiserver's largest estimated cost of one rule (`StaticEstimatedCostLimit`).
pub(super) const STATIC_LIMIT: u64 = 10_000_000;
/// The largest estimated cost of all the rules of a schema (`StaticEstimatedCRDCostLimit`).
pub(super) const STATIC_CRD_LIMIT: u64 = 100_000_000;
/// The largest cost of one evaluation (`PerCallLimit`).
pub(super) const PER_CALL_LIMIT: u64 = 1_000_000;
/// The cost all the rules of one custom resource may use (`RuntimeCELCostBudget`).
pub(super) const RUNTIME_BUDGET: u64 = 10_000_000;

/// The largest request kube-apiserver accepts, from which unbounded sizes are estimated.
const MAX_REQUEST_BYTES: u64 = 3 * 1024 * 1024;

/// The sizes of a value, or of every value a schema node allows: its length (string
/// characters, list items, map entries), its fields, and its items' or map values' shape.
#[derive(Clone, Debug, Default)]
pub(super) struct Shape {
    size: u64,
    fields: BTreeMap<String, Shape>,
    elem: Option<Box<Shape>>,
}

impl Shape {
    fn sized(size: u64) -> Shape {
        Shape {
            size,
            ..Shape::default()
        }
    }

    /// The larger of two shapes, field by field.
    fn merge(mut self, other: &Shape) -> Shape {
        self.size = self.size.max(other.size);
        for (k, v) in &other.fields {
            let merged = match self.fields.remove(k) {
                Some(mine) => mine.merge(v),
                None => v.clone(),
            };
            self.fields.insert(k.clone(), merged);
        }
        self.elem = match (self.elem.take(), &other.elem) {
            (Some(a), Some(b)) => Some(Box::new(a.merge(b))),
            (a, b) => a.or_else(|| b.clone()),
        };
        self
    }
}

fn uint(node: &Map<String, Value>, key: &str) -> Option<u64> {
    node.get(key).and_then(Value::as_u64)
}

/// The smallest JSON a node's values serialize to, as kube-apiserver estimates it.
fn min_json_size(node: &Map<String, Value>) -> u64 {
    match node.get("type").and_then(Value::as_str) {
        Some("boolean") => 4,
        Some("number" | "integer") => 1,
        Some("string" | "array") => 2,
        Some("object") => {
            let props = node.get("properties").and_then(Value::as_object);
            let required = node.get("required").and_then(Value::as_array);
            2 + required
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter_map(|name| {
                    let prop = props?.get(name)?.as_object()?;
                    (!prop.contains_key("default"))
                        .then(|| name.len() as u64 + min_json_size(prop) + 4)
                })
                .sum::<u64>()
        }
        _ => 1,
    }
}

/// How many items an array node may hold: `maxItems`, or as many of its smallest items as
/// fit in a request.
pub(super) fn max_items(node: &Map<String, Value>) -> u64 {
    uint(node, "maxItems").unwrap_or_else(|| {
        let min = node
            .get("items")
            .and_then(Value::as_object)
            .map_or(1, min_json_size);
        (MAX_REQUEST_BYTES - 2) / (min + 1)
    })
}

/// How many entries a map node may hold: `maxProperties`, or as many of its smallest entries
/// as fit in a request.
pub(super) fn max_properties(node: &Map<String, Value>) -> u64 {
    uint(node, "maxProperties").unwrap_or_else(|| {
        let min = node
            .get("additionalProperties")
            .and_then(Value::as_object)
            .map_or(1, min_json_size);
        (MAX_REQUEST_BYTES - 2) / (min + 6)
    })
}

/// The shape of every value `node` allows.
pub(super) fn schema_shape(node: &Map<String, Value>) -> Shape {
    let mut shape = Shape::default();
    match node.get("type").and_then(Value::as_str) {
        Some("string") => {
            shape.size = uint(node, "maxLength").unwrap_or(
                match node.get("format").and_then(Value::as_str) {
                    Some("date") => 10,
                    Some("date-time") => 32,
                    Some("duration") => 64,
                    _ => MAX_REQUEST_BYTES - 2,
                },
            );
        }
        Some("array") => {
            shape.size = max_items(node);
            shape.elem = node
                .get("items")
                .and_then(Value::as_object)
                .map(|items| Box::new(schema_shape(items)));
        }
        _ => {
            if let Some(props) = node.get("properties").and_then(Value::as_object) {
                shape.fields = props
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), schema_shape(v.as_object()?))))
                    .collect();
            }
            if let Some(values) = node.get("additionalProperties").and_then(Value::as_object) {
                shape.size = max_properties(node);
                shape.elem = Some(Box::new(schema_shape(values)));
            }
            if node.get("x-kubernetes-int-or-string").is_some() {
                shape.size = MAX_REQUEST_BYTES - 2;
            }
        }
    }
    shape
}

/// The shape of one value (a list's items merged into one).
pub(super) fn value_shape(value: &Value) -> Shape {
    match value {
        Value::String(s) => Shape::sized(s.chars().count() as u64),
        Value::Array(items) => Shape {
            size: items.len() as u64,
            fields: BTreeMap::new(),
            elem: items
                .iter()
                .map(value_shape)
                .reduce(|a, b| a.merge(&b))
                .map(Box::new),
        },
        Value::Object(map) => Shape {
            size: map.len() as u64,
            fields: map
                .iter()
                .map(|(k, v)| (k.clone(), value_shape(v)))
                .collect(),
            elem: map
                .values()
                .map(value_shape)
                .reduce(|a, b| a.merge(&b))
                .map(Box::new),
        },
        _ => Shape::sized(1),
    }
}

/// The shape of a CEL value.
pub(super) fn cel_shape(value: &cel::Value) -> Shape {
    match value {
        cel::Value::String(s) => Shape::sized(s.chars().count() as u64),
        cel::Value::Bytes(b) => Shape::sized(b.len() as u64),
        cel::Value::List(items) => Shape {
            size: items.len() as u64,
            fields: BTreeMap::new(),
            elem: items
                .iter()
                .map(cel_shape)
                .reduce(|a, b| a.merge(&b))
                .map(Box::new),
        },
        cel::Value::Map(map) => Shape {
            size: map.map.len() as u64,
            fields: map
                .map
                .iter()
                .map(|(k, v)| (key_text(k), cel_shape(v)))
                .collect(),
            elem: map
                .map
                .values()
                .map(cel_shape)
                .reduce(|a, b| a.merge(&b))
                .map(Box::new),
        },
        _ => Shape::sized(1),
    }
}

fn key_text(key: &cel::objects::Key) -> String {
    match key {
        cel::objects::Key::String(s) => s.to_string(),
        other => format!("{other:?}"),
    }
}

/// A cost factor applied as cel-go does: rounded up.
fn factor(size: u64, f: f64) -> u64 {
    (size as f64 * f).ceil() as u64
}

/// The cost of `program` with `vars` of those shapes.
pub(super) fn cost(program: &cel::Program, vars: &[(&str, Shape)]) -> u64 {
    let mut coster = Coster {
        scopes: vars
            .iter()
            .map(|(n, s)| ((*n).to_owned(), Some(s.clone())))
            .collect(),
    };
    coster.cost(program.expression()).0
}

struct Coster {
    scopes: Vec<(String, Option<Shape>)>,
}

type Est = (u64, Option<Shape>);

impl Coster {
    fn cost(&mut self, e: &IdedExpr) -> Est {
        match &e.expr {
            Expr::Literal(LiteralValue::String(s)) => {
                (0, Some(Shape::sized(s.inner().chars().count() as u64)))
            }
            Expr::Literal(_) => (0, Some(Shape::sized(1))),
            Expr::Ident(name) => {
                let shape = self
                    .scopes
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .and_then(|(_, s)| s.clone());
                (1, shape)
            }
            Expr::Select(s) => {
                let (c, shape) = self.cost(&s.operand);
                let field = shape.and_then(|sh| {
                    sh.fields
                        .get(&s.field)
                        .cloned()
                        .or_else(|| sh.elem.map(|e| *e))
                });
                (c.saturating_add(1), if s.test { None } else { field })
            }
            Expr::List(l) => {
                let mut total = 10u64;
                let mut elem: Option<Shape> = None;
                for item in &l.elements {
                    let (c, s) = self.cost(item);
                    total = total.saturating_add(c);
                    if let Some(s) = s {
                        elem = Some(elem.map_or(s.clone(), |e| e.merge(&s)));
                    }
                }
                let shape = Shape {
                    size: l.elements.len() as u64,
                    fields: BTreeMap::new(),
                    elem: elem.map(Box::new),
                };
                (total, Some(shape))
            }
            Expr::Map(m) => {
                let mut total = 30u64;
                for entry in &m.entries {
                    if let EntryExpr::MapEntry(me) = &entry.expr {
                        total = total
                            .saturating_add(self.cost(&me.key).0)
                            .saturating_add(self.cost(&me.value).0);
                    }
                }
                (total, Some(Shape::sized(m.entries.len() as u64)))
            }
            Expr::Struct(_) => (40, None),
            Expr::Unspecified => (0, None),
            Expr::Comprehension(c) => {
                let (range_cost, range) = self.cost(&c.iter_range);
                let init = self.cost(&c.accu_init).0;
                let count = range.as_ref().map_or(1, |r| r.size);
                let depth = self.scopes.len();
                self.scopes.push((c.accu_var.clone(), None));
                let elem = range.and_then(|r| r.elem.map(|e| *e));
                self.scopes.push((c.iter_var.clone(), elem.clone()));
                if let Some(v2) = &c.iter_var2 {
                    self.scopes.push((v2.clone(), elem));
                }
                let per_iteration = self
                    .cost(&c.loop_cond)
                    .0
                    .saturating_add(self.cost(&c.loop_step).0);
                let result = self.cost(&c.result).0;
                self.scopes.truncate(depth);
                let total = range_cost
                    .saturating_add(init)
                    .saturating_add(result)
                    .saturating_add(count.saturating_mul(per_iteration));
                (total, None)
            }
            Expr::Call(call) => {
                let target = call.target.as_ref().map(|t| self.cost(t));
                let args: Vec<Est> = call.args.iter().map(|a| self.cost(a)).collect();
                call_cost(&call.func_name, target, args)
            }
        }
    }
}

fn size_of(e: &Est) -> u64 {
    e.1.as_ref().map_or(1, |s| s.size)
}

fn call_cost(name: &str, target: Option<Est>, args: Vec<Est>) -> Est {
    let arg_sum = target
        .iter()
        .chain(&args)
        .fold(0u64, |acc, (c, _)| acc.saturating_add(*c));
    let receiver = target.as_ref().map_or(1, size_of);
    let same_shape = target.as_ref().and_then(|t| t.1.clone());
    let (own, shape): (u64, Option<Shape>) = match (name, args.as_slice()) {
        ("_&&_" | "_||_", _) => (0, None),
        ("_?_:_", [cond, yes, no]) => {
            return (cond.0.saturating_add(yes.0.max(no.0)), yes.1.clone());
        }
        ("startsWith" | "endsWith", [prefix]) => (factor(size_of(prefix), 0.1), None),
        ("@in", [_, list]) => (size_of(list), None),
        ("matches" | "find" | "findAll", [regex]) => (
            factor(receiver.saturating_add(1), 0.1).saturating_mul(factor(size_of(regex), 0.25)),
            None,
        ),
        ("matches", [s, regex]) => (
            factor(size_of(s).saturating_add(1), 0.1).saturating_mul(factor(size_of(regex), 0.25)),
            None,
        ),
        ("contains", [sub]) if target.is_some() => (
            factor(receiver, 0.1).saturating_mul(factor(size_of(sub), 0.1)),
            None,
        ),
        ("_+_", [a, b]) => {
            let size = size_of(a).saturating_add(size_of(b));
            let is_list = a.1.as_ref().is_some_and(|s| s.elem.is_some());
            let cost = if is_list { 1 } else { factor(size, 0.1) };
            (cost, Some(Shape::sized(size)))
        }
        ("_==_" | "_!=_" | "_<_" | "_<=_" | "_>_" | "_>=_", [a, b]) => {
            (factor(size_of(a).min(size_of(b)), 0.1), None)
        }
        (
            "isSorted" | "sum" | "min" | "max" | "indexOf" | "lastIndexOf" | "distinct" | "sort"
            | "reverse" | "flatten" | "join",
            _,
        ) if target.is_some() => (1u64.saturating_add(receiver), same_shape),
        (
            "lowerAscii" | "upperAscii" | "trim" | "replace" | "substring" | "split" | "charAt",
            _,
        ) => {
            let shape = same_shape.map(|s| Shape {
                elem: Some(Box::new(Shape::sized(s.size))),
                ..s
            });
            (1u64.saturating_add(factor(receiver, 0.1)), shape)
        }
        ("url" | "isURL" | "ip" | "isIP" | "cidr" | "isCIDR" | "quantity" | "isQuantity", [s]) => {
            (1u64.saturating_add(factor(size_of(s), 0.1)), None)
        }
        _ => (1, None),
    };
    (own.saturating_add(arg_sum), shape)
}

/// kube-apiserver's message for a cost over its limit.
pub(super) fn exceeds_message(what: &str, cost: u64, limit: u64) -> String {
    let factor = cost as f64 / limit as f64;
    let shown = if factor > 100.0 {
        "more than 100x".to_owned()
    } else if factor < 1.5 {
        format!("{factor:.6}x")
    } else {
        format!("{factor:.1}x")
    };
    format!(
        "{what} exceeds budget by factor of {shown} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"
    )
}
