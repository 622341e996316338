//! `#[derive(CustomResource)]`: the resource type around a spec struct, and its CRD.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::meta::ParseNestedMeta;
use syn::{Data, DeriveInput, Ident, LitInt, LitStr, Path};

use crate::attrs;

/// The parsed `#[kclient(..)]` attributes.
#[derive(Default)]
struct Options {
    group: Option<LitStr>,
    version: Option<LitStr>,
    kind: Option<LitStr>,
    plural: Option<LitStr>,
    singular: Option<LitStr>,
    namespaced: bool,
    status: Option<Path>,
    short_names: Vec<LitStr>,
    categories: Vec<LitStr>,
    columns: Vec<Column>,
    scale: Option<Scale>,
    derives: Vec<Path>,
    krate: Option<Path>,
}

#[derive(Default)]
struct Column {
    name: Option<LitStr>,
    type_: Option<LitStr>,
    json_path: Option<LitStr>,
    description: Option<LitStr>,
    format: Option<LitStr>,
    priority: Option<LitInt>,
}

#[derive(Default)]
struct Scale {
    spec_replicas_path: Option<LitStr>,
    status_replicas_path: Option<LitStr>,
    label_selector_path: Option<LitStr>,
}

fn parse(input: &DeriveInput) -> syn::Result<Options> {
    let mut options = Options::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("kclient")) {
        attr.parse_nested_meta(|meta| option(&mut options, &meta))?;
    }
    Ok(options)
}

fn option(options: &mut Options, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let key = meta
        .path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    match key.as_str() {
        "group" => options.group = Some(attrs::string(meta)?),
        "version" => options.version = Some(attrs::string(meta)?),
        "kind" => options.kind = Some(attrs::string(meta)?),
        "plural" => options.plural = Some(attrs::string(meta)?),
        "singular" => options.singular = Some(attrs::string(meta)?),
        "namespaced" => options.namespaced = true,
        "status" => options.status = Some(attrs::path(meta)?),
        "shortname" => options.short_names.push(attrs::string(meta)?),
        "category" => options.categories.push(attrs::string(meta)?),
        "derive" => options.derives.push(attrs::path(meta)?),
        "crate" => options.krate = Some(attrs::path(meta)?),
        "printcolumn" => {
            let mut column = Column::default();
            meta.parse_nested_meta(|inner| {
                let key = inner.path.get_ident().map(ToString::to_string).unwrap_or_default();
                match key.as_str() {
                    "name" => column.name = Some(attrs::string(&inner)?),
                    "type" => column.type_ = Some(attrs::string(&inner)?),
                    "json_path" => column.json_path = Some(attrs::string(&inner)?),
                    "description" => column.description = Some(attrs::string(&inner)?),
                    "format" => column.format = Some(attrs::string(&inner)?),
                    "priority" => column.priority = Some(inner.value()?.parse()?),
                    _ => {
                        return Err(inner.error(
                            "unknown printcolumn attribute: expected name, type, json_path, description, format or priority",
                        ));
                    }
                }
                Ok(())
            })?;
            for (value, what) in [
                (&column.name, "name"),
                (&column.type_, "type"),
                (&column.json_path, "json_path"),
            ] {
                if value.is_none() {
                    return Err(meta.error(format!("printcolumn needs `{what} = \"…\"`")));
                }
            }
            options.columns.push(column);
        }
        "scale" => {
            let mut scale = Scale::default();
            meta.parse_nested_meta(|inner| {
                let key = inner.path.get_ident().map(ToString::to_string).unwrap_or_default();
                match key.as_str() {
                    "spec_replicas_path" => scale.spec_replicas_path = Some(attrs::string(&inner)?),
                    "status_replicas_path" => {
                        scale.status_replicas_path = Some(attrs::string(&inner)?);
                    }
                    "label_selector_path" => {
                        scale.label_selector_path = Some(attrs::string(&inner)?);
                    }
                    _ => {
                        return Err(inner.error(
                            "unknown scale attribute: expected spec_replicas_path, status_replicas_path or label_selector_path",
                        ));
                    }
                }
                Ok(())
            })?;
            if scale.spec_replicas_path.is_none() || scale.status_replicas_path.is_none() {
                return Err(meta.error(
                    "scale needs `spec_replicas_path = \"…\"` and `status_replicas_path = \"…\"`",
                ));
            }
            options.scale = Some(scale);
        }
        _ => {
            return Err(meta.error(format!(
                "unknown kclient attribute `{key}`: expected group, version, kind, plural, singular, namespaced, status, shortname, category, printcolumn, scale, derive or crate"
            )));
        }
    }
    Ok(())
}

/// English plural of a lowercased kind, as kubebuilder and kube-rs guess it.
fn pluralize(singular: &str) -> String {
    if singular.ends_with('s')
        || singular.ends_with('x')
        || singular.ends_with('z')
        || singular.ends_with("ch")
        || singular.ends_with("sh")
    {
        format!("{singular}es")
    } else if let Some(stem) = singular.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        format!("{stem}ies")
    } else {
        format!("{singular}s")
    }
}

fn required(value: Option<LitStr>, what: &str, input: &DeriveInput) -> syn::Result<LitStr> {
    value.ok_or_else(|| {
        syn::Error::new_spanned(
            &input.ident,
            format!("#[derive(CustomResource)] needs #[kclient({what} = \"…\")]"),
        )
    })
}

fn lit_or_empty(value: &Option<LitStr>) -> LitStr {
    value
        .clone()
        .unwrap_or_else(|| LitStr::new("", Span::call_site()))
}

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    if !matches!(input.data, Data::Struct(_)) {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(CustomResource)] goes on the spec struct",
        ));
    }
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "#[derive(CustomResource)] does not take generic parameters",
        ));
    }
    let options = parse(input)?;
    let group = required(options.group, "group", input)?;
    let version = required(options.version, "version", input)?;
    let kind = required(options.kind, "kind", input)?;
    let kind_name = kind.value();
    if syn::parse_str::<Ident>(&kind_name).is_err() {
        return Err(syn::Error::new_spanned(
            &kind,
            "the kind must be a valid Rust identifier: it names the generated struct",
        ));
    }
    let singular = options
        .singular
        .unwrap_or_else(|| LitStr::new(&kind_name.to_lowercase(), kind.span()));
    let plural = options
        .plural
        .unwrap_or_else(|| LitStr::new(&pluralize(&singular.value()), kind.span()));
    let api_version = {
        let (g, v) = (group.value(), version.value());
        LitStr::new(&format!("{g}/{v}"), group.span())
    };

    let core = attrs::core_path(options.krate);
    let meta = quote!(#core::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta);
    let schema = quote!(#core::crd::schema);
    let spec = &input.ident;
    let vis = &input.vis;
    let name = format_ident!("{}", kind_name);
    let scope = if options.namespaced {
        quote!(#core::resource::NamespaceScope)
    } else {
        quote!(#core::resource::ClusterScope)
    };
    let derives = &options.derives;
    let description = attrs::doc(&input.attrs);

    let (status_field, status_init, status_schema) = match &options.status {
        Some(status) => (
            quote! {
                /// The observed state; the `status` subresource writes it.
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub status: Option<#status>,
            },
            quote!(status: None,),
            quote!(Some(#schema::structural_schema::<#status>()?)),
        ),
        None => (quote!(), quote!(), quote!(None)),
    };
    let short_names = &options.short_names;
    let categories = &options.categories;
    let columns = options.columns.iter().map(|c| {
        let (name, type_, json_path) = (
            lit_or_empty(&c.name),
            lit_or_empty(&c.type_),
            lit_or_empty(&c.json_path),
        );
        let (description, format) = (lit_or_empty(&c.description), lit_or_empty(&c.format));
        let priority = c
            .priority
            .clone()
            .unwrap_or_else(|| LitInt::new("0", Span::call_site()));
        quote! {
            #schema::PrinterColumn {
                name: #name,
                type_: #type_,
                json_path: #json_path,
                description: #description,
                format: #format,
                priority: #priority,
            }
        }
    });
    let scale = match &options.scale {
        Some(s) => {
            let (spec_path, status_path, selector) = (
                lit_or_empty(&s.spec_replicas_path),
                lit_or_empty(&s.status_replicas_path),
                lit_or_empty(&s.label_selector_path),
            );
            quote!(Some(#schema::ScaleInfo {
                spec_replicas_path: #spec_path,
                status_replicas_path: #status_path,
                label_selector_path: #selector,
            }))
        }
        None => quote!(None),
    };
    let namespaced = options.namespaced;
    let doc = format!(
        "The `{kind_name}` custom resource ({api_version}), with [`{spec}`] as its spec.",
        api_version = api_version.value()
    );

    Ok(quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, ::serde::Serialize, ::serde::Deserialize #(, #derives)*)]
        #[serde(rename_all = "camelCase")]
        #vis struct #name {
            /// `group/version` of the object.
            #[serde(default)]
            pub api_version: String,
            /// The kind.
            #[serde(default)]
            pub kind: String,
            /// Standard object metadata.
            #[serde(default)]
            pub metadata: #meta,
            /// The desired state.
            pub spec: #spec,
            #status_field
        }

        impl #name {
            /// A new object named `name` (without a namespace), with `apiVersion` and `kind`
            /// set.
            pub fn new(name: &str, spec: #spec) -> Self {
                Self {
                    api_version: #api_version.to_owned(),
                    kind: #kind.to_owned(),
                    metadata: #meta {
                        name: Some(name.to_owned()),
                        ..::core::default::Default::default()
                    },
                    spec,
                    #status_init
                }
            }
        }

        impl #core::Resource for #name {
            const GROUP: &'static str = #group;
            const VERSION: &'static str = #version;
            const KIND: &'static str = #kind;
            const PLURAL: &'static str = #plural;
            const API_VERSION: &'static str = #api_version;
            type Scope = #scope;

            fn meta(&self) -> &#meta {
                &self.metadata
            }

            fn meta_mut(&mut self) -> &mut #meta {
                &mut self.metadata
            }
        }

        impl #schema::CustomResourceExt for #name {
            fn crd() -> ::core::result::Result<
                #core::k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
                #schema::CrdError,
            > {
                static COLUMNS: &[#schema::PrinterColumn] = &[#(#columns),*];
                let info = #schema::CrdInfo {
                    group: #group,
                    version: #version,
                    kind: #kind,
                    plural: #plural,
                    singular: #singular,
                    namespaced: #namespaced,
                    short_names: &[#(#short_names),*],
                    categories: &[#(#categories),*],
                    printer_columns: COLUMNS,
                    scale: #scale,
                    description: #description,
                };
                let spec = #schema::structural_schema::<#spec>()?;
                let status = #status_schema;
                #schema::custom_resource_definition(&info, spec, status)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(source: &str) -> String {
        let input: DeriveInput = syn::parse_str(source).unwrap();
        expand(&input).unwrap_err().to_string()
    }

    #[test]
    fn plurals() {
        assert_eq!(pluralize("widget"), "widgets");
        assert_eq!(pluralize("policy"), "policies");
        assert_eq!(pluralize("gateway"), "gateways");
        assert_eq!(pluralize("ingress"), "ingresses");
        assert_eq!(pluralize("box"), "boxes");
        assert_eq!(pluralize("mesh"), "meshes");
    }

    #[test]
    fn bad_attributes_are_compile_errors() {
        assert!(error("#[kclient(version = \"v1\", kind = \"W\")] struct S;").contains("group"));
        assert!(error("#[kclient(group = \"a.b\", version = \"v1\", kind = \"W\", colour = \"red\")] struct S;")
            .contains("unknown kclient attribute `colour`"));
        assert!(
            error("#[kclient(group = \"a.b\", version = \"v1\", kind = \"not ok\")] struct S;")
                .contains("valid Rust identifier")
        );
        assert!(error("#[kclient(group = \"a.b\", version = \"v1\", kind = \"W\", printcolumn(name = \"N\"))] struct S;")
            .contains("printcolumn needs `type"));
        assert!(error("#[kclient(group = \"a.b\", version = \"v1\", kind = \"W\", scale(spec_replicas_path = \".spec.r\"))] struct S;")
            .contains("scale needs"));
        assert!(
            error("#[kclient(group = \"a.b\", version = \"v1\", kind = \"W\")] enum S { A }")
                .contains("spec struct")
        );
    }

    #[test]
    fn the_resource_derive_needs_inherit_and_metadata() {
        let input: DeriveInput = syn::parse_str("struct V { metadata: M }").unwrap();
        assert!(
            crate::resource::expand(&input)
                .unwrap_err()
                .to_string()
                .contains("inherit")
        );
        let input: DeriveInput =
            syn::parse_str("#[resource(inherit = Pod)] struct V { spec: S }").unwrap();
        assert!(
            crate::resource::expand(&input)
                .unwrap_err()
                .to_string()
                .contains("metadata")
        );
        let input: DeriveInput =
            syn::parse_str("#[resource(inherit = Pod)] struct V { metadata: M }").unwrap();
        assert!(crate::resource::expand(&input).is_ok());
    }
}
