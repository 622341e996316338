//! Helpers shared by the derives: literal values, the crate path, doc comments.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Path};

/// A `key = "string"` value.
pub(crate) fn string(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

/// A `key = "path"` or `key = path` value.
pub(crate) fn path(meta: &ParseNestedMeta<'_>) -> syn::Result<Path> {
    let value = meta.value()?;
    if value.peek(LitStr) {
        value.parse::<LitStr>()?.parse()
    } else {
        value.parse()
    }
}

/// The path the generated code names kclient's core by: `::kclient::core` by default,
/// `<crate>::core` when `crate = "…"` names the facade elsewhere, or the path itself when it
/// names kclient-core (`crate = "kclient_core"`).
pub(crate) fn core_path(krate: Option<Path>) -> proc_macro2::TokenStream {
    match krate {
        None => quote::quote!(::kclient::core),
        Some(path)
            if path
                .segments
                .last()
                .is_some_and(|s| s.ident == "kclient_core") =>
        {
            quote::quote!(#path)
        }
        Some(path) => quote::quote!(#path::core),
    }
}

/// The doc comment of an item, lines joined as rustdoc does.
pub(crate) fn doc(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta.require_name_value().ok()?.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.value().trim().to_owned()),
            _ => None,
        })
        .collect();
    lines.join("\n").trim().to_owned()
}
