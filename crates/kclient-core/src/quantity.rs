//! Kubernetes resource quantities (`resource.Quantity`: `"500m"`, `"1Gi"`, `"1e3"`): the
//! canonical form kube-apiserver writes them back in ([`canonical`]) and an exact value for
//! comparisons and arithmetic ([`Quantity`]).

mod canonical;
mod value;

pub use canonical::{canonical, canonical_like, canonical_milli};
pub use value::Quantity;

/// Why a string is not a quantity, in apimachinery's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// Not of the form `<number><suffix>` at all.
    #[error(
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )]
    Format,
    /// A suffix that is neither SI, binary SI nor a decimal exponent.
    #[error("unable to parse quantity's suffix")]
    Suffix,
    /// A value beyond what this implementation computes exactly (about 10^38 units, or
    /// an exponent that large); apimachinery computes those with big numbers.
    #[error("quantity is too large")]
    TooLarge,
}

#[cfg(test)]
mod tests;
