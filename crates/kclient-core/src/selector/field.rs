//! Field selectors as apimachinery's `fields` package parses them: comma-separated
//! `field=value`, `field==value` and `field!=value` terms, values escaped with `\`.

use std::fmt;
use std::str::FromStr;

use super::{Operator, SelectorError};

/// One term of a field selector. The operator is [`Operator::Equals`] (also for `==`) or
/// [`Operator::NotEquals`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldRequirement {
    /// The field path, e.g. `metadata.name` or `spec.nodeName`.
    pub field: String,
    /// `Equals` or `NotEquals`.
    pub operator: Operator,
    /// The unescaped value.
    pub value: String,
}

impl FieldRequirement {
    /// Whether the object's value of the field satisfies this term; a missing field counts as
    /// the empty string, as in apimachinery.
    pub fn matches(&self, actual: Option<&str>) -> bool {
        let actual = actual.unwrap_or("");
        match self.operator {
            Operator::NotEquals => actual != self.value,
            _ => actual == self.value,
        }
    }
}

impl fmt::Display for FieldRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = if self.operator == Operator::NotEquals {
            "!="
        } else {
            "="
        };
        write!(f, "{}{op}{}", self.field, escape_value(&self.value))
    }
}

/// A parsed field selector: terms ANDed together, in canonical (sorted) order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldSelector {
    requirements: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// The selector that matches everything.
    pub fn everything() -> Self {
        Self::default()
    }

    /// Parses `a=b,c!=d,e==f` with `\,` `\=` `\\` escapes in values (same as [`str::parse`]).
    pub fn parse(selector: &str) -> Result<Self, SelectorError> {
        let mut requirements = Vec::new();
        for (position, term) in split_terms(selector) {
            if term.is_empty() {
                continue;
            }
            let Some((field, operator, raw)) = split_term(term) else {
                return Err(SelectorError::InvalidFieldTerm {
                    selector: selector.to_owned(),
                    term: term.to_owned(),
                    position,
                });
            };
            requirements.push(FieldRequirement {
                field: field.to_owned(),
                operator,
                value: unescape_value(raw)?,
            });
        }
        Ok(Self::from_requirements(requirements))
    }

    /// A selector from terms; `DoubleEquals` is normalised to `Equals`.
    pub fn from_requirements(requirements: impl IntoIterator<Item = FieldRequirement>) -> Self {
        let mut requirements: Vec<FieldRequirement> = requirements
            .into_iter()
            .map(|mut r| {
                if r.operator != Operator::NotEquals {
                    r.operator = Operator::Equals;
                }
                r
            })
            .collect();
        // apimachinery sorts the raw terms; sorting the printed terms gives the same order for
        // canonical input and makes printing and re-parsing a fixed point.
        requirements.sort_by_cached_key(|r| r.to_string());
        Self { requirements }
    }

    /// `OneTermEqualSelector`: `field=value`.
    pub fn one_term_equal(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::from_requirements([FieldRequirement {
            field: field.into(),
            operator: Operator::Equals,
            value: value.into(),
        }])
    }

    /// `OneTermNotEqualSelector`: `field!=value`.
    pub fn one_term_not_equal(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::from_requirements([FieldRequirement {
            field: field.into(),
            operator: Operator::NotEquals,
            value: value.into(),
        }])
    }

    /// Both selectors at once.
    #[must_use]
    pub fn and(self, other: FieldSelector) -> Self {
        Self::from_requirements(self.requirements.into_iter().chain(other.requirements))
    }

    /// The terms in canonical order.
    pub fn requirements(&self) -> &[FieldRequirement] {
        &self.requirements
    }

    /// True when there are no terms (matches everything).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether an object matches, given a lookup of its field values (`None` = not set).
    pub fn matches<F>(&self, mut get: F) -> bool
    where
        F: FnMut(&str) -> Option<String>,
    {
        self.requirements
            .iter()
            .all(|r| r.matches(get(&r.field).as_deref()))
    }

    /// apimachinery's `RequiresExactMatch`: the value an `=` term pins `field` to.
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.requirements
            .iter()
            .find(|r| r.field == field && r.operator == Operator::Equals)
            .map(|r| r.value.as_str())
    }
}

impl FromStr for FieldSelector {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for FieldSelector {
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

impl serde::Serialize for FieldSelector {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for FieldSelector {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Escapes `\`, `,` and `=` in a value (apimachinery's `EscapeValue`).
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | ',' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Splits on commas not preceded by a backslash, keeping escapes; yields `(offset, term)`.
fn split_terms(selector: &str) -> Vec<(usize, &str)> {
    let mut terms = Vec::new();
    if selector.is_empty() {
        return terms;
    }
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in selector.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push((start, &selector[start..i]));
            start = i + 1;
        }
    }
    terms.push((start, &selector[start..]));
    terms
}

/// Splits a term at the first `!=`, `==` or `=`; the field part has no escaping.
fn split_term(term: &str) -> Option<(&str, Operator, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        let found = if rest.starts_with("!=") {
            Some((Operator::NotEquals, 2))
        } else if rest.starts_with("==") {
            Some((Operator::Equals, 2))
        } else if rest.starts_with('=') {
            Some((Operator::Equals, 1))
        } else {
            None
        };
        if let Some((op, len)) = found {
            return Some((&term[..i], op, &term[i + len..]));
        }
    }
    None
}

/// apimachinery's `UnescapeValue`: only `\\`, `\,` and `\=` are escapes, and bare `,`/`=`
/// are errors.
pub fn unescape_value(raw: &str) -> Result<String, SelectorError> {
    let mut out = String::with_capacity(raw.len());
    let mut in_slash = false;
    for c in raw.chars() {
        if in_slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err(SelectorError::InvalidEscape {
                    sequence: format!("\\{c}"),
                });
            }
            out.push(c);
            in_slash = false;
        } else {
            match c {
                '\\' => in_slash = true,
                ',' | '=' => return Err(SelectorError::UnescapedCharacter { character: c }),
                c => out.push(c),
            }
        }
    }
    if in_slash {
        return Err(SelectorError::InvalidEscape {
            sequence: "\\".to_owned(),
        });
    }
    Ok(out)
}
