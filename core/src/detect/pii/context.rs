//! Context words: the words near a value (or in its field's name) that make a recognizer
//! surer of what the value is, as Presidio's context enhancer does. English first, then
//! German, French, Spanish, Italian, Dutch and Portuguese.

use super::PiiKind;
use crate::detect::text::{WordMap, Words};
use std::sync::LazyLock;

/// A set of kinds, one bit each (`PiiKind as u32`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct KindSet(u32);

impl KindSet {
    pub(super) fn with(self, kind: PiiKind) -> KindSet {
        KindSet(self.0 | (1 << kind as u32))
    }
    pub(super) fn union(self, other: KindSet) -> KindSet {
        KindSet(self.0 | other.0)
    }
    pub(super) fn has(self, kind: PiiKind) -> bool {
        self.0 & (1 << kind as u32) != 0
    }
}

use PiiKind as K;

/// Words that speak for a kind (lowercase, one word each).
#[rustfmt::skip]
const WORDS: &[(PiiKind, &[&str])] = &[
    (K::Email, &[
        "email", "emails", "mail", "mailto", "contact", "courriel", "correo", "posta", "mailadres",
        "emailadres", "adresse", "electronico", "electrónico", "eletronico", "eletrônico",
    ]),
    (K::Phone, &[
        "phone", "phones", "telephone", "tel", "mobile", "cell", "cellphone", "call", "fax", "ph",
        "whatsapp", "sms", "msisdn", "dial", "telefon", "telefonnummer", "handy", "mobil", "mobilnummer",
        "téléphone", "tél", "portable", "teléfono", "telefono", "móvil", "movil", "celular", "cellulare",
        "telefoon", "telefoonnummer", "mobiel", "telefone", "telemóvel", "telemovel",
    ]),
    (K::PaymentCard, &[
        "card", "cards", "credit", "debit", "visa", "mastercard", "amex", "discover", "jcb", "maestro",
        "cc", "pan", "cardholder", "payment", "karte", "kreditkarte", "kartennummer", "carte", "cb",
        "tarjeta", "carta", "cartao", "cartão", "kaart", "creditcard",
    ]),
    (K::Iban, &[
        "iban", "bank", "account", "sepa", "transfer", "bic", "swift", "konto", "kontonummer",
        "bankverbindung", "compte", "rib", "cuenta", "conto", "conta", "rekening", "rekeningnummer",
    ]),
    (K::Ssn, &["ssn", "ssns", "social", "security", "ss"]),
    (K::NhsNumber, &["nhs", "patient", "chi"]),
    (K::IpAddress, &[
        "ip", "ipv4", "ipv6", "addr", "client", "remote", "src", "dst", "peer", "forwarded", "host",
        "from", "source", "origin",
    ]),
    (K::DateOfBirth, &[
        "dob", "birth", "born", "birthday", "birthdate", "geburtsdatum", "geburtstag", "geboren", "geb",
        "naissance", "né", "née", "nacimiento", "nacido", "nacida", "nascita", "nato", "nata",
        "geboortedatum", "nascimento", "nascido", "nascida",
    ]),
];

static CONTEXT: LazyLock<WordMap<KindSet>> = LazyLock::new(|| {
    let mut merged: Vec<(&'static str, KindSet)> = Vec::new();
    for (kind, words) in WORDS {
        for w in *words {
            match merged.iter_mut().find(|(x, _)| x == w) {
                Some((_, set)) => *set = set.with(*kind),
                None => merged.push((w, KindSet::default().with(*kind))),
            }
        }
    }
    WordMap::new(merged)
});

/// Builds the context dictionary now.
pub(super) fn warm_up() {
    LazyLock::force(&CONTEXT);
}

/// The kinds one word speaks for.
pub(super) fn kinds_of_word(word: &str) -> KindSet {
    CONTEXT.get(word).unwrap_or_default()
}

/// The kinds a field name speaks for: the kinds it names and its context words.
pub(super) fn kinds_of_name(name: &str) -> KindSet {
    let mut set = KindSet::default();
    for k in super::names::classify_field_name(name) {
        set = set.with(k);
    }
    Words::new(name).take(16).fold(set, |s, w| s.union(kinds_of_word(w)))
}

/// Context words of a text with their byte offsets, in order.
pub(super) fn hits(text: &str) -> Vec<(usize, KindSet)> {
    let base = text.as_ptr() as usize;
    Words::new(text)
        .filter_map(|w| {
            let set = kinds_of_word(w);
            (set != KindSet::default()).then(|| (w.as_ptr() as usize - base, set))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercase_and_short() {
        for (_, words) in WORDS {
            for w in *words {
                assert!(w.to_lowercase() == *w && w.len() <= 32, "{w}");
            }
        }
        assert!(kinds_of_word("IBAN").has(K::Iban));
        assert!(kinds_of_name("customer_dob").has(K::DateOfBirth));
        assert!(!kinds_of_name("amount").has(K::Phone));
    }
}
