//! The keyword prefilter: a trigram gate in front of one Aho-Corasick automaton over every
//! rule's keywords, which picks the rules whose regex runs; built once with the compiled
//! regexes.

use super::rules::{Kw, RULES};
use aho_corasick::automaton::Automaton;
use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::{Anchored, MatchKind};
use regex::Regex;
use std::sync::LazyLock;

pub(super) struct Compiled {
    /// Keyword automaton; `None` only if it failed to build (a test guards this), and
    /// every rule with a pattern is then a candidate. A contiguous NFA (~30 KB) rather
    /// than a DFA (~250 KB for these keywords): it runs only on strings that pass the
    /// gate, and a table that big would push the manifest out of cache. Driven byte
    /// by byte: on short strings an iterator's set-up costs more than the scan.
    pub(super) ac: Option<NFA>,
    pub(super) pattern_rule: Vec<u8>,
    pub(super) regexes: Vec<Option<Regex>>,
    pub(super) all_rules: u128,
    /// Trigram gate in front of the automaton (see [`Gate`]).
    pub(super) gate: Gate,
}

/// log2 of the gate's size in bits (16 KB: stays in L1 next to the walk's data).
const GATE_LOG2: u32 = 17;

/// A Bloom-style trigram filter in front of the keyword automaton. Each keyword puts
/// one of its trigrams (its rarest-looking one) into a bitset; a string none of whose
/// trigrams is set cannot contain a keyword and skips the automaton. Probing is one
/// independent table load per byte, where the automaton's large transition table
/// makes every byte a dependent cache miss. Keywords of two bytes put every
/// continuation in. `://` is not put in (every endpoint has it): the rules it feeds all
/// need an `@`, so a string with an `@` passes instead. Likewise the keywords of
/// `key=value` rules (`secret`, `token`, `pass`, ... common in references and prose)
/// count only in a string with an assignment separator: a hit on a slot that only they
/// set is ignored in a string without one.
pub(super) struct Gate {
    pub(super) bits: Box<[u64; GATE_WORDS]>,
    /// Slots set only by keywords of rules that need an assignment separator, sorted.
    pub(super) separator_slots: Vec<usize>,
}

const GATE_WORDS: usize = 1 << (GATE_LOG2 - 6);

#[inline]
pub(super) fn trigram_slot(a: u8, b: u8, c: u8) -> usize {
    slot_of(u32::from_le_bytes([a, b, c, 0]))
}

/// Slot of a trigram packed into the low 24 bits, first byte lowest; the top byte is
/// ignored, so the scan passes four bytes of the string as they are. A multiplicative
/// hash: the product of the trigram shifted to the top takes its top bits from all
/// of it.
#[inline]
fn slot_of(x: u32) -> usize {
    (trigram_hash(x) >> (32 - GATE_LOG2)) as usize
}

/// `(x << 8) * φ`, 32 bits: its top `GATE_LOG2` bits are the slot.
#[inline]
fn trigram_hash(x: u32) -> u32 {
    x.wrapping_mul(0x9E37_79B1_u32.wrapping_shl(8))
}

/// How common a byte is in ordinary config text (higher = more common); a gate entry
/// should use a keyword's least common trigram so that the gate stays shut on
/// ordinary strings.
fn byte_commonness(c: u8) -> u32 {
    match c {
        b'e' => 12,
        b' ' => 11,
        b't' => 9,
        b'a' | b'o' | b'/' | b'.' => 8,
        b'i' | b'n' => 7,
        b's' | b'r' | b'h' | b':' | b'-' => 6,
        b'd' | b'l' => 4,
        b'c' | b'u' | b'0'..=b'9' => 3,
        b'm' | b'w' | b'f' | b'g' | b'y' | b'p' | b'_' | b'A'..=b'Z' => 2,
        b'b' | b'v' | b'k' => 1,
        _ => 0,
    }
}

impl Gate {
    /// `keywords`: each keyword, and whether its rule needs an assignment separator.
    pub(super) fn new<'k>(keywords: impl Iterator<Item = (&'k str, bool)>) -> Gate {
        let (mut plain_slots, mut separator_slots) = (Vec::new(), Vec::new());
        for (p, needs_separator) in keywords {
            let slots = if needs_separator { &mut separator_slots } else { &mut plain_slots };
            let b = p.as_bytes();
            match b.len() {
                0 | 1 => {}
                // Every continuation a token can have (the two-byte keywords start
                // tokens of at least 30 bytes).
                2 => (0..=255u8)
                    .filter(|c| c.is_ascii_alphanumeric() || b"_~.-".contains(c))
                    .for_each(|c| slots.push(trigram_slot(b[0], b[1], c))),
                _ if p == "://" => {}
                _ => {
                    let score = |w: &&[u8]| w.iter().map(|&c| byte_commonness(c)).sum::<u32>();
                    if let Some(w) = b.windows(3).min_by_key(score) {
                        slots.push(trigram_slot(w[0], w[1], w[2]));
                    }
                }
            }
        }
        let mut gate = Gate { bits: Box::new([0u64; GATE_WORDS]), separator_slots: Vec::new() };
        for &slot in plain_slots.iter().chain(&separator_slots) {
            gate.set(slot);
        }
        separator_slots.retain(|s| !plain_slots.contains(s));
        separator_slots.sort_unstable();
        separator_slots.dedup();
        gate.separator_slots = separator_slots;
        gate
    }

    pub(super) fn set(&mut self, slot: usize) {
        if let Some(word) = self.bits.get_mut(slot >> 6) {
            *word |= 1 << (slot & 63);
        }
    }

    #[inline]
    pub(super) fn may_match(&self, s: &[u8]) -> bool {
        let mut separator = None;
        let n = s.len();
        if n < 8 {
            let hit = s.windows(3).any(|w| {
                let slot = trigram_slot(w[0], w[1], w[2]);
                self.bit(slot) != 0 && self.counts(slot, s, &mut separator)
            });
            return hit || (s.contains(&b'@') && has_scheme_separator(s));
        }
        // Eight bytes at a time hold six trigrams, probed together; the windows start
        // every six bytes, and the last one ends with the string (overlapping). The
        // same words tell whether the string has an `@`.
        let mut at = 0;
        let mut at_sign = 0;
        loop {
            let start = at.min(n - 8);
            let w = s.get(start..start + 8).and_then(|w| w.try_into().ok()).map_or(0, u64::from_le_bytes);
            at_sign |= zero_byte(w ^ u64::from_ne_bytes([b'@'; 8]));
            let probes = [0, 8, 16, 24, 32, 40].iter().fold(0, |acc, &shift| acc | self.probe((w >> shift) as u32));
            if probes & 1 != 0 && self.window_counts(w, s, &mut separator) {
                return true;
            }
            if start == n - 8 {
                return at_sign != 0 && has_scheme_separator(s);
            }
            at += 6;
        }
    }

    /// The gate word of trigram `x` shifted so that its bit is bit 0 (the bits above
    /// are noise): the scan ORs six of them and tests bit 0 once.
    #[inline]
    pub(super) fn probe(&self, x: u32) -> u64 {
        let h = trigram_hash(x);
        // `h >> (32 - GATE_LOG2 + 6) < GATE_WORDS`: always in bounds.
        self.bits[(h >> (32 - GATE_LOG2 + 6)) as usize] >> ((h >> (32 - GATE_LOG2)) & 63)
    }

    /// Whether a set trigram of the window `w` counts (see [`Gate::counts`]).
    #[cold]
    #[inline(never)]
    pub(super) fn window_counts(&self, w: u64, s: &[u8], separator: &mut Option<bool>) -> bool {
        [0, 8, 16, 24, 32, 40].iter().any(|&shift| {
            let slot = slot_of((w >> shift) as u32);
            self.bit(slot) != 0 && self.counts(slot, s, separator)
        })
    }

    /// The bit of `slot` in bit 0.
    #[inline]
    pub(super) fn bit(&self, slot: usize) -> u64 {
        // `slot < 2^GATE_LOG2`, so the index is always in bounds.
        self.bits[slot >> 6] >> (slot & 63) & 1
    }

    /// Whether a hit on `slot` lets `s` through: `separator` caches whether `s` has an
    /// assignment separator.
    pub(super) fn counts(&self, slot: usize, s: &[u8], separator: &mut Option<bool>) -> bool {
        // A few dozen entries: comparing them all beats a search's mispredictions.
        let separator_only = self.separator_slots.iter().fold(false, |a, &x| a | (x == slot));
        !separator_only || *separator.get_or_insert_with(|| has_assignment_separator(s))
    }
}

/// Non-zero when a byte of `w` is zero (the classic exact bit trick).
#[inline]
pub(super) fn zero_byte(w: u64) -> u64 {
    w.wrapping_sub(0x0101_0101_0101_0101) & !w & 0x8080_8080_8080_8080
}

fn has_scheme_separator(s: &[u8]) -> bool {
    s.windows(3).any(|w| w == b"://")
}

pub(super) static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let mut patterns: Vec<String> = Vec::new();
    let mut pattern_rule = Vec::new();
    let mut all_rules = 0u128;
    for (i, r) in RULES.iter().enumerate() {
        if !r.pattern.is_empty() {
            all_rules |= 1u128 << i;
        }
        for kw in r.keywords {
            let variants: Vec<String> = match kw {
                Kw::Cs(s) => vec![(*s).to_string()],
                Kw::Ci(s) => {
                    let mut v = vec![(*s).to_string(), s.to_ascii_lowercase(), s.to_ascii_uppercase()];
                    let mut cap = s.to_ascii_lowercase();
                    if let Some(f) = cap.get_mut(0..1) {
                        f.make_ascii_uppercase();
                    }
                    v.push(cap);
                    v.sort();
                    v.dedup();
                    v
                }
            };
            for v in variants {
                patterns.push(v);
                pattern_rule.push(i as u8);
            }
        }
    }
    let gate = Gate::new(patterns.iter().zip(&pattern_rule).map(|(p, &r)| {
        let needs_separator = RULES.get(usize::from(r)).is_some_and(|r| r.needs_separator);
        (p.as_str(), needs_separator)
    }));
    let ac = NFA::builder().match_kind(MatchKind::Standard).prefilter(false).build(&patterns).ok();
    let regexes = RULES.iter().map(|r| if r.pattern.is_empty() { None } else { Regex::new(r.pattern).ok() }).collect();
    Compiled { ac, pattern_rule, regexes, all_rules, gate }
});

/// Bitset of the rules whose keywords occur in `hay` (every overlapping occurrence).
#[inline]
pub(super) fn keyword_rules(nfa: &NFA, pattern_rule: &[u8], hay: &[u8]) -> u128 {
    let Ok(mut sid) = nfa.start_state(Anchored::No) else {
        return u128::MAX;
    };
    let mut cand = 0u128;
    for &b in hay {
        sid = nfa.next_state(Anchored::No, sid, b);
        if nfa.is_special(sid) && nfa.is_match(sid) {
            for i in 0..nfa.match_len(sid) {
                let pid = nfa.match_pattern(sid, i).as_usize();
                if let Some(&r) = pattern_rule.get(pid) {
                    cand |= 1u128 << r;
                }
            }
        }
    }
    cand
}

pub(super) fn has_assignment_separator(b: &[u8]) -> bool {
    let mut from = 0;
    while let Some(i) = next_equals_or_colon(b, from) {
        if b.get(i) == Some(&b'=') || b.get(i + 1) != Some(&b'/') {
            return true;
        }
        from = i + 1;
    }
    false
}

/// The first `=` or `:` at or after `from`, eight bytes at a time.
fn next_equals_or_colon(b: &[u8], mut from: usize) -> Option<usize> {
    while let Some(w) = b.get(from..from + 8).and_then(|w| w.try_into().ok()) {
        let w = u64::from_le_bytes(w);
        let found = zero_byte(w ^ u64::from_ne_bytes([b'='; 8])) | zero_byte(w ^ u64::from_ne_bytes([b':'; 8]));
        if found != 0 {
            // The lowest flag is exact (only flags above a match can be spurious).
            return Some(from + found.trailing_zeros() as usize / 8);
        }
        from += 8;
    }
    let rest = b.get(from..)?;
    rest.iter().position(|&c| c == b'=' || c == b':').map(|i| from + i)
}
