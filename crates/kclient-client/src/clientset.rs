//! [`ClientSet`]: client-go's `kubernetes.Clientset` — one accessor per group-version of the
//! pinned k8s-openapi version (`core_v1()`, `apps_v1()`, ...), and on each one accessor per
//! kind (`pods(ns)`, `nodes()`), all returning [`Api<K>`]. A macro table over the k8s-openapi
//! types replaces client-go's generated tree: every accessor is the same generic code.

use std::fmt;

use kclient_config::Config;
use kclient_core::resource::{ClusterScoped, NamespaceScoped};
use kclient_rest::RestClient;

use crate::Error;
use crate::api::Api;
use crate::dynamic::DynamicClient;
use crate::metadata::MetadataClient;
use crate::scale::ScaleClient;

/// Typed clients for every built-in group-version, sharing one [`RestClient`] (one
/// connection pool, one rate limiter). Cheap to clone.
///
/// ```no_run
/// # async fn demo(config: kclient_config::Config) -> Result<(), kclient_client::Error> {
/// use kclient_client::ClientSet;
/// use kclient_core::ListOptions;
///
/// let clientset = ClientSet::new(config)?;
/// let pods = clientset.core_v1().pods("default").list(&ListOptions::default()).await?;
/// let nodes = clientset.core_v1().nodes().list(&ListOptions::default()).await?;
/// # let _ = (pods, nodes);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientSet {
    client: RestClient,
}

impl fmt::Debug for ClientSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSet")
            .field("client", &self.client)
            .finish()
    }
}

impl ClientSet {
    /// A clientset for `config` (client-go's `NewForConfig`). Fails on configuration
    /// problems only; nothing is connected yet.
    pub fn new(config: Config) -> Result<Self, Error> {
        Ok(Self::from_client(RestClient::new(config)?))
    }

    /// A clientset over an existing client.
    pub fn from_client(client: RestClient) -> Self {
        Self { client }
    }

    /// The client every request goes through.
    pub fn client(&self) -> &RestClient {
        &self.client
    }

    /// The typed client of any namespaced kind, custom resources included.
    pub fn namespaced<K: NamespaceScoped>(&self, namespace: &str) -> Api<K> {
        Api::namespaced(self.client.clone(), namespace)
    }

    /// The typed client of any cluster-scoped kind, custom resources included.
    pub fn cluster<K: ClusterScoped>(&self) -> Api<K> {
        Api::all(self.client.clone())
    }

    /// A dynamic client sharing this clientset's transport.
    pub fn dynamic(&self) -> DynamicClient {
        DynamicClient::new(self.client.clone())
    }

    /// A metadata-only client sharing this clientset's transport.
    pub fn metadata(&self) -> MetadataClient {
        MetadataClient::new(self.client.clone())
    }

    /// A scale client sharing this clientset's transport.
    pub fn scales(&self) -> ScaleClient {
        ScaleClient::new(self.client.clone())
    }
}

/// Expands one entry per group-version into a client struct with one accessor per kind and
/// the `ClientSet` method that returns it. Namespaced accessors take the namespace (`""`
/// lists and watches across all namespaces, as in client-go); cluster-scoped ones take none.
/// A kind listed under the wrong scope does not compile.
macro_rules! group_clients {
    ($(
        $method:ident => $client:ident, $informers:ident ($($module:ident)::+) {
            namespaced: [$($nname:ident : $nty:ident),* $(,)?],
            cluster: [$($cname:ident : $cty:ident),* $(,)?],
            create_namespaced: [$($xnname:ident : $xnty:ident),* $(,)?],
            create_cluster: [$($xcname:ident : $xcty:ident),* $(,)?],
            subresources: [$($sty:ident),* $(,)?] $(,)?
        }
    ),+ $(,)?) => {
        group_clients! {@emit $(
            $method => $client ($($module)::+) {
                namespaced: [$($nname: $nty,)* $($xnname: $xnty,)*],
                cluster: [$($cname: $cty,)* $($xcname: $xcty,)*],
            }
        ),+}
    };
    (@emit $(
        $method:ident => $client:ident ($($module:ident)::+) {
            namespaced: [$($nname:ident : $nty:ident),* $(,)?],
            cluster: [$($cname:ident : $cty:ident),* $(,)?] $(,)?
        }
    ),+ $(,)?) => {
        $(
            // One module per group-version so the k8s-openapi module path is named once
            // (`group::Pod`), outside the per-kind repetition.
            mod $method {
                use super::{Api, ClientSet, RestClient};
                #[cfg(test)]
                use kclient_core::Resource;
                use k8s_openapi::$($module)::+ as group;

                #[doc = concat!("The typed clients of `", stringify!($($module)::+), "`.")]
                #[derive(Clone, Debug)]
                pub struct $client {
                    client: RestClient,
                }

                impl $client {
                    $(
                        #[doc = concat!("`", stringify!($nty), "` objects in `namespace` (`\"\"`: list and watch across all namespaces).")]
                        pub fn $nname(&self, namespace: &str) -> Api<group::$nty> {
                            Api::namespaced(self.client.clone(), namespace)
                        }
                    )*
                    $(
                        #[doc = concat!("`", stringify!($cty), "` objects (cluster-scoped).")]
                        pub fn $cname(&self) -> Api<group::$cty> {
                            Api::all(self.client.clone())
                        }
                    )*
                }

                #[cfg(test)]
                pub(super) const KINDS: &[(&str, &str, &str)] = &[
                    $((
                        <group::$nty as Resource>::GROUP,
                        <group::$nty as Resource>::VERSION,
                        <group::$nty as Resource>::KIND,
                    ),)*
                    $((
                        <group::$cty as Resource>::GROUP,
                        <group::$cty as Resource>::VERSION,
                        <group::$cty as Resource>::KIND,
                    ),)*
                ];

                impl ClientSet {
                    #[doc = concat!("The typed clients of `", stringify!($($module)::+), "`.")]
                    pub fn $method(&self) -> $client {
                        $client { client: self.client.clone() }
                    }
                }
            }
            pub use $method::$client;
        )+

        /// Every kind with an accessor, per group-version, so a test can hold the table
        /// against the scheme's list of built-in kinds.
        #[cfg(test)]
        const ACCESSOR_KINDS: &[&[(&str, &str, &str)]] = &[$($method::KINDS),+];
    };
}

kclient_core::builtin_group_versions!(group_clients);

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use kclient_core::Scheme;

    use super::ACCESSOR_KINDS;

    /// Types the scheme knows that are only ever sent to a subresource of another object.
    const SUBRESOURCE_BODIES: &[&str] = &["Scale", "Eviction", "TokenRequest"];

    #[test]
    fn every_builtin_kind_has_an_accessor() {
        let have: BTreeSet<(String, String, String)> = ACCESSOR_KINDS
            .iter()
            .flat_map(|kinds| kinds.iter())
            .map(|(g, v, k)| ((*g).to_owned(), (*v).to_owned(), (*k).to_owned()))
            .collect();
        let mut missing = Vec::new();
        for gvk in Scheme::builtin().known_kinds() {
            if SUBRESOURCE_BODIES.contains(&gvk.kind.as_str()) {
                continue;
            }
            let key = (gvk.group.clone(), gvk.version.clone(), gvk.kind.clone());
            if !have.contains(&key) {
                missing.push(key);
            }
        }
        assert!(
            missing.is_empty(),
            "kinds without a ClientSet accessor: {missing:?}"
        );
        let total: usize = ACCESSOR_KINDS.iter().map(|k| k.len()).sum();
        assert_eq!(total, have.len(), "a kind appears twice in the table");
    }
}
