//! Response content negotiation as kube-apiserver's `endpoints/handlers/negotiation` does it.
//!
//! Every endpoint serializes JSON, YAML and protobuf (in that order: an empty Accept or
//! `*/*` means JSON). The Accept header's media ranges are tried by quality, then
//! specificity, then their order in the header; the first one that one of the three media
//! types matches and whose parameters the endpoint allows wins, and when none does the
//! answer is 406. The endpoint's restrictions:
//!
//! - custom resources (stored and served unstructured) have no protobuf of their own;
//! - `as=Table;g=meta.k8s.io;v=v1` is JSON only (meta/v1 Table has no protobuf message);
//! - `as=PartialObjectMetadata[List];g=meta.k8s.io` comes as JSON or protobuf, for custom
//!   resources too;
//! - `stream=watch` needs a streaming format (JSON, protobuf), and a watch answers 406 when
//!   the chosen format has none (YAML).
//!
//! Errors (a `Status`) are negotiated without the endpoint's restrictions, and come as JSON
//! when nothing in Accept fits.

use crate::error::ErrorResponse;
use crate::respond::{Output, PROTOBUF};

/// What every endpoint lists in its 406 (kube-apiserver names all the media types of the
/// endpoint's serializer, protobuf included for custom resources).
const MEDIA_TYPES: [&str; 3] = ["application/json", "application/yaml", PROTOBUF];

/// What a watch lists in its 406: the formats with a stream framing.
const STREAM_MEDIA_TYPES: [&str; 2] = [
    "application/json;stream=watch",
    "application/vnd.kubernetes.protobuf;stream=watch",
];

/// The serialization of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Json,
    Yaml,
    Protobuf,
}

impl Encoding {
    /// The server's media types, in its order of preference.
    const ALL: [(Encoding, &'static str, &'static str); 3] = [
        (Encoding::Json, "application", "json"),
        (Encoding::Yaml, "application", "yaml"),
        (Encoding::Protobuf, "application", "vnd.kubernetes.protobuf"),
    ];
}

/// One media range of an Accept header.
#[derive(Debug)]
struct Clause<'a> {
    ty: String,
    subtype: String,
    params: Vec<(&'a str, &'a str)>,
    q: f32,
}

/// The media ranges of an Accept header, best first: higher quality, then concrete types
/// before `*`, then header order (what Go's goautoneg yields). Ranges without a `/` other
/// than `*` are dropped.
fn parse_accept(header: &str) -> Vec<Clause<'_>> {
    let mut clauses: Vec<Clause<'_>> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let range = pieces.next()?.trim();
            let (ty, subtype) = match range.split_once('/') {
                Some((t, s)) => (t.trim(), s.trim()),
                None if range == "*" => ("*", "*"),
                None => return None,
            };
            let mut clause = Clause {
                ty: ty.to_ascii_lowercase(),
                subtype: subtype.to_ascii_lowercase(),
                params: Vec::new(),
                q: 1.0,
            };
            for param in pieces {
                let Some((k, v)) = param.split_once('=') else {
                    continue;
                };
                let (k, v) = (k.trim(), v.trim());
                if k == "q" {
                    clause.q = v
                        .parse::<f32>()
                        .ok()
                        .filter(|q| q.is_finite())
                        .unwrap_or(0.0);
                } else {
                    clause.params.push((k, v));
                }
            }
            Some(clause)
        })
        .collect();
    // A stable sort on one key: equal ranges keep the header's order.
    clauses.sort_by(|a, b| {
        b.q.total_cmp(&a.q)
            .then((a.ty == "*").cmp(&(b.ty == "*")))
            .then((a.subtype == "*").cmp(&(b.subtype == "*")))
    });
    clauses
}

/// What an endpoint can produce beyond JSON and YAML of its objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// Its objects have a protobuf message (built-in kinds).
    pub protobuf: bool,
    /// A watch: the chosen format must have a stream framing.
    pub watch: bool,
}

/// How a clause's parameters and media type combine into an output, if the endpoint allows
/// it; without an endpoint (an error's Status) only untransformed objects are allowed.
fn accept_clause(params: &[(&str, &str)], enc: Encoding, ep: Option<Endpoint>) -> Option<Output> {
    let (mut kind, mut group, mut version) = (None, "", "");
    for &(k, v) in params {
        match k {
            "as" => kind = Some(v),
            "g" => group = v,
            "v" => version = v,
            "stream" if !v.is_empty() && (v != "watch" || enc == Encoding::Yaml) => return None,
            // The server's meta group version is v1.
            "sv" if !v.is_empty() && (ep.is_none() || v != "v1") => return None,
            _ => {}
        }
    }
    let converts = kind.is_some() || !group.is_empty() || !version.is_empty();
    if !converts {
        return match enc {
            Encoding::Json => Some(Output::Json),
            Encoding::Yaml => Some(Output::Yaml),
            Encoding::Protobuf if ep.is_none_or(|ep| ep.protobuf) => Some(Output::Protobuf),
            Encoding::Protobuf => None,
        };
    }
    ep?;
    if group != "meta.k8s.io" || !matches!(version, "v1" | "v1beta1") {
        return None;
    }
    match (kind?, enc) {
        // This server prints meta.k8s.io/v1 Tables, in JSON.
        ("Table", Encoding::Json) if version == "v1" => Some(Output::Table),
        ("PartialObjectMetadata" | "PartialObjectMetadataList", Encoding::Json) => {
            Some(Output::PartialMetadata)
        }
        ("PartialObjectMetadata" | "PartialObjectMetadataList", Encoding::Protobuf) => {
            Some(Output::PartialMetadataProtobuf)
        }
        _ => None,
    }
}

/// The first (clause, media type) pair that fits, as Go's `NegotiateMediaTypeOptions`.
fn choose(accept: &str, ep: Option<Endpoint>) -> Option<(Output, Encoding)> {
    if accept.trim().is_empty() {
        return Some((Output::Json, Encoding::Json));
    }
    for clause in parse_accept(accept) {
        for (enc, ty, subtype) in Encoding::ALL {
            let matches = (clause.ty == ty && (clause.subtype == subtype || clause.subtype == "*"))
                || (clause.ty == "*" && clause.subtype == "*");
            if let Some(out) = matches
                .then(|| accept_clause(&clause.params, enc, ep))
                .flatten()
            {
                return Some((out, enc));
            }
        }
    }
    None
}

/// The response format of a resource request (406 when nothing in Accept fits).
pub(crate) fn negotiate(accept: &str, ep: Endpoint) -> Result<Output, ErrorResponse> {
    let (output, enc) =
        choose(accept, Some(ep)).ok_or_else(|| ErrorResponse::not_acceptable(&MEDIA_TYPES))?;
    if ep.watch && enc == Encoding::Yaml {
        return Err(ErrorResponse::not_acceptable(&STREAM_MEDIA_TYPES));
    }
    Ok(output)
}

/// The encoding of an error `Status`: negotiated without the endpoint's restrictions (any
/// `as=` asks for a transformation a Status does not have), JSON when nothing fits.
pub(crate) fn error_encoding(accept: &str) -> Encoding {
    choose(accept, None).map_or(Encoding::Json, |(_, enc)| enc)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILTIN: Endpoint = Endpoint {
        protobuf: true,
        watch: false,
    };
    const CUSTOM: Endpoint = Endpoint {
        protobuf: false,
        watch: false,
    };
    const WATCH: Endpoint = Endpoint {
        protobuf: true,
        watch: true,
    };

    fn out(accept: &str, ep: Endpoint) -> Output {
        negotiate(accept, ep).unwrap_or_else(|e| panic!("{accept}: {:?}", e.status))
    }

    fn refused(accept: &str, ep: Endpoint) -> String {
        let err = negotiate(accept, ep).unwrap_err();
        assert_eq!(err.code(), http::StatusCode::NOT_ACCEPTABLE);
        assert_eq!(err.status.reason.as_deref(), Some("NotAcceptable"));
        err.status.message.clone().unwrap_or_default()
    }

    #[test]
    fn plain_media_types() {
        assert_eq!(out("", BUILTIN), Output::Json);
        assert_eq!(out("application/json", BUILTIN), Output::Json);
        assert_eq!(out("*/*", BUILTIN), Output::Json);
        assert_eq!(out("application/*", BUILTIN), Output::Json);
        assert_eq!(out("application/yaml", BUILTIN), Output::Yaml);
        assert_eq!(out(PROTOBUF, BUILTIN), Output::Protobuf);
        assert_eq!(
            out("application/vnd.kubernetes.protobuf, */*", BUILTIN),
            Output::Protobuf
        );
        assert_eq!(
            out(
                "application/vnd.kubernetes.protobuf, application/json",
                CUSTOM
            ),
            Output::Json
        );
        // client-go's default for built-ins and what it sends for watches.
        assert_eq!(
            out(
                "application/vnd.kubernetes.protobuf;stream=watch, application/json",
                WATCH
            ),
            Output::Protobuf
        );
        assert_eq!(
            out("Application/Vnd.Kubernetes.Protobuf ; pretty=1", BUILTIN),
            Output::Protobuf
        );
    }

    #[test]
    fn quality_and_specificity_order_the_ranges() {
        assert_eq!(
            out(
                "application/json;q=0.5, application/vnd.kubernetes.protobuf",
                BUILTIN
            ),
            Output::Protobuf
        );
        assert_eq!(
            out(
                "application/vnd.kubernetes.protobuf;q=0.9, application/json",
                BUILTIN
            ),
            Output::Json
        );
        assert_eq!(out("*/*, application/yaml", BUILTIN), Output::Yaml);
        assert_eq!(
            out("application/yaml;q=x, application/json;q=0.1", BUILTIN),
            Output::Json
        );
    }

    #[test]
    fn transformations() {
        let table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(out(table, BUILTIN), Output::Table);
        assert_eq!(out(table, CUSTOM), Output::Table);
        // No protobuf Table: the next range decides.
        assert_eq!(
            out(
                "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io, application/json",
                BUILTIN
            ),
            Output::Json
        );
        let pom = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
        assert_eq!(out(pom, BUILTIN), Output::PartialMetadataProtobuf);
        assert_eq!(out(pom, CUSTOM), Output::PartialMetadataProtobuf);
        assert_eq!(
            out(
                "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io",
                BUILTIN
            ),
            Output::PartialMetadata
        );
        // An unknown or incomplete target is skipped.
        assert_eq!(
            out("application/json;as=Pod;v=v1, application/yaml", BUILTIN),
            Output::Yaml
        );
        refused("application/json;as=Table", BUILTIN);
    }

    #[test]
    fn refusals_name_the_endpoint_media_types() {
        let all = "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf";
        assert_eq!(refused("text/html", BUILTIN), all);
        assert_eq!(refused(PROTOBUF, CUSTOM), all);
        assert_eq!(refused("application/yaml;stream=watch", BUILTIN), all);
        assert_eq!(
            refused("application/yaml", WATCH),
            "only the following media types are accepted: application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch"
        );
        assert_eq!(refused("application/json;sv=v2", BUILTIN), all);
    }

    #[test]
    fn errors_are_negotiated_without_restrictions() {
        assert_eq!(error_encoding(""), Encoding::Json);
        assert_eq!(error_encoding(PROTOBUF), Encoding::Protobuf);
        assert_eq!(error_encoding("application/yaml"), Encoding::Yaml);
        assert_eq!(error_encoding("text/html"), Encoding::Json);
        assert_eq!(
            error_encoding(
                "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
            ),
            Encoding::Json
        );
        assert_eq!(
            error_encoding("application/json;as=Table;v=v1;g=meta.k8s.io"),
            Encoding::Json
        );
    }
}
