//! Label selectors: requirements, matching, canonical printing, metav1 conversion.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1 as metav1;

use super::{Operator, SelectorError};
use crate::validation::{is_qualified_name, is_valid_label_value};

/// How apimachinery's selector parser joins the problems of one key or value.
const PROBLEM_SEPARATOR: &str = "; ";

/// One `key op values` term of a label selector, validated on construction.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    key: String,
    operator: Operator,
    /// Sorted and deduplicated, so equal sets compare and print equal.
    values: Vec<String>,
}

impl Requirement {
    /// Builds a requirement with apimachinery's `NewRequirement` checks: the key is a qualified
    /// name, every value a label value, `in`/`notin` have at least one value, `=`/`==`/`!=`
    /// exactly one, exists/does-not-exist none, `>`/`<` exactly one integer.
    pub fn new<I, S>(
        key: impl Into<String>,
        operator: Operator,
        values: I,
    ) -> Result<Self, SelectorError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let key = key.into();
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        Self::validated(key, operator, values, None, &[])
    }

    /// Shared by [`Requirement::new`] and the parser, which knows where key and values were.
    pub(super) fn validated(
        key: String,
        operator: Operator,
        mut values: Vec<String>,
        key_position: Option<usize>,
        value_positions: &[usize],
    ) -> Result<Self, SelectorError> {
        let problems = is_qualified_name(&key);
        if !problems.is_empty() {
            return Err(SelectorError::InvalidKey {
                position: key_position,
                key,
                reason: problems.join(PROBLEM_SEPARATOR),
            });
        }
        let count_problem = match operator {
            Operator::In | Operator::NotIn if values.is_empty() => {
                Some("for 'in', 'notin' operators, values set can't be empty")
            }
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals
                if values.len() != 1 =>
            {
                Some("exact-match compatibility requires one single value")
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                Some("values set must be empty for exists and does not exist")
            }
            Operator::GreaterThan | Operator::LessThan if values.len() != 1 => {
                Some("for 'Gt', 'Lt' operators, exactly one value is required")
            }
            Operator::GreaterThan | Operator::LessThan if values[0].parse::<i64>().is_err() => {
                Some("for 'Gt', 'Lt' operators, the value must be an integer")
            }
            _ => None,
        };
        if let Some(reason) = count_problem {
            return Err(SelectorError::InvalidValues { key, reason });
        }
        for (i, value) in values.iter().enumerate() {
            let problems = is_valid_label_value(value);
            if !problems.is_empty() {
                return Err(SelectorError::InvalidValue {
                    position: value_positions.get(i).copied(),
                    key,
                    value: value.clone(),
                    reason: problems.join(PROBLEM_SEPARATOR),
                });
            }
        }
        values.sort_unstable();
        values.dedup();
        Ok(Self {
            key,
            operator,
            values,
        })
    }

    /// The label key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The values, sorted and deduplicated (empty for exists / does-not-exist).
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Whether a label set satisfies this requirement (apimachinery's `Requirement.Matches`).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let actual = labels.get(&self.key);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                actual.is_some_and(|v| self.has_value(v))
            }
            Operator::NotIn | Operator::NotEquals => actual.is_none_or(|v| !self.has_value(v)),
            Operator::Exists => actual.is_some(),
            Operator::DoesNotExist => actual.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let (Some(actual), [wanted]) = (actual, self.values.as_slice()) else {
                    return false;
                };
                match (actual.parse::<i64>(), wanted.parse::<i64>()) {
                    (Ok(a), Ok(w)) if self.operator == Operator::GreaterThan => a > w,
                    (Ok(a), Ok(w)) => a < w,
                    _ => false,
                }
            }
        }
    }

    fn has_value(&self, value: &str) -> bool {
        self.values
            .binary_search_by(|v| v.as_str().cmp(value))
            .is_ok()
    }
}

impl fmt::Display for Requirement {
    /// apimachinery's `Requirement.String()`: `!k`, `k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
    /// `k notin (a,b)`, `k>1`, `k<1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let op = match self.operator {
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
        };
        f.write_str(op)?;
        if matches!(self.operator, Operator::In | Operator::NotIn) {
            write!(f, "({})", self.values.join(","))
        } else {
            f.write_str(self.values.first().map(String::as_str).unwrap_or(""))
        }
    }
}

/// A parsed label selector: requirements ANDed together, kept sorted by key.
///
/// The empty selector ([`LabelSelector::everything`]) matches every object;
/// [`LabelSelector::nothing`] matches none (it prints as `""`, like apimachinery's, so never
/// send it to a server as a query: check [`LabelSelector::is_nothing`] first).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
    nothing: bool,
}

impl LabelSelector {
    /// The selector that matches everything (no requirements).
    pub fn everything() -> Self {
        Self::default()
    }

    /// The selector that matches nothing.
    pub fn nothing() -> Self {
        Self {
            requirements: Vec::new(),
            nothing: true,
        }
    }

    /// Parses kube-apiserver's selector syntax (same as [`str::parse`]).
    pub fn parse(s: &str) -> Result<Self, SelectorError> {
        let requirements = super::parser::parse_label_selector(s)?;
        Ok(Self::from_requirements(requirements))
    }

    /// A selector from requirements (sorted by key, stably, as apimachinery's `Add` does).
    pub fn from_requirements(requirements: impl IntoIterator<Item = Requirement>) -> Self {
        let mut requirements: Vec<Requirement> = requirements.into_iter().collect();
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Self {
            requirements,
            nothing: false,
        }
    }

    /// apimachinery's `SelectorFromValidatedSet` after validation: `k=v` for every entry.
    pub fn from_labels(labels: &BTreeMap<String, String>) -> Result<Self, SelectorError> {
        let requirements = labels
            .iter()
            .map(|(k, v)| Requirement::new(k.clone(), Operator::Equals, [v.clone()]))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::from_requirements(requirements))
    }

    /// Adds a requirement, keeping the key order. Adding to `nothing` leaves it matching nothing.
    #[must_use]
    pub fn with(mut self, requirement: Requirement) -> Self {
        let at = self
            .requirements
            .partition_point(|r| r.key <= requirement.key);
        self.requirements.insert(at, requirement);
        self
    }

    /// The requirements in key order.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// True for the everything selector (no requirements; not `nothing`).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty() && !self.nothing
    }

    /// True for [`LabelSelector::nothing`].
    pub fn is_nothing(&self) -> bool {
        self.nothing
    }

    /// Whether a label set satisfies every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// apimachinery's `RequiresExactMatch`: the value a `=`, `==` or single-value `in`
    /// requirement pins `key` to.
    pub fn requires_exact_match(&self, key: &str) -> Option<&str> {
        // Only the first requirement on the key counts, as in apimachinery.
        let r = self.requirements.iter().find(|r| r.key == key)?;
        match (r.operator, r.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [value]) => {
                Some(value.as_str())
            }
            _ => None,
        }
    }

    /// Converts an optional `metav1.LabelSelector` like apimachinery's
    /// `LabelSelectorAsSelector`: `None` selects nothing, an empty selector everything.
    pub fn from_metav1(selector: Option<&metav1::LabelSelector>) -> Result<Self, SelectorError> {
        match selector {
            None => Ok(Self::nothing()),
            Some(s) => Self::try_from(s),
        }
    }
}

impl TryFrom<&metav1::LabelSelector> for LabelSelector {
    type Error = SelectorError;

    fn try_from(selector: &metav1::LabelSelector) -> Result<Self, Self::Error> {
        let mut requirements = Vec::new();
        for (key, value) in selector.match_labels.iter().flatten() {
            requirements.push(Requirement::new(
                key.clone(),
                Operator::Equals,
                [value.clone()],
            )?);
        }
        for expr in selector.match_expressions.iter().flatten() {
            let operator = match expr.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(SelectorError::InvalidOperator {
                        operator: other.to_owned(),
                    });
                }
            };
            let values = expr.values.clone().unwrap_or_default();
            requirements.push(Requirement::new(expr.key.clone(), operator, values)?);
        }
        Ok(Self::from_requirements(requirements))
    }
}

impl TryFrom<metav1::LabelSelector> for LabelSelector {
    type Error = SelectorError;

    fn try_from(selector: metav1::LabelSelector) -> Result<Self, Self::Error> {
        Self::try_from(&selector)
    }
}

impl FromStr for LabelSelector {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for LabelSelector {
    /// Requirements joined by `,` in key order; the canonical form kube-apiserver accepts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            fmt::Display::fmt(r, f)?;
        }
        Ok(())
    }
}

impl serde::Serialize for LabelSelector {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for LabelSelector {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
