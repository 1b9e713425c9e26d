//! Closed vocabularies of the manifest, each spelled once.

/// Declares a string-valued enum with its wire spellings, `as_str`, `parse`,
/// `ALL`, `Display` and serde support, so that a vocabulary is defined once.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// Parses the wire spelling (exact, case-sensitive).
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
            /// The wire spellings, for error messages.
            pub fn spellings() -> String {
                [$($text),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                // A unit variant with a `'static` spelling lets serializers share it.
                s.serialize_unit_variant(stringify!($name), 0, self.as_str())
            }
        }

        /// On the wire the value is one of its spellings, as `Serialize` writes it.
        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string", "enum": [$($text),+] })
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown value \"{s}\", expected one of: {}", $name::spellings()))
                })
            }
        }
    };
}

string_enum! {
    /// Data classification, ordered from least to most sensitive
    /// (`public < internal < confidential < restricted`).
    Classification {
        /// May be published.
        Public => "public",
        /// Inside the organisation only.
        Internal => "internal",
        /// Limited to those who need it.
        Confidential => "confidential",
        /// The most sensitive data; regulated or secret.
        Restricted => "restricted",
    }
}

string_enum! {
    /// A category of data in a field.
    Category {
        /// Personal data about an identifiable person.
        Pii => "pii",
        /// Protected health information.
        Phi => "phi",
        /// Payment card data.
        Pci => "pci",
        /// Passwords, keys, tokens.
        Credentials => "credentials",
        /// Financial records.
        Financial => "financial",
        /// Biometric identifiers.
        Biometric => "biometric",
        /// Precise location.
        Location => "location",
        /// GDPR Article 9 special categories.
        Special => "special",
    }
}

string_enum! {
    /// Who built the app.
    BuiltBy {
        /// A person, with a low-code tool or by hand.
        Human => "human",
        /// A person with an AI assistant writing parts of it.
        AiAssistant => "ai-assistant",
        /// An autonomous agent.
        Agent => "agent",
    }
}

string_enum! {
    /// Where the app runs.
    Environment {
        /// Synthetic data, no production access.
        Sandbox => "sandbox",
        /// Pre-production.
        Staging => "staging",
        /// Production.
        Production => "production",
    }
}

string_enum! {
    /// Single sign-on protocol.
    Sso {
        /// OpenID Connect.
        Oidc => "oidc",
        /// SAML 2.0.
        Saml => "saml",
        /// No single sign-on.
        None => "none",
    }
}

/// No single sign-on, as a manifest without `auth.sso` says.
impl Default for Sso {
    fn default() -> Self {
        Sso::None
    }
}

string_enum! {
    /// What a connector may do with its datasets.
    Access {
        /// Read only.
        Read => "read",
        /// Read and write.
        Write => "write",
    }
}

string_enum! {
    /// Who holds the encryption keys of a dataset.
    Encryption {
        /// Keys managed by the platform.
        Platform => "platform",
        /// Bring your own key: the tenant holds the key.
        Byok => "byok",
    }
}

string_enum! {
    /// Risk tier, ordered.
    Tier {
        /// No approval needed.
        Low => "low",
        /// Security review.
        Medium => "medium",
        /// Security and data-governance review.
        High => "high",
    }
}
