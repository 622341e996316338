//! Typed accessors of [`SharedInformerFactory`] for every built-in group-version of the
//! pinned k8s-openapi version (`factory.core_v1().pods()`, `factory.apps_v1().deployments()`),
//! in the shape of the ClientSet's: a macro table over the k8s-openapi types instead of
//! client-go's generated tree. Every accessor is [`SharedInformerFactory::resource`].
//!
//! Namespaced kinds also get client-go's lister shorthand: `lister.pods("ns")` is
//! `lister.namespace("ns")`.

use super::{ResourceInformer, SharedInformerFactory};
use crate::lister::{Lister, NamespaceLister};

/// Expands one entry per group-version into an accessor struct with one method per listable
/// kind, and the factory method returning it. Only kinds that support list and watch are
/// listed (review and subresource bodies are not cached).
macro_rules! group_informers {
    // Keeps the entries that have listable kinds (create-only groups such as
    // authentication.k8s.io get no informers), one entry per step.
    (@filter [$($kept:tt)*]) => {
        group_informers! {@emit $($kept)*}
    };
    (@filter [$($kept:tt)*]
        $method:ident => $client:ident, $group:ident ($($module:ident)::+) {
            namespaced: [], cluster: [], $($rest:tt)*
        } $(, $($tail:tt)*)?
    ) => {
        group_informers! {@filter [$($kept)*] $($($tail)*)?}
    };
    (@filter [$($kept:tt)*]
        $method:ident => $client:ident, $group:ident ($($module:ident)::+) {
            namespaced: [$($n:tt)*], cluster: [$($c:tt)*], $($rest:tt)*
        } $(, $($tail:tt)*)?
    ) => {
        group_informers! {@filter [
            $($kept)* $method => $group ($($module)::+) { namespaced: [$($n)*], cluster: [$($c)*] },
        ] $($($tail)*)?}
    };
    (@emit $(
        $method:ident => $group:ident ($($module:ident)::+) {
            namespaced: [$($nname:ident : $nty:ident),* $(,)?],
            cluster: [$($cname:ident : $cty:ident),* $(,)?] $(,)?
        }
    ),+ $(,)?) => {
        $(
            mod $method {
                use super::{ResourceInformer, SharedInformerFactory};
                #[cfg(test)]
                use kclient_core::Resource;
                use k8s_openapi::$($module)::+ as group;

                #[doc = concat!("The shared informers of `", stringify!($($module)::+), "`.")]
                #[derive(Clone, Debug)]
                pub struct $group {
                    factory: SharedInformerFactory,
                }

                impl $group {
                    $(
                        #[doc = concat!("The shared informer of `", stringify!($nty), "` objects.")]
                        pub fn $nname(&self) -> ResourceInformer<group::$nty> {
                            self.factory.resource()
                        }
                    )*
                    $(
                        #[doc = concat!("The shared informer of `", stringify!($cty), "` objects (cluster-scoped).")]
                        pub fn $cname(&self) -> ResourceInformer<group::$cty> {
                            self.factory.resource()
                        }
                    )*
                }

                $(
                    impl super::Lister<group::$nty> {
                        #[doc = concat!("The cached `", stringify!($nty), "` objects of `namespace`.")]
                        pub fn $nname(&self, namespace: &str) -> super::NamespaceLister<group::$nty> {
                            self.namespace(namespace)
                        }
                    }
                )*

                #[cfg(test)]
                pub(super) const KINDS: &[(&str, &str, &str)] = &[
                    $((<group::$nty as Resource>::GROUP, <group::$nty as Resource>::VERSION, <group::$nty as Resource>::KIND),)*
                    $((<group::$cty as Resource>::GROUP, <group::$cty as Resource>::VERSION, <group::$cty as Resource>::KIND),)*
                ];

                impl SharedInformerFactory {
                    #[doc = concat!("The shared informers of `", stringify!($($module)::+), "`.")]
                    pub fn $method(&self) -> $group {
                        $group { factory: self.clone() }
                    }
                }
            }
            pub use $method::$group;
        )+

        /// Every kind with an accessor, so a test can hold the table against the scheme.
        #[cfg(test)]
        pub(super) const ACCESSOR_KINDS: &[&[(&str, &str, &str)]] = &[$($method::KINDS),+];
    };
    ($($entries:tt)*) => {
        group_informers! {@filter [] $($entries)*}
    };
}

kclient_core::builtin_group_versions!(group_informers);
