//! What the writing commands share: where an object from a manifest goes (its resource and
//! namespace), and the request for it.

use kclient::ApiError;
use kclient::core::Unstructured;
use kclient::rest::Request;

use crate::error::CliError;
use crate::manifest::ManifestObject;
use crate::print::name_of;
use crate::resolve::{Resolver, Target};

/// An object from a manifest with its resource and namespace resolved.
pub struct Placed {
    /// The resource serving the object's kind.
    pub target: Target,
    /// The namespace it goes in (`None` for cluster-scoped kinds).
    pub namespace: Option<String>,
    /// The object, with `metadata.namespace` set for namespaced kinds.
    pub object: Unstructured,
    /// The file it came from.
    pub source: String,
}

impl Placed {
    /// Resolves the object's kind and namespace: the object's own, else `default_ns`; a
    /// different `-n` than the object's is an error, as in kubectl.
    pub async fn resolve(
        resolver: &Resolver,
        item: ManifestObject,
        default_ns: &str,
        explicit_ns: Option<&str>,
    ) -> Result<Self, CliError> {
        let ManifestObject { source, mut object } = item;
        let api_version = object.api_version().unwrap_or_default().to_owned();
        let kind = object.kind().unwrap_or_default().to_owned();
        let target = resolver.for_kind(&api_version, &kind).await?;
        let namespace = if target.namespaced {
            let own = object
                .namespace()
                .filter(|ns| !ns.is_empty())
                .map(str::to_owned);
            if let (Some(own), Some(flag)) = (&own, explicit_ns)
                && own != flag
            {
                return Err(CliError::Usage(format!(
                    "the namespace from the provided object \"{own}\" does not match the \
                     namespace \"{flag}\". You must pass '--namespace={own}' to perform this \
                     operation."
                )));
            }
            let ns = own.unwrap_or_else(|| default_ns.to_owned());
            object.set_namespace(ns.clone());
            Some(ns)
        } else {
            None
        };
        Ok(Placed {
            target,
            namespace,
            object,
            source,
        })
    }

    /// The object's name (empty when it only has `generateName`).
    pub fn name(&self) -> &str {
        self.object.name().unwrap_or_default()
    }

    /// `kind.group/name`, as kubectl reports what it did.
    pub fn display_name(&self, name: &str) -> String {
        name_of(&self.target.kind, &self.target.gvr.group, name)
    }

    /// A request on the object's collection (`with_name` false) or on the object.
    pub fn request(&self, request: Request, with_name: bool) -> Request {
        let request = on_collection(request, &self.target, self.namespace.as_deref());
        if with_name {
            request.name(self.name())
        } else {
            request
        }
    }
}

/// `request` pointed at a resource's collection in `namespace` (ignored for cluster kinds).
pub fn on_collection(request: Request, target: &Target, namespace: Option<&str>) -> Request {
    let request = request.group_version(&target.gvr.group_version());
    let request = match namespace {
        Some(ns) if target.namespaced => request.namespace(ns),
        _ => request,
    };
    request.resource(&target.gvr.resource)
}

/// kubectl's wording for a failed write of an object from a file.
pub fn when(action: &str, placed: &Placed, err: kclient::rest::Error) -> CliError {
    match err.status() {
        Some(status) => {
            let reason = status.reason.as_deref().unwrap_or_default();
            let message = status.message.as_deref().unwrap_or_default();
            CliError::Server(format!(
                "Error from server ({reason}): error when {action} \"{}\": {message}",
                placed.source
            ))
        }
        None => err.into(),
    }
}
