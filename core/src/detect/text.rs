//! Small text helpers shared by the detectors: name tokenization, JSON pointers,
//! Shannon entropy and allocation-free case-insensitive search.

/// One step of a JSON pointer under construction.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seg<'a> {
    /// An object member.
    Key(&'a str),
    /// An array element.
    Index(usize),
}

/// Renders the RFC 6901 JSON pointer of `segs` (escaped by [`crate::pointer`]).
pub(crate) fn pointer(segs: &[Seg<'_>]) -> String {
    let mut out = String::with_capacity(segs.len() * 10);
    for seg in segs {
        match seg {
            Seg::Key(k) => crate::pointer::push_token(&mut out, k),
            Seg::Index(i) => crate::pointer::push_index(&mut out, *i),
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Upper,
    Lower,
    Digit,
    Sep,
}

#[inline]
fn class(b: u8) -> Class {
    match b {
        b'A'..=b'Z' => Class::Upper,
        b'a'..=b'z' => Class::Lower,
        b'0'..=b'9' => Class::Digit,
        // Non-ASCII bytes are letters without case: they never split a token, so every
        // boundary falls on an ASCII byte and slicing stays on char boundaries.
        0x80..=0xff => Class::Lower,
        _ => Class::Sep,
    }
}

/// Splits an identifier into words: on every ASCII byte that is not a letter or digit
/// (`_`, `-`, `.`, space, ...), at camelCase humps (`employeeEmail` → `employee`,
/// `Email`; `IPAddress` → `IP`, `Address`) and between letters and digits
/// (`address2` → `address`, `2`). Words keep their case; compare them with
/// `eq_ignore_ascii_case`. Allocation-free.
pub(crate) struct Words<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Words<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Words { src, pos: 0 }
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.src.as_bytes();
        while self.pos < b.len() && class(b[self.pos]) == Class::Sep {
            self.pos += 1;
        }
        if self.pos >= b.len() {
            return None;
        }
        let start = self.pos;
        let mut i = start + 1;
        while i < b.len() {
            let prev = class(b[i - 1]);
            let cur = class(b[i]);
            let split = match (prev, cur) {
                (_, Class::Sep) => true,
                (Class::Digit, Class::Digit) => false,
                (Class::Digit, _) | (_, Class::Digit) => true,
                (Class::Lower, Class::Upper) => true,
                (Class::Upper, Class::Upper) => i + 1 < b.len() && class(b[i + 1]) == Class::Lower && b[i + 1] < 0x80,
                _ => false,
            };
            if split {
                break;
            }
            i += 1;
        }
        self.pos = i;
        self.src.get(start..i)
    }
}

/// Shannon entropy in bits per byte.
pub(crate) fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// A word lowercased into a stack buffer (words longer than 32 bytes are never in a
/// word list, so they give `None`).
pub(crate) struct Lower {
    buf: [u8; 32],
    len: usize,
}

impl Lower {
    pub(crate) fn new(word: &str) -> Option<Lower> {
        let mut buf = [0u8; 32];
        let dst = buf.get_mut(..word.len())?;
        dst.copy_from_slice(word.as_bytes());
        dst.make_ascii_lowercase();
        Some(Lower { buf, len: word.len() })
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

/// Byte-wise ordering of two short slices, inlined: for words of a few bytes a call
/// to `memcmp` costs more than the comparison.
#[inline]
pub(crate) fn cmp_short(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// A small case-insensitive map from static lowercase words, built once: FNV-1a over
/// the lowercased word and linear probing in a table at most half full. Faster than a
/// binary search over strings, whose comparisons each touch another cache line.
pub(crate) struct WordMap<V> {
    entries: Vec<(&'static str, V)>,
    /// 0 = empty, else index + 1 into `entries`.
    slots: Vec<u16>,
    mask: usize,
}

fn fnv1a(b: &[u8]) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in b {
        h = (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3);
    }
    (h ^ (h >> 29)) as usize
}

impl<V: Copy> WordMap<V> {
    /// Builds the map; words must be lowercase (later duplicates are ignored).
    pub(crate) fn new(words: impl IntoIterator<Item = (&'static str, V)>) -> WordMap<V> {
        let entries: Vec<(&'static str, V)> = words.into_iter().collect();
        let size = (entries.len() * 2).next_power_of_two().max(16);
        let mut map = WordMap { entries: Vec::new(), slots: vec![0; size], mask: size - 1 };
        for (w, v) in entries {
            if map.get(w).is_some() {
                continue;
            }
            let mut i = fnv1a(w.as_bytes()) & map.mask;
            while map.slots[i] != 0 {
                i = (i + 1) & map.mask;
            }
            map.entries.push((w, v));
            map.slots[i] = u16::try_from(map.entries.len()).unwrap_or(0);
        }
        map
    }

    /// The value of `word`, compared ASCII case-insensitively.
    #[inline]
    pub(crate) fn get(&self, word: &str) -> Option<V> {
        let lower = Lower::new(word)?;
        let key = lower.as_bytes();
        let mut i = fnv1a(key) & self.mask;
        loop {
            let slot = *self.slots.get(i)?;
            if slot == 0 {
                return None;
            }
            let (w, v) = self.entries.get(usize::from(slot) - 1)?;
            if cmp_short(w.as_bytes(), key).is_eq() {
                return Some(*v);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Whether `word` is in the map.
    #[inline]
    pub(crate) fn contains(&self, word: &str) -> bool {
        self.get(word).is_some()
    }
}

/// A [`WordMap`] used as a set.
pub(crate) fn word_set(words: &[&'static str]) -> WordMap<()> {
    WordMap::new(words.iter().map(|w| (*w, ())))
}

/// `str::trim`, answered without decoding when the string starts and ends with a
/// visible ASCII character (most do).
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// ASCII case-insensitive substring test, no allocation.
pub(crate) fn contains_ci(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// ASCII case-insensitive prefix test.
pub(crate) fn starts_with_ci(hay: &str, prefix: &str) -> bool {
    hay.len() >= prefix.len() && hay.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// ASCII case-insensitive suffix test.
pub(crate) fn ends_with_ci(hay: &str, suffix: &str) -> bool {
    hay.len() >= suffix.len() && hay.as_bytes()[hay.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// True when every byte is an ASCII hex digit.
pub(crate) fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// True for the canonical 8-4-4-4-12 UUID text form (any case).
pub(crate) fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        Words::new(s).map(str::to_ascii_lowercase).collect()
    }

    #[test]
    fn splits_identifiers() {
        assert_eq!(words("employeeEmail"), ["employee", "email"]);
        assert_eq!(words("userIPAddress"), ["user", "ip", "address"]);
        assert_eq!(words("DB_PASSWORD"), ["db", "password"]);
        assert_eq!(words("x-api-key"), ["x", "api", "key"]);
        assert_eq!(words("address2"), ["address", "2"]);
        assert_eq!(words("date of.birth"), ["date", "of", "birth"]);
        assert_eq!(words("cvv2Code"), ["cvv", "2", "code"]);
        assert_eq!(words("__"), Vec::<String>::new());
        assert_eq!(words("naïveName"), ["naïve", "name"]);
    }

    #[test]
    fn pointers_escape() {
        let segs = [Seg::Key("spec"), Seg::Key("a/b~c"), Seg::Index(3)];
        assert_eq!(pointer(&segs), "/spec/a~1b~0c/3");
    }

    #[test]
    fn word_map() {
        let m = WordMap::new([("email", 1), ("phone", 2), ("e", 3)]);
        assert_eq!(m.get("EMAIL"), Some(1));
        assert_eq!(m.get("Phone"), Some(2));
        assert_eq!(m.get("e"), Some(3));
        assert_eq!(m.get("mail"), None);
        assert_eq!(m.get(""), None);
        let long = "x".repeat(40);
        assert_eq!(m.get(&long), None);
    }

    #[test]
    fn trim_like_std() {
        for s in ["", " ", "a", " a ", "a b", "\u{a0}x\u{2003}", "x\u{3000}", "\ta\n", "é", "ab"] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn entropy_bounds() {
        assert!(entropy(b"aaaa") < 0.01);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-9);
    }
}
