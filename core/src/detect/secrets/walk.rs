//! The walker: visits every string of a document with its key as context and runs the rules,
//! the entropy test and the structural pass on it.

use super::allow::{
    is_benign_word, is_checksum, is_known_example, is_path_like, is_placeholder, is_plain_url, is_public_token,
    is_reference, span_is_filler, strip_auth_scheme,
};
use super::keys::{classify_key, refine_by_key, KeyClass};
use super::prefilter::{has_assignment_separator, keyword_rules, COMPILED};
use super::rules::{rule_by_id, Check, RuleDef, MIN_CONTENT_LEN, RULES};
use super::validate::{password_like, valid_basic, valid_jwt, valid_uri_password};
use super::SecretFinding;
use crate::detect::text::{self, contains_ci, entropy, Seg};
use serde_json::Value;
use std::cell::RefCell;

pub(super) struct Walker<'v, 'm> {
    pub(super) path: Vec<Seg<'v>>,
    pub(super) out: Vec<SecretFinding>,
    pub(super) memo: &'m mut KeyMemo,
    /// Every leaf visited, with its path and key context: tests compare walks by it.
    #[cfg(test)]
    pub(super) visits: Vec<String>,
}

thread_local! {
    /// Key classes depend on the key alone, so one memo per thread serves every scan:
    /// a scan starts with the keys of the previous ones already classified. Boxed on
    /// first use: a thread-local this size in static TLS makes a Python extension fail
    /// to load (`cannot allocate memory in static TLS block`), as glibc keeps little
    /// static TLS for libraries opened with dlopen.
    static KEY_MEMO: RefCell<Option<Box<KeyMemo>>> = const { RefCell::new(None) };
}

/// Runs `walk` on a new walker and returns its findings.
pub(super) fn scan_with<'v>(walk: impl FnOnce(&mut Walker<'v, '_>)) -> Vec<SecretFinding> {
    KEY_MEMO.with(|memo| match memo.try_borrow_mut() {
        Ok(mut memo) => {
            let memo = memo.get_or_insert_with(|| Box::new(KeyMemo::new()));
            let mut w = Walker::new(memo);
            walk(&mut w);
            w.out
        }
        // Not reached (a scan never starts another), but a fresh memo would do.
        Err(_) => {
            let mut memo = KeyMemo::new();
            let mut w = Walker::new(&mut memo);
            walk(&mut w);
            w.out
        }
    })
}

/// A member value of an object the walker visits: a JSON value, or a string of one of
/// the typed manifest's string maps (`labels`, `headers`).
pub(super) trait Member<'v>: Copy {
    fn as_str(self) -> Option<&'v str>;
    /// Whether the key's class matters: a leaf, or an array that may hold leaves.
    fn has_leaves(self) -> bool;
    fn walk(self, w: &mut Walker<'v, '_>, key: (&'v str, KeyClass));
}

impl<'v> Member<'v> for &'v Value {
    fn as_str(self) -> Option<&'v str> {
        Value::as_str(self)
    }
    fn has_leaves(self) -> bool {
        matches!(self, Value::String(_) | Value::Number(_) | Value::Array(_))
    }
    #[inline]
    fn walk(self, w: &mut Walker<'v, '_>, (k, kc): (&'v str, KeyClass)) {
        // Most members are leaves: checked here, without a call to `walk`.
        match self {
            Value::String(s) => w.string(s, Some(k), kc),
            Value::Number(n) => w.number(n, kc),
            Value::Bool(_) | Value::Null => {}
            Value::Array(_) | Value::Object(_) => w.walk(self, Some((k, kc))),
        }
    }
}

impl<'v> Member<'v> for &'v String {
    fn as_str(self) -> Option<&'v str> {
        Some(self)
    }
    fn has_leaves(self) -> bool {
        true
    }
    #[inline]
    fn walk(self, w: &mut Walker<'v, '_>, (k, kc): (&'v str, KeyClass)) {
        w.string(self, Some(k), kc);
    }
}

/// Key classes already computed (see `KEY_MEMO`). Manifests repeat a small vocabulary of
/// keys (`name`, `type`, `fields`, ... once per dataset and connector), so a small
/// direct-mapped table answers most keys with two word comparisons. Slots keep their
/// own copy of the key (see [`packed_key`]): comparing against another heap string
/// would cost a cache miss.
pub(super) struct KeyMemo {
    slots: [MemoSlot; MEMO_SLOTS],
}

const MEMO_LOG2: u32 = 8;
const MEMO_SLOTS: usize = 1 << MEMO_LOG2;

#[derive(Clone, Copy)]
struct MemoSlot {
    /// Key length; 0 for an empty slot.
    len: u8,
    words: (u64, u64),
    class: KeyClass,
}

/// A key of 1 to 16 bytes as two words that, with its length, hold every byte: the
/// first and the last 8 bytes (4 bytes under 8, overlapping for lengths in between),
/// or the first, middle and last byte under 4. `None` for longer keys.
#[inline]
pub(super) fn packed_key(b: &[u8]) -> Option<(u64, u64)> {
    let byte = |at: usize| u64::from(b.get(at).copied().unwrap_or(0));
    let le32 =
        |at: usize| b.get(at..at + 4).and_then(|w| w.try_into().ok()).map_or(0, |w| u64::from(u32::from_le_bytes(w)));
    let le64 = |at: usize| b.get(at..at + 8).and_then(|w| w.try_into().ok()).map_or(0, u64::from_le_bytes);
    let n = b.len();
    match n {
        0 => None,
        1..=3 => Some((byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16, 0)),
        4..=7 => Some((le32(0), le32(n - 4))),
        8..=16 => Some((le64(0), le64(n - 8))),
        _ => None,
    }
}

impl KeyMemo {
    pub(super) const fn new() -> Self {
        let empty = MemoSlot { len: 0, words: (0, 0), class: KeyClass::PLAIN };
        KeyMemo { slots: [empty; MEMO_SLOTS] }
    }

    #[inline]
    pub(super) fn class(&mut self, key: &str) -> KeyClass {
        let b = key.as_bytes();
        let Some(words) = packed_key(b) else {
            return classify_key(key);
        };
        let mixed = (words.0 ^ words.1.rotate_left(29) ^ b.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let slot = &mut self.slots[(mixed >> (64 - MEMO_LOG2)) as usize];
        if usize::from(slot.len) == b.len() && slot.words == words {
            return slot.class;
        }
        let class = classify_key(key);
        *slot = MemoSlot { len: b.len() as u8, words, class };
        class
    }
}

/// Byte spans already reported in the current string, so generic rules yield.
struct Spans {
    spans: [(usize, usize); 8],
    len: usize,
}

impl Spans {
    fn new() -> Self {
        Spans { spans: [(0, 0); 8], len: 0 }
    }
    fn push(&mut self, s: (usize, usize)) {
        if self.len < self.spans.len() {
            self.spans[self.len] = s;
            self.len += 1;
        }
    }
    fn overlaps(&self, s: (usize, usize)) -> bool {
        self.spans[..self.len].iter().any(|&(a, b)| s.0 < b && a < s.1)
    }
}

pub(super) fn preview(secret: &str) -> String {
    let n = (secret.chars().count() / 4).min(4);
    let mut p: String = secret.chars().take(n).collect();
    p.push('…');
    p
}

impl<'v, 'm> Walker<'v, 'm> {
    pub(super) fn new(memo: &'m mut KeyMemo) -> Self {
        Walker {
            path: Vec::with_capacity(16),
            out: Vec::new(),
            memo,
            #[cfg(test)]
            visits: Vec::new(),
        }
    }

    pub(super) fn report(&mut self, rule_id: &str, secret: &str) {
        if let Some(r) = rule_by_id(rule_id) {
            self.out.push(SecretFinding {
                rule: r.id.to_string(),
                path: text::pointer(&self.path),
                preview: preview(secret),
                severity: r.severity,
                confidence: r.confidence,
                description: r.description.to_string(),
            });
        }
    }

    pub(super) fn walk(&mut self, v: &'v Value, key: Option<(&'v str, KeyClass)>) {
        match v {
            Value::String(s) => {
                let (k, kc) = match key {
                    Some((k, kc)) => (Some(k), kc),
                    None => (None, KeyClass::PLAIN),
                };
                self.string(s, k, kc);
            }
            Value::Number(n) => {
                if let Some((_, kc)) = key {
                    self.number(n, kc);
                }
            }
            Value::Array(items) => {
                // One path segment for the items, rewritten per item.
                self.path.push(Seg::Index(0));
                for (i, item) in items.iter().enumerate() {
                    self.set_last(Seg::Index(i));
                    // An array inherits its key: `tokens: [..]`.
                    match (item, key) {
                        (Value::String(s), Some((k, kc))) => self.string(s, Some(k), kc),
                        _ => self.walk(item, key),
                    }
                }
                self.path.pop();
            }
            Value::Object(map) => self.object(map.iter(), |k| map.get(k)),
            Value::Bool(_) | Value::Null => {}
        }
    }

    /// Replaces the last path segment.
    #[inline]
    pub(super) fn set_last(&mut self, seg: Seg<'v>) {
        if let Some(last) = self.path.last_mut() {
            *last = seg;
        }
    }

    /// A number under a password-family key is a literal password (`pin: 4321`).
    #[inline]
    pub(super) fn number(&mut self, n: &impl std::fmt::Display, kc: KeyClass) {
        #[cfg(test)]
        self.visits.push(format!("{} {kc:?} {n}", text::pointer(&self.path)));
        if kc.password {
            let digits = n.to_string();
            if digits.len() >= 4 {
                self.report("sensitive_key_literal", &digits);
            }
        }
    }

    /// The members of one object, in order; `get` looks a member up by key. Serves the
    /// JSON document's objects and the typed manifest's free-form maps alike.
    pub(super) fn object<M: Member<'v>>(
        &mut self,
        members: impl Iterator<Item = (&'v String, M)>,
        get: impl Fn(&str) -> Option<M>,
    ) {
        let mut sa_type = false;
        let mut sa_key = false;
        // One path segment for the members, rewritten per member.
        self.path.push(Seg::Key(""));
        for (k, v) in members {
            let mut ctx_key: &'v str = k;
            match (k.as_str(), v.as_str()) {
                // Kubernetes-style `{name: DB_PASSWORD, value: ...}` lists: the sibling
                // names the value.
                ("value" | "val", Some(_)) => {
                    if let Some(n) = get("name").or_else(|| get("key")).and_then(M::as_str) {
                        ctx_key = n;
                    }
                }
                ("type", Some("service_account")) => sa_type = true,
                ("private_key", Some(s)) => sa_key |= s.contains("PRIVATE KEY"),
                _ => {}
            }
            // The class only matters for leaves and arrays of leaves.
            let kc = if v.has_leaves() { self.memo.class(ctx_key) } else { KeyClass::PLAIN };
            self.set_last(Seg::Key(k));
            v.walk(self, (ctx_key, kc));
        }
        self.path.pop();
        if sa_type && sa_key {
            self.report("gcp_service_account", "{\"type\": \"service_account\"}");
        }
    }

    /// One string with its key context: the per-string check every walk calls.
    #[inline]
    pub(super) fn string(&mut self, s: &str, key: Option<&str>, kc: KeyClass) {
        #[cfg(test)]
        self.visits.push(format!("{} {key:?} {kc:?} {s:?}", text::pointer(&self.path)));
        // Most strings of a manifest are short words under ordinary keys, which no
        // pass looks at: content rules start at `MIN_CONTENT_LEN` bytes, lone tokens
        // at 20, and only the structural pass (sensitive keys) reads shorter ones.
        if s.len() >= MIN_CONTENT_LEN || kc.sensitive {
            self.string_passes(s, key, kc);
        }
    }

    /// Content rules, then the structural or the lone-token pass.
    #[inline(never)]
    pub(super) fn string_passes(&mut self, s: &str, key: Option<&str>, kc: KeyClass) {
        let before = self.out.len();
        if s.len() >= MIN_CONTENT_LEN {
            self.content(s);
        }
        if self.out.len() > before {
            return;
        }
        if kc.sensitive {
            self.structural(s, key.unwrap_or(""));
        } else if s.len() >= 20 {
            self.lone_token(s);
        }
    }

    #[inline]
    pub(super) fn content(&mut self, s: &str) {
        let c = &*COMPILED;
        if c.ac.is_some() && !c.gate.may_match(s.as_bytes()) {
            return;
        }
        self.run_keyword_rules(s);
    }

    /// The rules whose keywords occur in `s`, run in order.
    #[inline(never)]
    pub(super) fn run_keyword_rules(&mut self, s: &str) {
        let c = &*COMPILED;
        let mut cand = match &c.ac {
            Some(nfa) => keyword_rules(nfa, &c.pattern_rule, s.as_bytes()),
            None => c.all_rules,
        };
        let mut spans = Spans::new();
        let mut reported = 0u128;
        while cand != 0 {
            let i = cand.trailing_zeros() as usize;
            cand &= cand - 1;
            self.run_rule(i, s, &mut spans, &mut reported);
        }
    }

    fn run_rule(&mut self, i: usize, s: &str, spans: &mut Spans, reported: &mut u128) {
        let (Some(r), Some(Some(re))) = (RULES.get(i), COMPILED.regexes.get(i)) else {
            return;
        };
        if let Some(b) = r.needs {
            if !s.as_bytes().contains(&b) {
                return;
            }
        }
        if r.needs_separator && !has_assignment_separator(s.as_bytes()) {
            return;
        }
        for caps in re.captures_iter(s) {
            let Some(m) = caps.get(r.group).or_else(|| caps.get(0)) else {
                continue;
            };
            let span = (m.start(), m.end());
            if r.generic && spans.overlaps(span) {
                continue;
            }
            let secret = m.as_str();
            let Some(id) = self.validate(r, secret, s, &caps) else {
                continue;
            };
            let Some(idx) = RULES.iter().position(|x| x.id == id) else {
                continue;
            };
            if *reported & (1u128 << idx) != 0 {
                return;
            }
            *reported |= 1u128 << idx;
            spans.push(span);
            self.report(id, secret);
            return;
        }
    }

    pub(super) fn validate(
        &self,
        r: &'static RuleDef,
        secret: &str,
        whole: &str,
        caps: &regex::Captures<'_>,
    ) -> Option<&'static str> {
        if r.check != Check::Structure
            && r.check != Check::ServiceAccount
            && (is_known_example(secret) || span_is_filler(secret))
        {
            return None;
        }
        let ok = match r.check {
            Check::Format | Check::Structure => true,
            Check::MinEntropy(tenths) => entropy(secret.as_bytes()) >= f64::from(tenths) / 10.0,
            Check::Jwt => valid_jwt(secret),
            Check::Basic => valid_basic(secret),
            Check::UriPassword => valid_uri_password(secret),
            Check::Sas => contains_ci(whole, "sv=") || contains_ci(whole, "se="),
            Check::ServiceAccount => whole.contains("private_key"),
            Check::Bearer => {
                !is_placeholder(secret)
                    && !is_reference(secret)
                    && entropy(secret.as_bytes()) >= 3.0
                    && secret.bytes().any(|c| c.is_ascii_digit())
            }
            Check::Assignment => {
                let key = caps.get(1).map_or("", |m| m.as_str());
                return assignment(key, secret);
            }
        };
        ok.then_some(r.id)
    }

    pub(super) fn structural(&mut self, s: &str, key: &str) {
        let v = strip_auth_scheme(text::trim(s));
        if v.is_empty()
            || is_reference(v)
            || is_placeholder(v)
            || is_known_example(v)
            || span_is_filler(v)
            || is_benign_word(v)
            || is_path_like(v)
            || is_plain_url(v)
        {
            return;
        }
        let id = refine_by_key(key, v).unwrap_or("sensitive_key_literal");
        self.report(id, v);
    }

    /// A lone high-entropy token under an ordinary key.
    pub(super) fn lone_token(&mut self, s: &str) {
        let t = text::trim(s);
        let b = t.as_bytes();
        if b.len() < 20 || b.len() > 1024 || b[0] == b'/' {
            return;
        }
        let (mut upper, mut lower, mut digit) = (false, false, false);
        for &c in b {
            match c {
                b'A'..=b'Z' => upper = true,
                b'a'..=b'z' => lower = true,
                b'0'..=b'9' => digit = true,
                b'+' | b'/' | b'=' | b'_' | b'-' => {}
                _ => return,
            }
        }
        if !(upper && lower && digit && mixes_like_random(b)) {
            return;
        }
        if text::is_uuid(t) || is_checksum(t) || t.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-') {
            return;
        }
        if is_known_example(t) || is_placeholder(t) || is_public_token(t) {
            return;
        }
        let body = t.trim_end_matches('=');
        let n = body.len() as f64;
        let threshold = (0.85 * n.log2()).min(4.3);
        if entropy(body.as_bytes()) >= threshold {
            self.report("generic_high_entropy", t);
        }
    }
}

/// Random base62 switches between upper case, lower case and digits at ~60% of
/// positions; identifiers (`MyServiceAccountName01`, `eu-west-1a_SubnetGroup01`) at
/// ~30%. Separators reset the run and are not counted.
fn mixes_like_random(b: &[u8]) -> bool {
    let class = |c: u8| match c {
        b'A'..=b'Z' => 1u8,
        b'a'..=b'z' => 2,
        b'0'..=b'9' => 3,
        _ => 0,
    };
    // A long lowercase run is a word (`…IdentifierName2`): rare in random base62.
    let mut run = 0usize;
    for &c in b {
        run = if c.is_ascii_lowercase() { run + 1 } else { 0 };
        if run >= 7 {
            return false;
        }
    }
    let (mut switches, mut pairs) = (0usize, 0usize);
    for w in b.windows(2) {
        let (x, y) = (class(w[0]), class(w[1]));
        if x != 0 && y != 0 {
            pairs += 1;
            if x != y {
                switches += 1;
            }
        }
    }
    pairs > 0 && switches * 10 >= pairs * 4
}

fn assignment(key: &str, value: &str) -> Option<&'static str> {
    let key = key.trim_matches(|c| c == '"' || c == '\'');
    let kc = classify_key(key);
    if !kc.sensitive {
        return None;
    }
    let v = value.trim_matches(|c| c == '"' || c == '\'');
    if is_reference(v) || is_placeholder(v) || is_benign_word(v) || is_path_like(v) || is_plain_url(v) {
        return None;
    }
    if let Some(id) = refine_by_key(key, v) {
        return Some(id);
    }
    if kc.password {
        return password_like(v).then_some("password_assignment");
    }
    let strong = v.len() >= 16 && entropy(v.as_bytes()) >= 3.0;
    let mixed = v.len() >= 8 && password_like(v) && v.bytes().any(|c| c.is_ascii_digit());
    (strong || mixed).then_some("generic_secret_assignment")
}
