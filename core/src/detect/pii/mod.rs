//! Personal data in dataset fields: by field name and by sample values.
//!
//! Field names are split into words (on `_`, `-`, `.`, spaces, camelCase humps and
//! letter/digit changes) and matched by whole words and word sequences, so
//! `employeeEmail`, `EMAIL_ADDRESS` and `e-mail` hit while `timezone`, `statement_id`,
//! `zipper`, `shipment` and `recipe` do not. The name is read by its head word: the last
//! word, looking past references (`id`, `key`, `hash`); a head that describes an attribute
//! of the data rather than the data (`email_template_id`, `card_type`, `phone_opt_in`,
//! `card_token`) is not a hit. Names in German, French, Spanish, Italian, Dutch and
//! Portuguese are matched too (`geburtsdatum`, `adresse_email`, `telefono`).
//!
//! Sample values (`/spec/datasets/i/fields/j/sample`, a string or a list of strings) go
//! through validated recognizers: email, phone (E.164 and national forms), payment card
//! (Luhn and issuer prefix), IBAN (per-country length and mod-97), US SSN (invalid areas
//! and groups), UK NHS number (mod 11), IPv4 and IPv6 — first on the whole value, then
//! inside it as free text ([`find_entities`]: spans, scores raised by context words).

use serde::{Deserialize, Serialize};

mod context;
mod entities;
mod names;
mod scan;
#[cfg(test)]
mod tests;
mod values;

pub use entities::{find_entities, find_entities_in_field, Entity, CONTEXT_BOOST, MAX_ENTITIES, MAX_TEXT, MIN_SCORE};
pub use names::classify_field_name;
pub use scan::{scan_datasets, scan_manifest};
pub use values::{is_email, is_iban, is_ip, is_nhs_number, is_payment_card, is_phone, is_us_ssn, recognize_value};

/// Builds the name and context dictionaries now rather than on the first scan.
pub fn warm_up() {
    names::warm_up();
    context::warm_up();
    entities::warm_up();
}

/// Data-protection category of a finding, as used in a field's `categories`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiCategory {
    /// Personal data (GDPR personal data, CCPA personal information).
    Pii,
    /// Protected health information.
    Phi,
    /// Payment-card data (PCI DSS cardholder data).
    Pci,
    /// Authentication secrets.
    Credentials,
}

impl PiiCategory {
    /// The tag as written in a manifest (`pii`, `phi`, `pci`, `credentials`).
    pub fn as_str(self) -> &'static str {
        match self {
            PiiCategory::Pii => "pii",
            PiiCategory::Phi => "phi",
            PiiCategory::Pci => "pci",
            PiiCategory::Credentials => "credentials",
        }
    }
}

/// What kind of personal data a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    /// Email address.
    Email,
    /// Telephone number.
    Phone,
    /// US social security number.
    Ssn,
    /// Date of birth.
    DateOfBirth,
    /// Passport number.
    Passport,
    /// National identity number (NIN, Aadhaar, ...).
    NationalId,
    /// Tax identification number.
    TaxId,
    /// Driver's license number.
    DriversLicense,
    /// International bank account number.
    Iban,
    /// Other bank account data (account and routing numbers, sort code).
    BankAccount,
    /// Payment card number (PAN) or cardholder data.
    PaymentCard,
    /// Card verification code (CVV, CVC).
    CardSecurityCode,
    /// Card expiry date.
    CardExpiry,
    /// Postal address, street, postcode.
    Address,
    /// A person's name.
    PersonName,
    /// IP address.
    IpAddress,
    /// Geolocation (latitude, longitude, GPS).
    Geolocation,
    /// Salary, income.
    Compensation,
    /// Gender, ethnicity, religion, nationality and similar special categories.
    Demographic,
    /// Device identifiers (MAC address, IMEI, advertising id).
    DeviceId,
    /// UK NHS number.
    NhsNumber,
    /// Medical or health data.
    Health,
    /// Biometric data.
    Biometric,
    /// Passwords, PINs, tokens, keys.
    Credential,
}

impl PiiKind {
    /// The categories this kind belongs to.
    pub fn categories(self) -> &'static [PiiCategory] {
        use PiiKind as K;
        match self {
            K::PaymentCard | K::CardSecurityCode | K::CardExpiry => &[PiiCategory::Pci],
            K::NhsNumber | K::Health | K::Biometric => &[PiiCategory::Phi],
            K::Credential => &[PiiCategory::Credentials],
            _ => &[PiiCategory::Pii],
        }
    }
}

/// Where the evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiSource {
    /// The field's name.
    Name,
    /// A sample value of the field.
    Sample,
}

/// A dataset field that holds (or looks like it holds) personal data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PiiFinding {
    /// JSON pointer: the field (`/spec/datasets/0/fields/2`) for a name hit, the sample
    /// (`…/fields/2/sample` or `…/sample/1`) for a sample hit.
    pub path: String,
    /// The dataset's `name`.
    pub dataset: String,
    /// The field's `name`.
    pub field: String,
    /// Categories the kind belongs to.
    pub categories: Vec<PiiCategory>,
    /// What was recognized.
    pub kind: PiiKind,
    /// Name or sample evidence.
    pub source: PiiSource,
    /// Whether the field's declared `categories` already include every category above.
    pub tagged: bool,
}
