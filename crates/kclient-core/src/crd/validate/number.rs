//! kube-openapi's number validator: `multipleOf`, `minimum` and `maximum` (with their
//! exclusive forms). An integer value is compared with the bound truncated to an integer, a
//! float with the bound itself, as Go's native-type comparisons do.

use serde_json::{Map, Number, Value};

use super::{go_float, invalid, unattached};
use crate::status::FieldError;

/// A bound or value as kube-openapi holds it: int64 for integers, float64 otherwise.
#[derive(Clone, Copy)]
enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn of(n: &Number) -> Num {
        match n.as_i64() {
            Some(i) => Num::Int(i),
            None => Num::Float(n.as_f64().unwrap_or(f64::NAN)),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    fn to_value(self) -> Value {
        match self {
            Num::Int(i) => Value::from(i),
            Num::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        }
    }
}

/// Go's `%v` of a bound (float64, or int64 when compared with an integer).
fn show(bound: f64, data: Num) -> String {
    match data {
        Num::Int(_) => format!("{}", bound.trunc() as i64),
        Num::Float(_) => go_float(bound),
    }
}

/// Whether the bound's text parses as an int64, kube-openapi's range check for `integer`.
fn fits_integer(n: f64) -> bool {
    n.fract() == 0.0 && n.abs() < 9.2e18
}

pub(super) fn check(
    node: &Map<String, Value>,
    n: &Number,
    name: &str,
    errors: &mut Vec<FieldError>,
) {
    let data = Num::of(n);
    let integer = node.get("type").and_then(Value::as_str) == Some("integer")
        && node.get("x-kubernetes-int-or-string") != Some(&Value::Bool(true));
    let range_error = |prefix: &str, v: f64| -> Option<FieldError> {
        (integer && !fits_integer(v)).then(|| {
            unattached(format!(
                "{prefix} value must be of type integer (default format) in {name}"
            ))
        })
    };
    if let Some(e) = range_error("Checked", data.as_f64()) {
        errors.push(e);
    }
    let bound = |key: &str| node.get(key).and_then(Value::as_f64);
    let exclusive = |key: &str| node.get(key) == Some(&Value::Bool(true));
    if let Some(factor) = bound("multipleOf") {
        let native = range_error("MultipleOf", factor).is_none();
        let err = match data {
            Num::Int(i) if native => {
                let f = factor.trunc() as i64;
                if f <= 0 {
                    Some(must_be_positive(name, Value::from(f), &f.to_string()))
                } else if i % f != 0 {
                    Some(not_multiple(name, data, &f.to_string()))
                } else {
                    None
                }
            }
            _ => {
                let d = data.as_f64();
                if factor <= 0.0 {
                    Some(must_be_positive(name, data.to_value(), &go_float(factor)))
                } else {
                    let mult = if factor < 1.0 {
                        1.0 / factor * d
                    } else {
                        d / factor
                    };
                    (!is_json_integer(mult)).then(|| not_multiple(name, data, &go_float(factor)))
                }
            }
        };
        if let Some(e) = range_error("MultipleOf", factor) {
            errors.push(e);
        }
        errors.extend(err);
    }
    for side in [Side::Minimum, Side::Maximum] {
        if let Some(limit) = bound(side.keyword()) {
            let excl = exclusive(side.exclusive_keyword());
            let range = range_error(side.range_prefix(), limit);
            let native = range.is_none();
            errors.extend(range);
            let (lhs, rhs) = match data {
                Num::Int(i) if native => (i as f64, limit.trunc()),
                _ => (data.as_f64(), limit),
            };
            let out_of_bounds = match side {
                Side::Minimum => lhs < rhs || (excl && lhs == rhs),
                Side::Maximum => lhs > rhs || (excl && lhs == rhs),
            };
            if out_of_bounds {
                let shown = if native {
                    show(limit, data)
                } else {
                    go_float(limit)
                };
                errors.push(invalid(
                    name,
                    data.to_value(),
                    format!("{name} in body should be {} {shown}", side.words(excl)),
                ));
            }
        }
    }
}

/// Which bound a check is about.
#[derive(Clone, Copy)]
enum Side {
    Minimum,
    Maximum,
}

impl Side {
    fn keyword(self) -> &'static str {
        match self {
            Side::Minimum => "minimum",
            Side::Maximum => "maximum",
        }
    }

    fn exclusive_keyword(self) -> &'static str {
        match self {
            Side::Minimum => "exclusiveMinimum",
            Side::Maximum => "exclusiveMaximum",
        }
    }

    fn range_prefix(self) -> &'static str {
        match self {
            Side::Minimum => "Minimum boundary",
            Side::Maximum => "Maximum boundary",
        }
    }

    fn words(self, exclusive: bool) -> &'static str {
        match (self, exclusive) {
            (Side::Minimum, false) => "greater than or equal to",
            (Side::Minimum, true) => "greater than",
            (Side::Maximum, false) => "less than or equal to",
            (Side::Maximum, true) => "less than",
        }
    }
}

fn must_be_positive(name: &str, factor: Value, shown: &str) -> FieldError {
    invalid(
        name,
        factor,
        format!("factor MultipleOf declared for {name} must be positive: {shown}"),
    )
}

fn not_multiple(name: &str, data: Num, factor: &str) -> FieldError {
    invalid(
        name,
        data.to_value(),
        format!("{name} in body should be a multiple of {factor}"),
    )
}

/// go-openapi's `IsFloat64AJSONInteger`: integral, or within a relative 1e-9 of it.
fn is_json_integer(f: f64) -> bool {
    if !f.is_finite() {
        return false;
    }
    let g = f.trunc();
    if f == g {
        return true;
    }
    let diff = (f - g).abs();
    diff / (f.abs() + g.abs()).min(f64::MAX) < 1e-9
}
