//! Label and field selectors with kube-apiserver's grammar, validation and matching.
//!
//! ```
//! use std::collections::BTreeMap;
//! use kclient_core::selector::LabelSelector;
//!
//! let sel: LabelSelector = "tier in (web, api), env!=prod, !legacy".parse().unwrap();
//! assert_eq!(sel.to_string(), "env!=prod,!legacy,tier in (api,web)");
//! let labels = BTreeMap::from([("tier".to_string(), "web".to_string())]);
//! assert!(sel.matches(&labels));
//! ```

mod field;
mod label;
mod parser;

#[cfg(test)]
mod tests;

use std::fmt;

pub use field::{FieldRequirement, FieldSelector};
pub use label::{LabelSelector, Requirement};

/// A selector operator (apimachinery's `selection.Operator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operator {
    /// `!key`: the label is absent.
    DoesNotExist,
    /// `key=value`.
    Equals,
    /// `key==value` (same meaning as `=`, kept so printing round-trips).
    DoubleEquals,
    /// `key in (a,b)`.
    In,
    /// `key!=value`: absent, or present with another value.
    NotEquals,
    /// `key notin (a,b)`: absent, or present with a value outside the set.
    NotIn,
    /// `key`: the label is present.
    Exists,
    /// `key>n`: present with an integer value greater than `n`.
    GreaterThan,
    /// `key<n`: present with an integer value less than `n`.
    LessThan,
}

impl Operator {
    /// apimachinery's name for the operator (`"in"`, `"!="`, `"exists"`, `"gt"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::DoesNotExist => "!",
            Self::Equals => "=",
            Self::DoubleEquals => "==",
            Self::In => "in",
            Self::NotEquals => "!=",
            Self::NotIn => "notin",
            Self::Exists => "exists",
            Self::GreaterThan => "gt",
            Self::LessThan => "lt",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a selector could not be parsed or built. Positions are byte offsets into the input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// The input does not follow the grammar.
    #[error(
        "unable to parse requirement: found '{found}' at position {position}, expected: {expected}"
    )]
    Syntax {
        /// Byte offset of the offending token.
        position: usize,
        /// The offending token (empty at the end of the input).
        found: String,
        /// What the grammar allows here.
        expected: &'static str,
    },
    /// A label key is not a qualified name.
    #[error("invalid label key {key:?}{}: {reason}", At(*.position))]
    InvalidKey {
        /// Byte offset of the key, when it came from text.
        position: Option<usize>,
        /// The key.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A label value is not valid.
    #[error("invalid label value {value:?} for key {key:?}{}: {reason}", At(*.position))]
    InvalidValue {
        /// Byte offset of the value, when it came from text.
        position: Option<usize>,
        /// The requirement's key.
        key: String,
        /// The value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The values do not fit the operator (count, or integers for `>`/`<`).
    #[error("invalid values for key {key:?}: {reason}")]
    InvalidValues {
        /// The requirement's key.
        key: String,
        /// What is wrong with them.
        reason: &'static str,
    },
    /// A `metav1.LabelSelector` expression used an unknown operator.
    #[error("{operator:?} is not a valid label selector operator")]
    InvalidOperator {
        /// The operator as given.
        operator: String,
    },
    /// A field selector term has no `=`, `==` or `!=`.
    #[error("invalid selector: '{selector}'; can't understand '{term}' (at position {position})")]
    InvalidFieldTerm {
        /// The whole selector.
        selector: String,
        /// The term that failed.
        term: String,
        /// Byte offset of the term.
        position: usize,
    },
    /// A field selector value has a backslash escape other than `\\`, `\,` or `\=`.
    #[error("invalid field selector: invalid escape sequence: {sequence}")]
    InvalidEscape {
        /// The escape sequence.
        sequence: String,
    },
    /// A field selector value contains an unescaped `,` or `=`.
    #[error("invalid field selector: unescaped character in value: {character}")]
    UnescapedCharacter {
        /// The character.
        character: char,
    },
}

/// Prints ` at position N` when a position is known.
struct At(Option<usize>);

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(p) => write!(f, " at position {p}"),
            None => Ok(()),
        }
    }
}
