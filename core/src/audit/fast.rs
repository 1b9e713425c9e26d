//! The verifier's fast path: one pass over a record line, without allocating, that accepts
//! only lines that are canonical JSON in the subset *and* valid records, and returns what the
//! chain needs.
//!
//! It may refuse a good line it does not handle (escaped member names, a `log_id` with an
//! escape, members out of order); the caller then runs the full parser
//! ([`crate::canonical::parse`] and [`super::record::check_record`]), which also names what is
//! wrong. So this code only has to be *sound* — never accept a line the full path refuses,
//! never return different values — which the tests check against the full path.

use super::merkle::decode_hex32_strict;
use super::record::{check_action, check_log_id, parse_ts_fields};
use crate::canonical::{cmp_utf16, next_special, MAX_DEPTH, MAX_SAFE_INTEGER};

/// What the chain needs from a good line, and where each member's value is (for export).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FastView<'a> {
    pub log_id: &'a str,
    pub seq: u64,
    pub prev: [u8; 32],
    /// Byte range of each member's value, in [`MEMBERS`] order; `(0, 0)` when absent.
    pub spans: Spans,
}

/// Value ranges of the top-level members, in [`MEMBERS`] order.
pub(crate) type Spans = [(u32, u32); 19];

/// The name of the member at index `i` of [`Spans`].
#[cfg(test)]
pub(crate) fn member_name(i: usize) -> &'static str {
    MEMBERS.get(i).map_or("", |(n, _)| n)
}

/// Top-level member names in canonical order, with the kind of value each takes.
const MEMBERS: [(&str, Kind); 19] = [
    ("action", Kind::Action),
    ("app_id", Kind::Str),
    ("attrs", Kind::Object),
    ("dataset_tags", Kind::Tags),
    ("decision_id", Kind::Str),
    ("ip_address", Kind::Str),
    ("log_id", Kind::LogId),
    ("outcome", Kind::Str),
    ("policy", Kind::Policy),
    ("prev", Kind::Prev),
    ("principal_id", Kind::Str),
    ("principal_type", Kind::Str),
    ("request_id", Kind::Str),
    ("resource_id", Kind::Str),
    ("resource_type", Kind::Str),
    ("seq", Kind::Seq),
    ("tenant_id", Kind::Str),
    ("ts", Kind::Ts),
    ("v", Kind::V),
];

#[derive(Clone, Copy)]
enum Kind {
    Action,
    Str,
    Object,
    Tags,
    LogId,
    Policy,
    Prev,
    Seq,
    Ts,
    V,
}

/// The fast check; `None` means "use the full parser".
pub(crate) fn record(line: &[u8]) -> Option<FastView<'_>> {
    let s = std::str::from_utf8(line).ok()?;
    let mut c = Cursor { s, b: line, i: 0 };
    c.eat(b'{')?;
    let (mut log_id, mut seq, mut prev) = (None, None, None);
    let (mut action, mut ts, mut v) = (false, false, false);
    let mut next_member = 0;
    let mut spans: Spans = [(0, 0); 19];
    loop {
        let name = c.plain_key()?;
        // Members are sorted: find this one at or after the last one seen.
        let offset = MEMBERS[next_member..].iter().position(|(n, _)| *n == name)?;
        let index = next_member + offset;
        let (_, kind) = MEMBERS[index];
        next_member += offset + 1;
        c.eat(b':')?;
        let start = c.i;
        match kind {
            Kind::Str => {
                c.string()?;
            }
            Kind::Action => {
                check_action(c.plain_string()?).ok()?;
                action = true;
            }
            Kind::LogId => {
                let id = c.plain_string()?;
                check_log_id(id).ok()?;
                log_id = Some(id);
            }
            Kind::Ts => {
                parse_ts_fields(c.plain_string()?)?;
                ts = true;
            }
            Kind::Prev => prev = Some(decode_hex32_strict(c.plain_string()?.as_bytes(), true)?),
            Kind::Seq => {
                let n = c.int()?;
                seq = Some(u64::try_from(n).ok()?);
            }
            Kind::V => {
                if c.int()? != 1 {
                    return None;
                }
                v = true;
            }
            Kind::Object => {
                if c.peek()? != b'{' {
                    return None;
                }
                c.value(2)?;
            }
            Kind::Tags => {
                c.eat(b'[')?;
                if c.peek()? == b']' {
                    c.i += 1;
                } else {
                    loop {
                        c.string()?;
                        match c.next()? {
                            b',' => {}
                            b']' => break,
                            _ => return None,
                        }
                    }
                }
            }
            Kind::Policy => {
                c.eat(b'{')?;
                if c.plain_key()? != "id" {
                    return None;
                }
                c.eat(b':')?;
                c.string()?;
                c.eat(b',')?;
                if c.plain_key()? != "revision" {
                    return None;
                }
                c.eat(b':')?;
                c.string()?;
                c.eat(b'}')?;
            }
        }
        // A line is at most 1 MiB (MAX_LINE), so offsets fit in u32.
        spans[index] = (u32::try_from(start).ok()?, u32::try_from(c.i).ok()?);
        match c.next()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    if c.i != line.len() || !(action && ts && v) {
        return None;
    }
    Some(FastView { log_id: log_id?, seq: seq?, prev: prev?, spans })
}

struct Cursor<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    #[inline]
    fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// Skips string content up to the next `"`, `\` or control byte.
    #[inline]
    fn skip_plain(&mut self) {
        self.i = next_special(self.b, self.i);
    }

    /// A string without escapes; returns its content.
    fn plain_string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        self.skip_plain();
        if self.peek()? != b'"' {
            return None;
        }
        let s = self.s.get(start..self.i)?;
        self.i += 1;
        Some(s)
    }

    fn plain_key(&mut self) -> Option<&'a str> {
        self.plain_string()
    }

    /// A string in canonical form (escapes allowed where RFC 8785 writes them).
    fn string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            self.skip_plain();
            match self.next()? {
                b'"' => return Some(()),
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        // Only C0 controls without a short form, as \u00xx in lowercase.
                        let h = self.b.get(self.i..self.i + 4)?;
                        self.i += 4;
                        let low = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
                        if h[0] != b'0' || h[1] != b'0' || !matches!(h[2], b'0' | b'1') || !low(h[3]) {
                            return None;
                        }
                        let v = (h[2] - b'0') * 16 + (h[3] as char).to_digit(16)? as u8;
                        if matches!(v, 0x08 | 0x09 | 0x0A | 0x0C | 0x0D) {
                            return None;
                        }
                    }
                    _ => return None,
                },
                _ => return None, // a raw control character
            }
        }
    }

    /// An integer in canonical form within ±(2^53−1).
    fn int(&mut self) -> Option<i64> {
        let negative = self.peek()? == b'-';
        if negative {
            self.i += 1;
        }
        let start = self.i;
        let mut n: i64 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            if self.i - start >= 16 {
                return None;
            }
            n = n * 10 + i64::from(c - b'0');
            self.i += 1;
        }
        let digits = self.i - start;
        if digits == 0 || (digits > 1 && self.b[start] == b'0') || n > MAX_SAFE_INTEGER || (negative && n == 0) {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.peek() {
            return None;
        }
        Some(if negative { -n } else { n })
    }

    /// Any canonical value (objects need sorted, unescaped member names).
    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.string(),
            b'{' => {
                if depth > MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                if self.peek()? == b'}' {
                    self.i += 1;
                    return Some(());
                }
                let mut last: Option<&str> = None;
                loop {
                    let key = self.plain_key()?;
                    if last.is_some_and(|l| cmp_utf16(l, key) != std::cmp::Ordering::Less) {
                        return None;
                    }
                    last = Some(key);
                    self.eat(b':')?;
                    self.value(depth + 1)?;
                    match self.next()? {
                        b',' => {}
                        b'}' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b'[' => {
                if depth > MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.value(depth + 1)?;
                    match self.next()? {
                        b',' => {}
                        b']' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            _ => self.int().map(|_| ()),
        }
    }

    fn word(&mut self, w: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + w.len())? == w {
            self.i += w.len();
            Some(())
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::record::check_record;
    use crate::audit::{Chain, Event};
    use crate::canonical;
    use proptest::prelude::*;
    use serde_json::json;

    /// The full path's answer, in the fast path's shape.
    fn full(line: &[u8]) -> Option<(String, u64, [u8; 32])> {
        let node = canonical::parse(line, true).ok()?;
        let v = check_record(&node).ok()?;
        Some((v.log_id.to_string(), v.seq, v.prev))
    }

    fn fast(line: &[u8]) -> Option<(String, u64, [u8; 32])> {
        record(line).map(|v| (v.log_id.to_string(), v.seq, v.prev))
    }

    fn sample_lines() -> Vec<String> {
        let mut chain = Chain::new("t/\"log\"").unwrap();
        let mut chain2 = Chain::new("t/log").unwrap();
        let events = [
            Event::new("a.b"),
            Event::new("policy.evaluate")
                .tenant("acme \u{2014} \"x\"")
                .attr("text", "line\nbreak \u{1} \u{1f} \\ \u{7f}")
                .policy("p", "1")
                .tag("t")
                .tag("\u{e9}t\u{e9}")
                .attr("deep", json!({"\u{1f600}": [1, -2, null, true, false, {}], "\u{fb33}": "", "ab": [[]]}))
                .attr("\u{e000}", "x"),
            Event::new("data.export").ip("::1").outcome("ok").resource("r", "s").request("q").decision("d"),
        ];
        let mut out = Vec::new();
        for e in &events {
            out.push(chain.append(e).unwrap().1.to_string());
            out.push(chain2.append(e).unwrap().1.to_string());
        }
        out
    }

    #[test]
    fn accepts_what_the_full_path_accepts_in_practice() {
        for line in sample_lines() {
            let f = full(line.as_bytes());
            assert!(f.is_some(), "{line}");
            // A log id with an escaped quote is left to the full path; everything else is fast.
            if !line.contains("\\\"log\\\"") {
                assert_eq!(fast(line.as_bytes()), f, "{line}");
            } else {
                assert!(fast(line.as_bytes()).is_none());
            }
        }
    }

    #[test]
    fn escaped_member_names_go_to_the_full_path() {
        let mut chain = Chain::new("t/log").unwrap();
        let line = chain.append(&Event::new("a.b").attr("a\tb", 1)).unwrap().1.to_string();
        assert!(line.contains("\"a\\tb\""));
        assert!(fast(line.as_bytes()).is_none());
        assert!(full(line.as_bytes()).is_some());
    }

    proptest! {
        /// Sound: whatever the fast path accepts, the full path accepts with the same values.
        #[test]
        fn never_accepts_more_than_the_full_path(
            which in 0usize..6,
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4),
        ) {
            let lines = sample_lines();
            let mut b = lines[which].clone().into_bytes();
            for (at, byte, op) in edits {
                let i = at.index(b.len());
                let pool = b"{}[]\",:\\ -01e.tfnu\x01a";
                let c = pool[usize::from(byte) % pool.len()];
                match op {
                    0 => b[i] = c,
                    1 => { b.insert(i, c); }
                    _ => { b.remove(i); }
                }
                if b.is_empty() { b.push(b'{'); }
            }
            if let Some(f) = fast(&b) {
                prop_assert_eq!(Some(f), full(&b), "{}", String::from_utf8_lossy(&b));
            }
        }
    }
}
