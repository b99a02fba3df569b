//! The `section!` macro: one place that declares a scenario section's keys,
//! their types, defaults, units, allowed ranges, meanings and sources.
//!
//! From one declaration it generates the serde struct (with
//! `deny_unknown_fields` and per-key defaults), its `Default`, a range check
//! and the provenance rows printed by `woundsim params` and written to
//! `docs/parameters.md`. A key may end with `, serde(...)` to pass a serde
//! attribute to its field.

/// Declare a scenario section. See the module docs.
#[macro_export]
#[doc(hidden)]
macro_rules! section {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ty = $default:expr, unit $unit:literal, check $check:ident, source $source:literal $(, serde($($sattr:tt)*))?;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            $( $(#[doc = $doc])* #[doc = concat!("\n\nUnit: ", $unit, ". Source: ", $source, ".")] $(#[serde($($sattr)*)])? pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        impl $name {
            /// Append this section's provenance rows, keys prefixed by `prefix`.
            pub fn describe(prefix: &str, out: &mut Vec<$crate::scenario::ParamInfo>) {
                let d = Self::default();
                $(
                    out.push($crate::scenario::ParamInfo::new(
                        prefix, stringify!($field), $unit, &[$($doc),*], $source, &d.$field,
                    ));
                )*
            }

            /// Check every key's range; errors name `file` and the dotted key.
            pub fn check(&self, file: &str, prefix: &str) -> Result<(), $crate::error::InputError> {
                $(
                    if let Err(allowed) = $crate::scenario::checks::$check(&self.$field) {
                        let key = if prefix.is_empty() { stringify!($field).to_string() } else { format!("{}.{}", prefix, stringify!($field)) };
                        return Err($crate::error::InputError::new(
                            file, Some(&key),
                            format!("value {} is out of range", $crate::scenario::checks::show(&self.$field)),
                        ).allowed(allowed));
                    }
                )*
                Ok(())
            }
        }
    };
}
