//! Personal data inside free text: sentences, log lines, CSV rows, JSON snippets.
//!
//! Each recognizer proposes spans found by a hand-written, single-pass scan (no regular
//! expressions, so no backtracking), and accepts one only when its validator does:
//! e-mail syntax, Luhn and the issuer ranges for cards, mod 97 for IBANs, the SSA's rules
//! for US SSNs, mod 11 for NHS numbers, the standard parsers for IP addresses, calendar
//! checks for dates. A span's score starts at its recognizer's base and is raised by
//! [`CONTEXT_BOOST`] when a context word for its kind ("card", "iban", "tel", "dob",
//! "ssn", ... in seven languages) is near it or in the field's name, as Presidio's
//! context enhancer does. Spans scoring [`MIN_SCORE`] or more are findings; a date is
//! one only beside a birth word.
//!
//! Work is linear in the text and bounded: at most [`MAX_TEXT`] bytes of a sample are
//! read and at most [`MAX_ENTITIES`] spans reported.

use super::context::{hits, kinds_of_name, KindSet};
use super::values::{is_email, is_iban, is_nhs_number, is_payment_card, is_phone, is_us_ssn};
use super::PiiKind;
use crate::detect::text::{WordMap, Words};
use serde::Serialize;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Bytes of one text that are scanned; the rest is ignored.
pub const MAX_TEXT: usize = 64 * 1024;
/// Spans reported for one text at most.
pub const MAX_ENTITIES: usize = 256;
/// The score a span needs to be a finding.
pub const MIN_SCORE: f32 = 0.5;
/// What a context word adds to a span's score.
pub const CONTEXT_BOOST: f32 = 0.35;
/// How far before a span (bytes) a context word counts in a long text; after a span,
/// half as far. A text shorter than [`WHOLE_TEXT_CONTEXT`] is one context.
const WINDOW_BEFORE: usize = 64;
/// Texts up to this length count context words anywhere in them.
const WHOLE_TEXT_CONTEXT: usize = 200;

/// One entity found in a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    /// What it is.
    pub kind: PiiKind,
    /// Byte offset of its first byte in the text.
    pub start: usize,
    /// Byte offset just past it.
    pub end: usize,
    /// Confidence, 0 to 1: the recognizer's base, plus [`CONTEXT_BOOST`] with context.
    pub score: f32,
    /// Whether a context word raised the score.
    pub context: bool,
}

/// The entities of a text that score [`MIN_SCORE`] or more, in order, without overlaps.
pub fn find_entities(text: &str) -> Vec<Entity> {
    find_entities_in_field("", text)
}

/// [`find_entities`] for a sample of the field `field`: the field's name is context for
/// every span (`dob` makes a date a date of birth, `phone` a number a phone number).
pub fn find_entities_in_field(field: &str, text: &str) -> Vec<Entity> {
    let mut out = all_entities(kinds_of_name(field), text);
    out.retain(|e| e.score >= MIN_SCORE);
    out
}

/// Every span with its score (also those under [`MIN_SCORE`]), given the kinds the
/// field's name speaks for.
pub(super) fn all_entities(field: KindSet, text: &str) -> Vec<Entity> {
    let text = clip(text);
    let b = text.as_bytes();
    let mut cands: Vec<Cand> = Vec::new();
    emails(b, &mut cands);
    ibans(b, &mut cands);
    ipv6(b, &mut cands);
    numbers(text, &mut cands);
    month_dates(text, &mut cands);
    // Best first on overlaps: sort by start, then keep a span unless it overlaps a kept
    // one that scores at least as much.
    let ctx = Context { field, hits: hits(text), whole: text.len() <= WHOLE_TEXT_CONTEXT };
    let mut scored: Vec<Entity> = cands.into_iter().map(|c| ctx.score(c)).collect();
    scored.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept: Vec<Entity> = Vec::new();
    for e in scored {
        match kept.last_mut() {
            Some(last) if e.start < last.end => {
                if e.score > last.score {
                    *last = e;
                }
            }
            _ => kept.push(e),
        }
        if kept.len() >= MAX_ENTITIES {
            break;
        }
    }
    kept
}

/// The first [`MAX_TEXT`] bytes, cut at a character boundary.
fn clip(text: &str) -> &str {
    if text.len() <= MAX_TEXT {
        return text;
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// A proposed span before context: kind, range, base score.
#[derive(Debug, Clone, Copy)]
struct Cand {
    kind: PiiKind,
    start: usize,
    end: usize,
    base: f32,
}

struct Context {
    field: KindSet,
    hits: Vec<(usize, KindSet)>,
    whole: bool,
}

impl Context {
    fn near(&self, c: &Cand) -> bool {
        if self.field.has(c.kind) {
            return true;
        }
        let (lo, hi) = if self.whole {
            (0, usize::MAX)
        } else {
            (c.start.saturating_sub(WINDOW_BEFORE), c.end + WINDOW_BEFORE / 2)
        };
        let from = self.hits.partition_point(|(at, _)| *at < lo);
        self.hits[from..].iter().take_while(|(at, _)| *at <= hi).any(|(at, set)| {
            // A word inside the span itself (the letters of an IBAN) is not context.
            !(c.start..c.end).contains(at) && set.has(c.kind)
        })
    }

    fn score(&self, c: Cand) -> Entity {
        let context = self.near(&c);
        let score = if context { (c.base + CONTEXT_BOOST).min(1.0) } else { c.base };
        Entity { kind: c.kind, start: c.start, end: c.end, score, context }
    }
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c >= 0x80
}

/// Whether a span may start at `i`: the byte before is not part of a word.
fn starts_word(b: &[u8], i: usize) -> bool {
    i == 0 || !is_word_byte(b[i - 1])
}

/// Whether a span may end at `i`: the byte at `i` is not part of a word.
fn ends_word(b: &[u8], i: usize) -> bool {
    b.get(i).is_none_or(|&c| !is_word_byte(c))
}

fn str_of(b: &[u8], start: usize, end: usize) -> &str {
    b.get(start..end).and_then(|s| std::str::from_utf8(s).ok()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------
// E-mail: around each `@`, the longest local part and domain, then the validator.

fn emails(b: &[u8], out: &mut Vec<Cand>) {
    const LOCAL: &[u8] = b".!#$%&'*+/?^_`{|}~-";
    let local_byte = |c: u8| c.is_ascii_alphanumeric() || LOCAL.contains(&c) || c >= 0x80;
    let domain_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'-' || c >= 0x80;
    let mut floor = 0usize;
    let mut i = 0usize;
    while let Some(off) = b.get(i..).and_then(|s| s.iter().position(|&c| c == b'@')) {
        let at = i + off;
        i = at + 1;
        let mut start = at;
        while start > floor && at - start < 64 && local_byte(b[start - 1]) {
            start -= 1;
        }
        // Quotes and dots around a local part are punctuation of the text.
        while start < at && matches!(b[start], b'.' | b'\'' | b'`' | b'{' | b'|' | b'/') {
            start += 1;
        }
        let mut end = at + 1;
        while end < b.len() && end - at <= 253 && domain_byte(b[end]) {
            end += 1;
        }
        while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if start < at && is_email(str_of(b, start, end)) {
            out.push(Cand { kind: PiiKind::Email, start, end, base: 0.85 });
            floor = end;
            i = end;
        }
    }
}

// ---------------------------------------------------------------------------------
// IBAN: two capitals and two digits at a word start, then the country's length of
// letters and digits, single spaces allowed between them.

fn ibans(b: &[u8], out: &mut Vec<Cand>) {
    let mut i = 0usize;
    while i + 4 <= b.len() {
        let ok = b[i].is_ascii_uppercase()
            && b[i + 1].is_ascii_uppercase()
            && b[i + 2].is_ascii_digit()
            && b[i + 3].is_ascii_digit()
            && starts_word(b, i);
        if !ok {
            i += 1;
            continue;
        }
        let Some(len) = super::values::iban_length(&b[i..i + 2]) else {
            i += 1;
            continue;
        };
        let (mut n, mut j) = (0usize, i);
        while j < b.len() && n < len {
            match b[j] {
                c if c.is_ascii_alphanumeric() => n += 1,
                b' ' if n > 0 && b.get(j + 1).is_some_and(u8::is_ascii_alphanumeric) => {}
                _ => break,
            }
            j += 1;
        }
        if n == len && ends_word(b, j) && is_iban(str_of(b, i, j)) {
            out.push(Cand { kind: PiiKind::Iban, start: i, end: j, base: 0.9 });
            i = j;
        } else {
            i += 2;
        }
    }
}

// ---------------------------------------------------------------------------------
// IPv6: a run of hex digits, colons and dots with at least two colons, parsed by the
// standard library.

fn ipv6(b: &[u8], out: &mut Vec<Cand>) {
    let member = |c: u8| c.is_ascii_hexdigit() || c == b':' || c == b'.';
    let mut i = 0usize;
    while i < b.len() {
        if !member(b[i]) || !(i == 0 || !(is_word_byte(b[i - 1]) || b[i - 1] == b':')) {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut colons = 0usize;
        while j < b.len() && j - i < 64 && member(b[j]) {
            colons += usize::from(b[j] == b':');
            j += 1;
        }
        let mut end = j;
        while end > i && b[end - 1] == b'.' {
            end -= 1;
        }
        if colons >= 2 && ends_word(b, j) {
            let s = str_of(b, i, end);
            if let Ok(ip) = s.parse::<Ipv6Addr>() {
                // `::1`, `a::b`: compressed forms with few groups are weaker evidence.
                let groups = s.split(':').filter(|g| !g.is_empty()).count();
                let base = if groups >= 4 || s.contains('.') { 0.6 } else { 0.4 };
                if !ip.is_unspecified() {
                    out.push(Cand { kind: PiiKind::IpAddress, start: i, end, base });
                }
            }
        }
        i = j.max(i + 1);
    }
}

// ---------------------------------------------------------------------------------
// Numbers: a run of digit groups joined by single separators (space, `-`, `.`, `/`,
// parentheses, a leading `+`), then every stretch of it between spaces tried by the
// digit-based recognizers, longest first.

#[derive(Debug, Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    /// The separator just before the group (0 for the first).
    sep: u8,
}

const MAX_GROUPS: usize = 24;

fn numbers(text: &str, out: &mut Vec<Cand>) {
    let b = text.as_bytes();
    let mut i = 0usize;
    while i < b.len() {
        let c = b[i];
        let opener = (c == b'+' || c == b'(') && b.get(i + 1).is_some_and(u8::is_ascii_digit);
        if !(c.is_ascii_digit() || opener) || !starts_word(b, i) {
            // Skip the rest of a word so digits inside it (`v1`, hashes) never start a run.
            i += 1;
            if is_word_byte(c) {
                while i < b.len() && is_word_byte(b[i]) {
                    i += 1;
                }
            }
            continue;
        }
        let (groups, n, next) = run(b, i);
        try_groups(text, &groups[..n], out);
        i = next.max(i + 1);
    }
}

/// The digit groups of the run at `i` and where scanning resumes.
fn run(b: &[u8], i: usize) -> ([Group; MAX_GROUPS], usize, usize) {
    let mut groups = [Group { start: 0, end: 0, sep: 0 }; MAX_GROUPS];
    let mut n = 0usize;
    let mut j = i;
    let mut sep = 0u8;
    loop {
        // Separators before the next group: one of ` - . /`, with `(`, `)` or `+` around.
        let mut k = j;
        let mut seps = 0usize;
        while k < b.len() && matches!(b[k], b' ' | b'-' | b'.' | b'/' | b'(' | b')' | b'+') && seps < 3 {
            if matches!(b[k], b' ' | b'-' | b'.' | b'/') {
                sep = if sep == 0 || sep == b' ' { b[k] } else { sep };
            }
            k += 1;
            seps += 1;
        }
        if n > 0 && (k == j || seps == 3) {
            break;
        }
        if !b.get(k).is_some_and(u8::is_ascii_digit) {
            // `536-22-1094-B`, `12/03/1985/x`: the run is part of a longer code.
            if n > 0 && k == j + 1 && matches!(b[j], b'-' | b'/') && b.get(k).is_some_and(|&c| is_word_byte(c)) {
                return (groups, 0, k);
            }
            break;
        }
        let start = k;
        while k < b.len() && b[k].is_ascii_digit() {
            k += 1;
        }
        if k < b.len() && is_word_byte(b[k]) {
            // Digits glued to letters (`01T09`, `12px`) belong to a word.
            while k < b.len() && is_word_byte(b[k]) {
                k += 1;
            }
            return (groups, n, k);
        }
        if n == MAX_GROUPS {
            return (groups, n, k);
        }
        groups[n] = Group { start, end: k, sep: if n == 0 { 0 } else { sep } };
        n += 1;
        sep = 0;
        j = k;
    }
    (groups, n, j)
}

/// Tries each stretch of groups that starts and ends at a space (or the run's ends),
/// longest first from each start; an accepted stretch is skipped over.
fn try_groups(text: &str, g: &[Group], out: &mut Vec<Cand>) {
    let b = text.as_bytes();
    let cut = |k: usize| k == 0 || k == g.len() || g[k].sep == b' ';
    let mut a = 0usize;
    while a < g.len() {
        if !cut(a) {
            a += 1;
            continue;
        }
        let mut found = false;
        let top = (a + 7).min(g.len());
        for e in (a + 1..=top).rev() {
            if !cut(e) {
                continue;
            }
            let mut start = g[a].start;
            // A leading `+` or `(` belongs to a phone number.
            while start > 0 && matches!(b[start - 1], b'+' | b'(') && (start - 1 == 0 || b[start - 2] != b'(') {
                start -= 1;
                if b[start] == b'+' {
                    break;
                }
            }
            let end = g[e - 1].end;
            let digits: usize = g[a..e].iter().map(|x| x.end - x.start).sum();
            if recognize(text, &g[a..e], start, end, digits, out) {
                found = true;
                a = e;
                break;
            }
        }
        if !found {
            a += 1;
        }
    }
}

/// The digit-based kinds a stretch can be, with their base scores, pushed onto `out`;
/// whether any was.
fn recognize(text: &str, g: &[Group], start: usize, end: usize, digits: usize, out: &mut Vec<Cand>) -> bool {
    let Some(s) = text.get(start..end) else {
        return false;
    };
    let before = out.len();
    let mut mk = |kind, base| out.push(Cand { kind, start, end, base });
    let sep_all = |c: u8| g.iter().skip(1).all(|x| x.sep == c);
    if g.len() == 4 && sep_all(b'.') && s.parse::<Ipv4Addr>().is_ok() {
        mk(PiiKind::IpAddress, 0.6);
    } else if g.len() == 3 && (sep_all(b'/') || sep_all(b'.') || sep_all(b'-')) && is_date(text, g) {
        mk(PiiKind::DateOfBirth, 0.2);
    } else if (13..=19).contains(&digits) && is_payment_card(s) {
        mk(PiiKind::PaymentCard, 0.6);
    } else if digits == 9 && is_us_ssn(s) {
        mk(PiiKind::Ssn, 0.5);
    } else if digits == 9 && g.len() == 1 && is_bare_ssn(s) {
        mk(PiiKind::Ssn, 0.2);
    } else {
        // A 3-3-4 number passing mod 11 may be either an NHS number or a phone number:
        // both are proposed, the context decides (the NHS number on a tie).
        if digits == 10 && is_nhs_number(s) {
            mk(PiiKind::NhsNumber, if g.len() == 1 { 0.3 } else { 0.45 });
        }
        if (7..=15).contains(&digits) && is_phone(s) {
            let base = if s.starts_with('+') {
                0.6
            } else if s.starts_with('(') || sep_all(b'-') || sep_all(b'.') {
                0.5
            } else {
                0.4
            };
            mk(PiiKind::Phone, base);
        }
    }
    out.len() > before
}

/// Nine digits that obey the SSN area, group and serial rules.
fn is_bare_ssn(s: &str) -> bool {
    s.len() == 9 && is_us_ssn(&format!("{}-{}-{}", &s[..3], &s[3..5], &s[5..]))
}

/// `YYYY-MM-DD`, `DD/MM/YYYY`, `MM/DD/YYYY`, `DD.MM.YYYY`: a real calendar day in a year
/// from 1900 on.
fn is_date(text: &str, g: &[Group]) -> bool {
    let num = |x: &Group| text.get(x.start..x.end).and_then(|s| s.parse::<u32>().ok());
    let len = |x: &Group| x.end - x.start;
    let (Some(a), Some(b), Some(c)) = (num(&g[0]), num(&g[1]), num(&g[2])) else {
        return false;
    };
    let valid = |y: u32, m: u32, d: u32| {
        (1900..=2100).contains(&y) && chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_some()
    };
    if len(&g[0]) == 4 && len(&g[1]) <= 2 && len(&g[2]) <= 2 {
        return valid(a, b, c);
    }
    len(&g[2]) == 4 && len(&g[0]) <= 2 && len(&g[1]) <= 2 && (valid(c, b, a) || valid(c, a, b))
}

// ---------------------------------------------------------------------------------
// Dates with a month name: `12 March 1985`, `March 12, 1985`, `12. März 1985`,
// `12 de marzo de 1985`, in the seven languages.

#[rustfmt::skip]
const MONTHS: &[(&str, u32)] = &[
    ("january", 1), ("jan", 1), ("february", 2), ("feb", 2), ("march", 3), ("mar", 3), ("april", 4),
    ("apr", 4), ("may", 5), ("june", 6), ("jun", 6), ("july", 7), ("jul", 7), ("august", 8), ("aug", 8),
    ("september", 9), ("sep", 9), ("sept", 9), ("october", 10), ("oct", 10), ("november", 11), ("nov", 11),
    ("december", 12), ("dec", 12),
    ("januar", 1), ("februar", 2), ("märz", 3), ("maerz", 3), ("mai", 5), ("juni", 6), ("juli", 7),
    ("oktober", 10), ("dezember", 12),
    ("janvier", 1), ("février", 2), ("fevrier", 2), ("mars", 3), ("avril", 4), ("juin", 6), ("juillet", 7),
    ("août", 8), ("aout", 8), ("septembre", 9), ("octobre", 10), ("novembre", 11), ("décembre", 12),
    ("decembre", 12),
    ("enero", 1), ("febrero", 2), ("marzo", 3), ("abril", 4), ("mayo", 5), ("junio", 6), ("julio", 7),
    ("agosto", 8), ("septiembre", 9), ("setiembre", 9), ("octubre", 10), ("noviembre", 11), ("diciembre", 12),
    ("gennaio", 1), ("febbraio", 2), ("aprile", 4), ("maggio", 5), ("giugno", 6), ("luglio", 7),
    ("settembre", 9), ("ottobre", 10), ("dicembre", 12),
    ("januari", 1), ("februari", 2), ("maart", 3), ("mei", 5), ("augustus", 8),
    ("janeiro", 1), ("fevereiro", 2), ("março", 3), ("marco", 3), ("maio", 5), ("junho", 6), ("julho", 7),
    ("setembro", 9), ("outubro", 10), ("novembro", 11), ("dezembro", 12),
];

static MONTH_MAP: std::sync::LazyLock<WordMap<u32>> = std::sync::LazyLock::new(|| WordMap::new(MONTHS.iter().copied()));

/// Builds the month table now.
pub(super) fn warm_up() {
    std::sync::LazyLock::force(&MONTH_MAP);
}

/// Digits at `b[i..]` (at most `max`): their value and end.
fn digits_at(b: &[u8], i: usize, max: usize) -> Option<(u32, usize)> {
    let mut j = i;
    let mut v = 0u32;
    while j < b.len() && b[j].is_ascii_digit() && j - i < max {
        v = v * 10 + u32::from(b[j] - b'0');
        j += 1;
    }
    (j > i && ends_word(b, j)).then_some((v, j))
}

/// Skips spaces, the punctuation in `punct`, and the joining words `de`, `di`, `del`.
fn skip_joint(b: &[u8], mut i: usize, punct: &[u8]) -> usize {
    loop {
        let start = i;
        while i < b.len() && (b[i] == b' ' || punct.contains(&b[i])) {
            i += 1;
        }
        for w in [&b"del "[..], b"de ", b"di "] {
            if b.get(i..i + w.len()).is_some_and(|x| x.eq_ignore_ascii_case(w)) && i > 0 && !is_word_byte(b[i - 1]) {
                i += w.len();
            }
        }
        if i == start {
            return i;
        }
    }
}

fn month_dates(text: &str, out: &mut Vec<Cand>) {
    let b = text.as_bytes();
    let base = text.as_ptr() as usize;
    let valid = |y: u32, m: u32, d: u32| {
        (1900..=2100).contains(&y) && chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_some()
    };
    for w in Words::new(text) {
        let Some(month) = (w.len() >= 3).then(|| MONTH_MAP.get(w)).flatten() else { continue };
        let (ws, we) = (w.as_ptr() as usize - base, w.as_ptr() as usize - base + w.len());
        if !starts_word(b, ws) || !ends_word(b, we) {
            continue;
        }
        // `March 12, 1985`
        let after = skip_joint(b, we, b".");
        if let Some((day, de)) = digits_at(b, after, 2) {
            let y0 = skip_joint(b, de, b",");
            if let Some((year, ye)) = digits_at(b, y0, 4).filter(|(_, ye)| ye - y0 == 4) {
                if valid(year, month, day) {
                    out.push(Cand { kind: PiiKind::DateOfBirth, start: ws, end: ye, base: 0.2 });
                    continue;
                }
            }
        }
        // `12 March 1985`, `12. März 1985`, `12 de marzo de 1985`
        let mut i = ws;
        while i > 0 && matches!(b[i - 1], b' ' | b'.') {
            i -= 1;
        }
        for w in [&b" de"[..], b" di", b" del"] {
            if i >= w.len() && b[i - w.len()..i].eq_ignore_ascii_case(w) {
                i -= w.len();
                while i > 0 && b[i - 1] == b' ' {
                    i -= 1;
                }
            }
        }
        let mut ds = i;
        while ds > 0 && i - ds < 2 && b[ds - 1].is_ascii_digit() {
            ds -= 1;
        }
        if ds == i || !starts_word(b, ds) {
            continue;
        }
        let day = text.get(ds..i).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
        let y0 = skip_joint(b, we, b",.");
        if let Some((year, ye)) = digits_at(b, y0, 4).filter(|(_, ye)| ye - y0 == 4) {
            if valid(year, month, day) {
                out.push(Cand { kind: PiiKind::DateOfBirth, start: ds, end: ye, base: 0.2 });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(field: &str, text: &str) -> Vec<(PiiKind, String)> {
        find_entities_in_field(field, text).into_iter().map(|e| (e.kind, text[e.start..e.end].to_string())).collect()
    }

    #[test]
    fn finds_the_issue_examples() {
        let k = |t| kinds("", t);
        assert_eq!(k("Card on file: 4111 1111 1111 1111"), [(PiiKind::PaymentCard, "4111 1111 1111 1111".into())]);
        assert_eq!(k("contact: jane.doe@example.com"), [(PiiKind::Email, "jane.doe@example.com".into())]);
        assert_eq!(k("IBAN: DE89 3704 0044 0532 0130 00"), [(PiiKind::Iban, "DE89 3704 0044 0532 0130 00".into())]);
        assert_eq!(k("Tel: +44 20 7946 0958"), [(PiiKind::Phone, "+44 20 7946 0958".into())]);
        assert_eq!(k("client_ip=203.0.113.7"), [(PiiKind::IpAddress, "203.0.113.7".into())]);
        assert_eq!(k("NHS number 943 476 5919"), [(PiiKind::NhsNumber, "943 476 5919".into())]);
    }

    #[test]
    fn context_raises_and_its_absence_lowers() {
        let with = find_entities_in_field("", "dob: 1985-03-12");
        assert_eq!(with.len(), 1);
        assert!(with[0].context && with[0].kind == PiiKind::DateOfBirth);
        assert!(find_entities("shipped 1985-03-12").is_empty());
        assert_eq!(kinds("geburtsdatum", "12.03.1985"), [(PiiKind::DateOfBirth, "12.03.1985".into())]);
        // A bare nine-digit number is an SSN only beside an SSN word.
        assert!(find_entities("order 123456789").is_empty());
        assert_eq!(kinds("", "SSN 123456789"), [(PiiKind::Ssn, "123456789".into())]);
        let all = all_entities(KindSet::default(), "order 123456789");
        assert!(all[0].score < MIN_SCORE && !all[0].context);
    }

    #[test]
    fn dates_with_month_names_beside_birth_words() {
        for (t, span) in [
            ("born 12 March 1985", "12 March 1985"),
            ("DOB: March 12, 1985", "March 12, 1985"),
            ("Geburtsdatum: 12. März 1985", "12. März 1985"),
            ("fecha de nacimiento: 12 de marzo de 1985", "12 de marzo de 1985"),
            ("né le 4 juillet 1990", "4 juillet 1990"),
            ("date of birth 1 Feb 2001", "1 Feb 2001"),
        ] {
            assert_eq!(kinds("", t), [(PiiKind::DateOfBirth, span.to_string())], "{t}");
        }
        assert!(find_entities("shipped 12 March 1985").is_empty());
        assert!(find_entities("born 31 February 1985").is_empty());
        assert!(find_entities("born in May 2020 or so").is_empty());
    }

    #[test]
    fn presidio_style_samples() {
        let k = |t| kinds("", t);
        assert_eq!(k("my credit card: 4012-8888-8888-1881"), [(PiiKind::PaymentCard, "4012-8888-8888-1881".into())]);
        assert_eq!(k("UATP card 122000000000003"), [(PiiKind::PaymentCard, "122000000000003".into())]);
        assert!(k("card 4012-8888-8888-1882").is_empty());
        assert_eq!(k("my phone number is (212) 555-1234"), [(PiiKind::Phone, "(212) 555-1234".into())]);
        assert_eq!(k("Tel: +44 (0)20 7946 0958"), [(PiiKind::Phone, "+44 (0)20 7946 0958".into())]);
        assert_eq!(k("IBAN:ES79 2100 0813 6101 2345 6789"), [(PiiKind::Iban, "ES79 2100 0813 6101 2345 6789".into())]);
        assert_eq!(k("IL150120690000003111111"), [(PiiKind::Iban, "IL150120690000003111111".into())]);
        assert_eq!(k("nhs 401 023 2137"), [(PiiKind::NhsNumber, "401 023 2137".into())]);
        assert_eq!(k("try info@presidio.site or anotherinfo@presidio.site").len(), 2);
        assert!(k("my email is info@presidio.").is_empty());
        assert_eq!(
            k("ip 2001:db8:3333:4444:5555:6666:7777:8888"),
            [(PiiKind::IpAddress, "2001:db8:3333:4444:5555:6666:7777:8888".into())]
        );
    }

    #[test]
    fn words_and_hashes_are_not_numbers() {
        assert!(find_entities("commit 9fceb02d0ae598e95dc970b74767f19372d61af8").is_empty());
        assert!(find_entities("id 123e4567-e89b-12d3-a456-426614174000").is_empty());
        assert!(find_entities("at 2026-11-01T09:00:00Z v1.2.3.4").is_empty());
        assert!(find_entities("std::vec::Vec and 10:30:00").is_empty());
    }

    #[test]
    fn long_texts_are_clipped_not_slow() {
        let t = "4111 1111 1111 1111 ".repeat(10_000);
        let e = find_entities(&t);
        assert_eq!(e.len(), MAX_ENTITIES);
        assert!(e.iter().all(|x| x.end <= MAX_TEXT));
        let t = "é".repeat(MAX_TEXT);
        assert!(find_entities(&t).is_empty());
    }
}
