//! Serde helpers shared by the kubeconfig model.
//!
//! Go's YAML/JSON decoding treats an explicit `null` like a missing key, so every collection
//! and nested struct goes through [`null_default`]. Secrets are deserialised straight into
//! [`SecretString`] so the plain text never lives in an ordinary `String` field.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serializer};

/// Deserialises `T`, mapping an explicit `null` to `T::default()`.
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Deserialises an optional secret; `null` and `""` both mean "not set", as in client-go.
pub(crate) fn secret_opt<'de, D>(deserializer: D) -> Result<Option<SecretString>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Option::<String>::deserialize(deserializer)?;
    Ok(value.filter(|s| !s.is_empty()).map(SecretString::from))
}

/// Serialises an optional secret as its plain text (kubeconfig files store secrets in clear).
pub(crate) fn ser_secret_opt<S>(
    value: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error>
where
    S: Serializer,
{
    match value {
        Some(secret) => serializer.serialize_str(secret.expose_secret()),
        None => serializer.serialize_none(),
    }
}

/// `skip_serializing_if` helper for `bool` fields that kubectl omits when false.
pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}
