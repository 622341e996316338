//! `#[derive(Resource)] #[resource(inherit = Kind)]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, Path};

use crate::attrs;

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut inherit: Option<Path> = None;
    let mut krate: Option<Path> = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("resource")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("inherit") {
                inherit = Some(attrs::path(&meta)?);
            } else if meta.path.is_ident("crate") {
                krate = Some(attrs::path(&meta)?);
            } else {
                return Err(meta.error("unknown resource attribute: expected `inherit` or `crate`"));
            }
            Ok(())
        })?;
    }
    let Some(inherit) = inherit else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(Resource)] needs #[resource(inherit = Kind)] naming the kind it projects",
        ));
    };
    let has_metadata = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => fields
                .named
                .iter()
                .any(|f| f.ident.as_ref().is_some_and(|i| i == "metadata")),
            _ => false,
        },
        _ => false,
    };
    if !has_metadata {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(Resource)] needs a struct with a `metadata: ObjectMeta` field",
        ));
    }
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "#[derive(Resource)] does not take generic parameters",
        ));
    }
    let core = attrs::core_path(krate);
    let name = &input.ident;
    Ok(quote! {
        impl #core::Resource for #name {
            const GROUP: &'static str = <#inherit as #core::Resource>::GROUP;
            const VERSION: &'static str = <#inherit as #core::Resource>::VERSION;
            const KIND: &'static str = <#inherit as #core::Resource>::KIND;
            const PLURAL: &'static str = <#inherit as #core::Resource>::PLURAL;
            const API_VERSION: &'static str = <#inherit as #core::Resource>::API_VERSION;
            type Scope = <#inherit as #core::Resource>::Scope;

            fn meta(&self) -> &#core::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &self.metadata
            }

            fn meta_mut(&mut self) -> &mut #core::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &mut self.metadata
            }
        }
    })
}
