//! The built-in types of the pinned k8s-openapi version (feature `v1_33`): every type with
//! `ObjectMeta` metadata, including subresource bodies (`Scale`, `Eviction`, `TokenRequest`)
//! and create-only review types. Lists and discovery documents are not objects and are left out.

use super::Scheme;

/// Expands the built-in table into one registration call per type, of every list.
macro_rules! builtin_types {
    ($(
        $method:ident => $client:ident, $informers:ident ($($module:ident)::+) {
            namespaced: [$($nname:ident : $nty:ident),* $(,)?],
            cluster: [$($cname:ident : $cty:ident),* $(,)?],
            create_namespaced: [$($xnname:ident : $xnty:ident),* $(,)?],
            create_cluster: [$($xcname:ident : $xcty:ident),* $(,)?],
            subresources: [$($sty:ident),* $(,)?] $(,)?
        }
    ),+ $(,)?) => {
        /// The table's entries, so a test can check that no two types share a kind.
        #[cfg(test)]
        pub(super) const TYPE_NAMES: &[&str] = &[$(
            $(stringify!($nty),)* $(stringify!($cty),)* $(stringify!($xnty),)*
            $(stringify!($xcty),)* $(stringify!($sty),)*
        )+];

        /// Registers every built-in type.
        pub(super) fn register_all(scheme: &mut Scheme) {
            $({
                use k8s_openapi::$($module)::+ as group;
                $(scheme.insert::<group::$nty>();)*
                $(scheme.insert::<group::$cty>();)*
                $(scheme.insert::<group::$xnty>();)*
                $(scheme.insert::<group::$xcty>();)*
                $(scheme.insert::<group::$sty>();)*
            })+
        }
    };
}

crate::builtin_group_versions!(builtin_types);
