//! Kubernetes' format library: `format.named(name)` and `format.<name>()` give a named
//! format, whose `validate(s)` is `optional.none()` for a valid string and the list of
//! apimachinery's messages otherwise.

use base64::Engine;
use cel::common::types::STRING_TYPE;
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use kclient_core::validation;

use super::{FORMAT_TYPE, K8s, Out, k8s, k8s_arg, optional, string_arg, strings};

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload("format.named", "format_named", vec![STRING_TYPE], named)?;
    for (name, f) in CONSTRUCTORS {
        env.add_overload(
            &format!("format.{name}"),
            &format!("format_{name}"),
            vec![],
            *f,
        )?;
    }
    env.add_member_overload(
        "validate",
        "format_validate",
        FORMAT_TYPE.to_owned(),
        vec![STRING_TYPE],
        validate,
    )?;
    Ok(())
}

macro_rules! constructors {
    ($($name:literal),* $(,)?) => {
        &[$(($name, {
            fn make<'b, 'v>(_: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
                k8s(K8s::Format($name))
            }
            make as cel::common::functions::Function
        })),*]
    };
}

/// `format.<name>()` for every named format.
pub(super) const CONSTRUCTORS: &[(&str, cel::common::functions::Function)] = constructors!(
    "dns1123Label",
    "dns1123Subdomain",
    "dns1035Label",
    "qualifiedName",
    "dns1123LabelPrefix",
    "dns1123SubdomainPrefix",
    "dns1035LabelPrefix",
    "labelValue",
    "uri",
    "uuid",
    "byte",
    "date",
    "datetime",
);

fn named<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let name = string_arg(&args, 0)?;
    let found = CONSTRUCTORS.iter().find(|(f, _)| *f == name);
    optional(found.map(|(f, _)| Box::new(K8s::Format(f)) as Box<dyn Val + 'v>))
}

/// A name prefix may end in `-` (the generated suffix follows), as apimachinery masks it.
fn mask_trailing_dash(s: &str) -> String {
    match s.strip_suffix('-') {
        Some(head) if s.len() > 1 => format!("{head}a"),
        _ => s.to_owned(),
    }
}

fn errors(format: &str, s: &str) -> Vec<String> {
    match format {
        "dns1123Label" => validation::is_dns1123_label(s),
        "dns1123Subdomain" => validation::is_dns1123_subdomain(s),
        "dns1035Label" => validation::is_dns1035_label(s),
        "qualifiedName" => validation::is_qualified_name(s),
        "dns1123LabelPrefix" => validation::is_dns1123_label(&mask_trailing_dash(s)),
        "dns1123SubdomainPrefix" => validation::is_dns1123_subdomain(&mask_trailing_dash(s)),
        "dns1035LabelPrefix" => validation::is_dns1035_label(&mask_trailing_dash(s)),
        "labelValue" => validation::is_valid_label_value(s),
        "uri" => super::Url::parse(s)
            .err()
            .map(|e| format!("invalid URI: {e}"))
            .into_iter()
            .collect(),
        "uuid" => {
            let hex = |part: &str, n: usize| {
                part.len() == n && part.bytes().all(|b| b.is_ascii_hexdigit())
            };
            let parts: Vec<&str> = s.split('-').collect();
            let ok =
                parts.len() == 5 && [8, 4, 4, 4, 12].iter().zip(&parts).all(|(n, p)| hex(p, *n));
            if ok {
                vec![]
            } else {
                vec!["does not match the UUID format".to_owned()]
            }
        }
        "byte" => match base64::engine::general_purpose::STANDARD.decode(s) {
            Ok(_) => vec![],
            Err(_) => vec!["invalid base64 value".to_owned()],
        },
        "date" => match jiff::civil::Date::strptime("%Y-%m-%d", s) {
            Ok(_) => vec![],
            Err(_) => vec!["invalid date value".to_owned()],
        },
        _ => match s.parse::<jiff::Timestamp>() {
            Ok(_) => vec![],
            Err(_) => vec!["invalid datetime value".to_owned()],
        },
    }
}

fn validate<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let K8s::Format(format) = k8s_arg(&args, 0)? else {
        return Err(ExecutionError::missing_argument_or_target());
    };
    let found = errors(format, string_arg(&args, 1)?);
    optional((!found.is_empty()).then(|| Box::new(strings(found)) as Box<dyn Val + 'v>))
}
