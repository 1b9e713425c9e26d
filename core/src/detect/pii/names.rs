//! Field names: the phrase table and the whole-word matcher that maps a field name to the kinds
//! of personal data it names.

use super::PiiKind;
use crate::detect::text::{word_set, WordMap, Words};
use std::sync::LazyLock;

pub(super) struct Phrase {
    pub(super) words: &'static [&'static str],
    pub(super) kind: PiiKind,
    /// Only when the phrase is the whole name (`mail`, `tel`, `card`).
    pub(super) whole: bool,
}

const fn p(words: &'static [&'static str], kind: PiiKind) -> Phrase {
    Phrase { words, kind, whole: false }
}
const fn w(words: &'static [&'static str], kind: PiiKind) -> Phrase {
    Phrase { words, kind, whole: true }
}

use PiiKind as K;

#[rustfmt::skip]
pub(super) const PHRASES: &[Phrase] = &[
    // email
    p(&["email"], K::Email), p(&["emails"], K::Email), p(&["e", "mail"], K::Email),
    p(&["emailaddress"], K::Email), p(&["email", "address"], K::Email),
    p(&["e", "mail", "address"], K::Email), p(&["mail", "address"], K::Email), w(&["mail"], K::Email),
    // phone
    p(&["phone"], K::Phone), p(&["phones"], K::Phone), p(&["telephone"], K::Phone),
    p(&["phonenumber"], K::Phone), p(&["phone", "number"], K::Phone), w(&["tel"], K::Phone),
    w(&["mobile"], K::Phone), p(&["mobile", "number"], K::Phone), p(&["mobile", "phone"], K::Phone),
    p(&["mobile", "no"], K::Phone), p(&["cellphone"], K::Phone), p(&["cell", "phone"], K::Phone),
    w(&["cell"], K::Phone), p(&["msisdn"], K::Phone), p(&["fax"], K::Phone),
    // government identifiers
    p(&["ssn"], K::Ssn), p(&["social", "security"], K::Ssn), p(&["social", "security", "number"], K::Ssn),
    p(&["socialsecuritynumber"], K::Ssn),
    p(&["dob"], K::DateOfBirth), p(&["date", "of", "birth"], K::DateOfBirth),
    p(&["dateofbirth"], K::DateOfBirth), p(&["birth", "date"], K::DateOfBirth),
    p(&["birthdate"], K::DateOfBirth), p(&["birthday"], K::DateOfBirth), p(&["birth", "day"], K::DateOfBirth),
    p(&["passport"], K::Passport), p(&["passport", "number"], K::Passport),
    p(&["national", "id"], K::NationalId), p(&["nationalid"], K::NationalId),
    p(&["national", "identifier"], K::NationalId), p(&["national", "insurance"], K::NationalId),
    p(&["national", "insurance", "number"], K::NationalId), p(&["nin"], K::NationalId),
    p(&["nino"], K::NationalId), p(&["aadhaar"], K::NationalId), p(&["aadhar"], K::NationalId),
    p(&["pesel"], K::NationalId), p(&["cpf"], K::NationalId), p(&["curp"], K::NationalId),
    p(&["personnummer"], K::NationalId), p(&["identity", "card"], K::NationalId),
    p(&["identity", "number"], K::NationalId),
    p(&["tax", "id"], K::TaxId), p(&["taxid"], K::TaxId), p(&["tin"], K::TaxId), p(&["itin"], K::TaxId),
    p(&["tax", "number"], K::TaxId), p(&["tax", "identification", "number"], K::TaxId),
    p(&["driver", "license"], K::DriversLicense), p(&["drivers", "license"], K::DriversLicense),
    p(&["driver", "licence"], K::DriversLicense), p(&["drivers", "licence"], K::DriversLicense),
    p(&["driving", "license"], K::DriversLicense), p(&["driving", "licence"], K::DriversLicense),
    p(&["driverslicense"], K::DriversLicense),
    // banking
    p(&["iban"], K::Iban),
    p(&["bank", "account"], K::BankAccount), p(&["bank", "account", "number"], K::BankAccount),
    p(&["account", "number"], K::BankAccount), p(&["routing", "number"], K::BankAccount),
    p(&["sort", "code"], K::BankAccount),
    // payment cards
    w(&["card"], K::PaymentCard), p(&["card", "number"], K::PaymentCard), p(&["cardnumber"], K::PaymentCard),
    p(&["card", "num"], K::PaymentCard), p(&["card", "no"], K::PaymentCard), p(&["card", "pan"], K::PaymentCard),
    p(&["credit", "card"], K::PaymentCard), p(&["creditcard"], K::PaymentCard),
    p(&["credit", "card", "number"], K::PaymentCard), p(&["debit", "card"], K::PaymentCard),
    p(&["pan"], K::PaymentCard), p(&["primary", "account", "number"], K::PaymentCard),
    p(&["cc", "number"], K::PaymentCard), p(&["cc", "num"], K::PaymentCard), p(&["ccnum"], K::PaymentCard),
    p(&["cardholder"], K::PaymentCard), p(&["card", "holder"], K::PaymentCard),
    p(&["cardholder", "name"], K::PaymentCard), p(&["card", "holder", "name"], K::PaymentCard),
    p(&["cvv"], K::CardSecurityCode), p(&["cvc"], K::CardSecurityCode), p(&["csc"], K::CardSecurityCode),
    p(&["cvv", "2"], K::CardSecurityCode), p(&["cvc", "2"], K::CardSecurityCode),
    p(&["card", "verification"], K::CardSecurityCode), p(&["security", "code"], K::CardSecurityCode),
    p(&["card", "security", "code"], K::CardSecurityCode),
    p(&["card", "expiry"], K::CardExpiry), p(&["card", "expiration"], K::CardExpiry),
    p(&["card", "exp"], K::CardExpiry), p(&["card", "expiry", "date"], K::CardExpiry),
    p(&["card", "expiration", "date"], K::CardExpiry),
    // addresses
    p(&["address"], K::Address), p(&["addresses"], K::Address), p(&["street"], K::Address),
    p(&["street", "address"], K::Address), p(&["postcode"], K::Address), p(&["post", "code"], K::Address),
    p(&["postal", "code"], K::Address), p(&["postalcode"], K::Address), p(&["zip"], K::Address),
    p(&["zipcode"], K::Address), p(&["zip", "code"], K::Address), p(&["house", "number"], K::Address),
    // names
    p(&["first", "name"], K::PersonName), p(&["firstname"], K::PersonName),
    p(&["last", "name"], K::PersonName), p(&["lastname"], K::PersonName),
    p(&["full", "name"], K::PersonName), p(&["fullname"], K::PersonName),
    p(&["surname"], K::PersonName), p(&["given", "name"], K::PersonName), p(&["givenname"], K::PersonName),
    p(&["family", "name"], K::PersonName), p(&["familyname"], K::PersonName),
    p(&["middle", "name"], K::PersonName), p(&["maiden", "name"], K::PersonName),
    p(&["forename"], K::PersonName), p(&["person", "name"], K::PersonName),
    p(&["customer", "name"], K::PersonName), p(&["employee", "name"], K::PersonName),
    p(&["contact", "name"], K::PersonName), p(&["patient", "name"], K::PersonName),
    p(&["account", "holder"], K::PersonName), p(&["account", "holder", "name"], K::PersonName),
    p(&["holder", "name"], K::PersonName), p(&["member", "name"], K::PersonName),
    p(&["applicant", "name"], K::PersonName), p(&["recipient", "name"], K::PersonName),
    p(&["sender", "name"], K::PersonName), p(&["legal", "name"], K::PersonName),
    // network and device
    p(&["ip"], K::IpAddress), p(&["ip", "address"], K::IpAddress), p(&["ipaddress"], K::IpAddress),
    p(&["ip", "addr"], K::IpAddress), p(&["ipv", "4"], K::IpAddress), p(&["ipv", "6"], K::IpAddress),
    p(&["ipv"], K::IpAddress), p(&["remote", "addr"], K::IpAddress), p(&["remote", "address"], K::IpAddress),
    p(&["mac", "address"], K::DeviceId), p(&["imei"], K::DeviceId), p(&["device", "id"], K::DeviceId),
    p(&["deviceid"], K::DeviceId), p(&["advertising", "id"], K::DeviceId), p(&["idfa"], K::DeviceId),
    // location
    p(&["geolocation"], K::Geolocation), p(&["geo", "location"], K::Geolocation),
    p(&["latitude"], K::Geolocation), p(&["longitude"], K::Geolocation), p(&["lat"], K::Geolocation),
    p(&["lon"], K::Geolocation), p(&["lng"], K::Geolocation), p(&["gps"], K::Geolocation),
    p(&["geo", "coordinates"], K::Geolocation), p(&["geohash"], K::Geolocation),
    // money
    p(&["salary"], K::Compensation), p(&["salaries"], K::Compensation), p(&["income"], K::Compensation),
    p(&["wage"], K::Compensation), p(&["wages"], K::Compensation), p(&["compensation"], K::Compensation),
    // special categories
    p(&["gender"], K::Demographic), w(&["sex"], K::Demographic), p(&["ethnicity"], K::Demographic),
    p(&["religion"], K::Demographic), p(&["nationality"], K::Demographic),
    p(&["sexual", "orientation"], K::Demographic), p(&["marital", "status"], K::Demographic),
    p(&["citizenship"], K::Demographic), p(&["political", "affiliation"], K::Demographic),
    // health
    p(&["medical"], K::Health), p(&["diagnosis"], K::Health), p(&["diagnoses"], K::Health),
    p(&["prescription"], K::Health), p(&["prescriptions"], K::Health), p(&["medication"], K::Health),
    p(&["medications"], K::Health), p(&["allergy"], K::Health), p(&["allergies"], K::Health),
    p(&["patient"], K::Health), p(&["mrn"], K::Health), p(&["health", "record"], K::Health),
    p(&["health", "records"], K::Health), p(&["health", "data"], K::Health),
    p(&["health", "condition"], K::Health), p(&["health", "insurance"], K::Health),
    p(&["mental", "health"], K::Health), p(&["icd"], K::Health), p(&["icd", "10"], K::Health),
    p(&["blood", "type"], K::Health), p(&["blood", "group"], K::Health), p(&["disability"], K::Health),
    p(&["disabilities"], K::Health), p(&["symptom"], K::Health), p(&["symptoms"], K::Health),
    p(&["treatment"], K::Health), p(&["vaccination"], K::Health), p(&["lab", "result"], K::Health),
    p(&["lab", "results"], K::Health), p(&["genetic"], K::Health), p(&["dna"], K::Health),
    p(&["pregnancy"], K::Health),
    p(&["nhs"], K::NhsNumber), p(&["nhs", "number"], K::NhsNumber), p(&["nhs", "no"], K::NhsNumber),
    p(&["biometric"], K::Biometric), p(&["biometrics"], K::Biometric), p(&["faceprint"], K::Biometric),
    p(&["voiceprint"], K::Biometric), p(&["iris", "scan"], K::Biometric), p(&["retina", "scan"], K::Biometric),
    // credentials
    p(&["password"], K::Credential), p(&["passwd"], K::Credential), p(&["pwd"], K::Credential),
    p(&["passphrase"], K::Credential), p(&["pin"], K::Credential), p(&["pin", "code"], K::Credential),
    p(&["security", "answer"], K::Credential), p(&["secret"], K::Credential),
    p(&["api", "key"], K::Credential), p(&["apikey"], K::Credential), p(&["access", "token"], K::Credential),
    p(&["refresh", "token"], K::Credential), p(&["auth", "token"], K::Credential),
    p(&["session", "token"], K::Credential), w(&["token"], K::Credential), p(&["otp"], K::Credential),
    p(&["totp", "secret"], K::Credential), p(&["private", "key"], K::Credential),
    p(&["credential"], K::Credential), p(&["credentials"], K::Credential),
    p(&["biometric", "template"], K::Biometric),
    // German
    p(&["geburtsdatum"], K::DateOfBirth), p(&["geburtstag"], K::DateOfBirth), p(&["geb", "datum"], K::DateOfBirth),
    p(&["telefon"], K::Phone), p(&["telefonnummer"], K::Phone), p(&["handy"], K::Phone),
    p(&["handynummer"], K::Phone), p(&["mobilnummer"], K::Phone), p(&["mobiltelefon"], K::Phone),
    p(&["emailadresse"], K::Email), p(&["email", "adresse"], K::Email), p(&["e", "mail", "adresse"], K::Email),
    p(&["mailadresse"], K::Email),
    p(&["adresse"], K::Address), p(&["anschrift"], K::Address), p(&["strasse"], K::Address),
    p(&["straße"], K::Address), p(&["hausnummer"], K::Address), p(&["postleitzahl"], K::Address),
    p(&["plz"], K::Address), p(&["wohnort"], K::Address),
    p(&["vorname"], K::PersonName), p(&["nachname"], K::PersonName), p(&["familienname"], K::PersonName),
    p(&["sozialversicherungsnummer"], K::NationalId), p(&["personalausweis"], K::NationalId),
    p(&["personalausweisnummer"], K::NationalId), p(&["ausweisnummer"], K::NationalId),
    p(&["steuernummer"], K::TaxId), p(&["steuer", "id"], K::TaxId), p(&["steueridentifikationsnummer"], K::TaxId),
    p(&["reisepass"], K::Passport), p(&["reisepassnummer"], K::Passport), p(&["passnummer"], K::Passport),
    p(&["fuehrerschein"], K::DriversLicense), p(&["führerschein"], K::DriversLicense),
    p(&["kontonummer"], K::BankAccount), p(&["bankverbindung"], K::BankAccount),
    p(&["kreditkarte"], K::PaymentCard), p(&["kreditkartennummer"], K::PaymentCard),
    p(&["kartennummer"], K::PaymentCard),
    p(&["geschlecht"], K::Demographic), p(&["staatsangehoerigkeit"], K::Demographic),
    p(&["staatsangehörigkeit"], K::Demographic),
    p(&["gehalt"], K::Compensation), p(&["lohn"], K::Compensation),
    p(&["passwort"], K::Credential), p(&["kennwort"], K::Credential),
    p(&["diagnose"], K::Health), p(&["krankenversicherung"], K::Health),
    // French
    p(&["adresse", "email"], K::Email), p(&["adresse", "mail"], K::Email), p(&["adresse", "e", "mail"], K::Email),
    p(&["adresse", "courriel"], K::Email), p(&["courriel"], K::Email),
    p(&["téléphone"], K::Phone), w(&["portable"], K::Phone),
    p(&["numero", "telephone"], K::Phone), p(&["numero", "de", "telephone"], K::Phone),
    p(&["numéro", "de", "téléphone"], K::Phone), p(&["tel", "portable"], K::Phone),
    p(&["date", "de", "naissance"], K::DateOfBirth), p(&["date", "naissance"], K::DateOfBirth),
    p(&["naissance"], K::DateOfBirth),
    p(&["prenom"], K::PersonName), p(&["prénom"], K::PersonName), p(&["nom", "de", "famille"], K::PersonName),
    p(&["nom", "famille"], K::PersonName), w(&["nom"], K::PersonName), p(&["nom", "complet"], K::PersonName),
    p(&["code", "postal"], K::Address), p(&["rue"], K::Address), p(&["adresse", "postale"], K::Address),
    p(&["numero", "securite", "sociale"], K::NationalId), p(&["numero", "de", "securite", "sociale"], K::NationalId),
    p(&["numéro", "de", "sécurité", "sociale"], K::NationalId), p(&["securite", "sociale"], K::NationalId),
    p(&["sécurité", "sociale"], K::NationalId), p(&["nir"], K::NationalId),
    p(&["numero", "fiscal"], K::TaxId), p(&["passeport"], K::Passport), p(&["numero", "passeport"], K::Passport),
    p(&["permis", "de", "conduire"], K::DriversLicense), p(&["permis", "conduire"], K::DriversLicense),
    p(&["carte", "bancaire"], K::PaymentCard), p(&["numero", "carte"], K::PaymentCard),
    p(&["numero", "de", "carte"], K::PaymentCard), p(&["carte", "credit"], K::PaymentCard),
    p(&["carte", "de", "credit"], K::PaymentCard), p(&["rib"], K::BankAccount),
    p(&["salaire"], K::Compensation), w(&["sexe"], K::Demographic), p(&["nationalite"], K::Demographic),
    p(&["nationalité"], K::Demographic), p(&["mot", "de", "passe"], K::Credential),
    // Spanish
    p(&["correo"], K::Email), p(&["correo", "electronico"], K::Email), p(&["correo", "electrónico"], K::Email),
    p(&["direccion", "correo"], K::Email), p(&["direccion", "de", "correo"], K::Email),
    p(&["direccion", "email"], K::Email),
    p(&["telefono"], K::Phone), p(&["teléfono"], K::Phone), p(&["movil"], K::Phone), p(&["móvil"], K::Phone),
    p(&["celular"], K::Phone), p(&["numero", "de", "telefono"], K::Phone),
    p(&["fecha", "nacimiento"], K::DateOfBirth), p(&["fecha", "de", "nacimiento"], K::DateOfBirth),
    p(&["nacimiento"], K::DateOfBirth),
    w(&["nombre"], K::PersonName), p(&["apellido"], K::PersonName), p(&["apellidos"], K::PersonName),
    p(&["nombre", "completo"], K::PersonName),
    p(&["direccion"], K::Address), p(&["dirección"], K::Address), p(&["domicilio"], K::Address),
    p(&["codigo", "postal"], K::Address), p(&["código", "postal"], K::Address), p(&["calle"], K::Address),
    p(&["dni"], K::NationalId), p(&["nie"], K::NationalId), p(&["nif"], K::TaxId),
    p(&["numero", "seguridad", "social"], K::NationalId), p(&["numero", "de", "seguridad", "social"], K::NationalId),
    p(&["seguridad", "social"], K::NationalId), p(&["pasaporte"], K::Passport),
    p(&["tarjeta"], K::PaymentCard), p(&["tarjeta", "de", "credito"], K::PaymentCard),
    p(&["numero", "tarjeta"], K::PaymentCard), p(&["numero", "de", "tarjeta"], K::PaymentCard),
    p(&["cuenta", "bancaria"], K::BankAccount), p(&["numero", "de", "cuenta"], K::BankAccount),
    p(&["salario"], K::Compensation), p(&["sueldo"], K::Compensation), w(&["sexo"], K::Demographic),
    p(&["nacionalidad"], K::Demographic), p(&["contrasena"], K::Credential), p(&["contraseña"], K::Credential),
    // Italian
    p(&["posta", "elettronica"], K::Email), p(&["indirizzo", "email"], K::Email),
    p(&["indirizzo", "mail"], K::Email), p(&["cellulare"], K::Phone), p(&["numero", "di", "telefono"], K::Phone),
    p(&["data", "di", "nascita"], K::DateOfBirth), p(&["data", "nascita"], K::DateOfBirth),
    p(&["nascita"], K::DateOfBirth),
    w(&["nome"], K::PersonName), p(&["cognome"], K::PersonName), p(&["nome", "completo"], K::PersonName),
    p(&["indirizzo"], K::Address), w(&["cap"], K::Address),
    p(&["codice", "postale"], K::Address),
    p(&["codice", "fiscale"], K::TaxId), p(&["partita", "iva"], K::TaxId), p(&["passaporto"], K::Passport),
    p(&["patente"], K::DriversLicense), p(&["carta", "di", "credito"], K::PaymentCard),
    p(&["numero", "carta"], K::PaymentCard), p(&["conto", "corrente"], K::BankAccount),
    p(&["stipendio"], K::Compensation), w(&["sesso"], K::Demographic), p(&["nazionalita"], K::Demographic),
    p(&["nazionalità"], K::Demographic),
    // Dutch
    p(&["emailadres"], K::Email), p(&["e", "mailadres"], K::Email), p(&["mailadres"], K::Email),
    p(&["telefoon"], K::Phone), p(&["telefoonnummer"], K::Phone), p(&["mobiel"], K::Phone),
    p(&["mobiel", "nummer"], K::Phone), p(&["mobielnummer"], K::Phone),
    p(&["geboortedatum"], K::DateOfBirth), p(&["geboortedag"], K::DateOfBirth),
    p(&["voornaam"], K::PersonName), p(&["achternaam"], K::PersonName), w(&["naam"], K::PersonName),
    p(&["adres"], K::Address), p(&["straat"], K::Address), p(&["huisnummer"], K::Address),
    p(&["woonplaats"], K::Address),
    p(&["bsn"], K::NationalId), p(&["burgerservicenummer"], K::NationalId), p(&["paspoort"], K::Passport),
    p(&["paspoortnummer"], K::Passport), p(&["rijbewijs"], K::DriversLicense),
    p(&["rekeningnummer"], K::BankAccount), p(&["salaris"], K::Compensation),
    p(&["geslacht"], K::Demographic), p(&["nationaliteit"], K::Demographic), p(&["wachtwoord"], K::Credential),
    // Portuguese
    p(&["correio", "eletronico"], K::Email), p(&["correio", "eletrônico"], K::Email),
    p(&["endereco", "email"], K::Email), p(&["endereço", "email"], K::Email),
    p(&["endereco", "de", "email"], K::Email),
    p(&["telefone"], K::Phone), p(&["telemovel"], K::Phone), p(&["telemóvel"], K::Phone),
    p(&["data", "de", "nascimento"], K::DateOfBirth), p(&["data", "nascimento"], K::DateOfBirth),
    p(&["nascimento"], K::DateOfBirth),
    p(&["sobrenome"], K::PersonName), p(&["apelido"], K::PersonName), p(&["nome", "proprio"], K::PersonName),
    p(&["endereco"], K::Address), p(&["endereço"], K::Address), p(&["morada"], K::Address),
    p(&["cep"], K::Address), p(&["logradouro"], K::Address),
    p(&["cpf"], K::NationalId), w(&["rg"], K::NationalId), p(&["cnpj"], K::TaxId), p(&["passaporte"], K::Passport),
    p(&["cartao", "de", "credito"], K::PaymentCard), p(&["cartão", "de", "crédito"], K::PaymentCard),
    p(&["numero", "do", "cartao"], K::PaymentCard), p(&["conta", "bancaria"], K::BankAccount),
    p(&["conta", "bancária"], K::BankAccount), p(&["salário"], K::Compensation),
    p(&["nacionalidade"], K::Demographic), p(&["senha"], K::Credential),
];

/// A trailing word that names a reference to the data rather than the data (`_id`,
/// `_key`, `_hash`): it is looked past to find the head word (sorted).
#[rustfmt::skip]
pub(super) const REFERENCES: &[&str] = &["guid", "hash", "hashed", "id", "ids", "key", "keys", "ref", "refs", "uuid"];

/// A first word that is the head in languages that put it first (`tipo_telefono`, the
/// type of a telephone; `formato_fecha`): the name is about that, not the data (sorted).
#[rustfmt::skip]
pub(super) const FIRST_HEADS: &[&str] = &[
    "formato", "gabarit", "modele", "modello", "modelo", "modèle", "plantilla", "tipo", "typ", "type",
];

/// A last word that describes an attribute of the data, not the data itself (sorted).
#[rustfmt::skip]
pub(super) const ATTRIBUTES: &[&str] = &[
    "allowed", "allowlist", "at", "bounce", "bounced", "brand", "changed", "confirmed", "consent",
    "consented", "count", "disabled", "domain", "enabled", "exists", "file", "flag", "format", "in",
    "kind", "label", "last4", "length", "masked", "network", "opt", "optin", "optout", "out", "pattern",
    "policy", "preference", "preferences", "present", "provider", "regex", "required", "schema", "sent",
    "settings", "status", "template", "templates", "token", "tokenized", "truncated", "type", "types",
    "updated", "valid", "validated", "validation", "verification", "verified", "version", "visibility",
    "visible",
];

/// Phrase indices grouped by first word: `first word → (start, len)` into
/// `PHRASE_ORDER`, which lists phrase indices sorted by first word.
static PHRASE_ORDER: LazyLock<Vec<usize>> = LazyLock::new(|| {
    let mut order: Vec<usize> = (0..PHRASES.len()).collect();
    order.sort_by_key(|&i| PHRASES[i].words.first().copied().unwrap_or_default());
    order
});
static PHRASE_INDEX: LazyLock<WordMap<(usize, usize)>> = LazyLock::new(|| {
    let order = &*PHRASE_ORDER;
    let mut groups: Vec<(&'static str, (usize, usize))> = Vec::new();
    for (pos, &i) in order.iter().enumerate() {
        let first = PHRASES[i].words.first().copied().unwrap_or_default();
        match groups.last_mut() {
            Some((w, (_, len))) if *w == first => *len += 1,
            _ => groups.push((first, (pos, 1))),
        }
    }
    WordMap::new(groups)
});
static ATTRIBUTE_SET: LazyLock<WordMap<()>> = LazyLock::new(|| word_set(ATTRIBUTES));
static REFERENCE_SET: LazyLock<WordMap<()>> = LazyLock::new(|| word_set(REFERENCES));
static FIRST_HEAD_SET: LazyLock<WordMap<()>> = LazyLock::new(|| word_set(FIRST_HEADS));

/// Builds the name dictionaries now rather than on the first scan.
pub fn warm_up() {
    LazyLock::force(&PHRASE_INDEX);
    LazyLock::force(&ATTRIBUTE_SET);
    LazyLock::force(&REFERENCE_SET);
    LazyLock::force(&FIRST_HEAD_SET);
}

/// Kinds suggested by a field name, each once, in order of appearance.
pub fn classify_field_name(name: &str) -> Vec<PiiKind> {
    let mut words: [&str; 16] = [""; 16];
    let mut n = 0;
    for w in Words::new(name).take(16) {
        words[n] = w;
        n += 1;
    }
    let words = &words[..n];
    let index = &*PHRASE_INDEX;
    let order = &*PHRASE_ORDER;
    let mut kinds: Vec<PiiKind> = Vec::new();
    let mut consumed = [false; 16];
    let mut i = 0;
    while i < n {
        let mut best: Option<&Phrase> = None;
        if let Some((start, len)) = index.get(words[i]) {
            for &pi in order.get(start..start + len).unwrap_or_default() {
                let Some(ph) = PHRASES.get(pi) else { continue };
                let len = ph.words.len();
                if i + len > n || (ph.whole && len != n) || best.is_some_and(|b| b.words.len() >= len) {
                    continue;
                }
                if ph.words[1..].iter().zip(&words[i + 1..i + len]).all(|(a, b)| a.eq_ignore_ascii_case(b)) {
                    best = Some(ph);
                }
            }
        }
        match best {
            Some(ph) => {
                if !kinds.contains(&ph.kind) {
                    kinds.push(ph.kind);
                }
                consumed[i..i + ph.words.len()].fill(true);
                i += ph.words.len();
            }
            None => i += 1,
        }
    }
    // The head word: the last one, looking past references (`email_template_id` → the
    // head is `template`). A head that names an attribute of the data, or a first word
    // that heads the name (`tipo_telefono`), means the field is not the data itself.
    let mut head = n.saturating_sub(1);
    while head > 0 && !consumed[head] && REFERENCE_SET.contains(words[head]) {
        head -= 1;
    }
    let attribute = n > 0 && !consumed[head] && ATTRIBUTE_SET.contains(words[head]);
    let first_head = n > 1 && !consumed[0] && FIRST_HEAD_SET.contains(words[0]);
    if attribute || first_head {
        kinds.clear();
    }
    kinds
}
