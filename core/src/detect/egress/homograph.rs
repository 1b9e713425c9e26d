//! IDN homographs: punycode decoding and the mixed-script test on a decoded label.

/// RFC 3492 decoding of one label (without `xn--`).
pub(super) fn punycode_decode(input: &str) -> Option<Vec<char>> {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;
    fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
        delta /= if first { DAMP } else { 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + (BASE - TMIN + 1) * delta / (delta + SKEW)
    }
    let (basic, ext) = match input.rfind('-') {
        Some(i) => (input.get(..i)?, input.get(i + 1..)?),
        None => ("", input),
    };
    if !basic.is_ascii() {
        return None;
    }
    let mut out: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (128u32, 0u32, 72u32);
    let mut it = ext.bytes().peekable();
    while it.peek().is_some() {
        let old_i = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let c = it.next()?;
            let digit = match c {
                b'a'..=b'z' => u32::from(c - b'a'),
                b'A'..=b'Z' => u32::from(c - b'A'),
                b'0'..=b'9' => u32::from(c - b'0') + 26,
                _ => return None,
            };
            i = i.checked_add(digit.checked_mul(w)?)?;
            let t = if k <= bias {
                TMIN
            } else if k >= bias + TMAX {
                TMAX
            } else {
                k - bias
            };
            if digit < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let len = u32::try_from(out.len()).ok()? + 1;
        bias = adapt(i - old_i, len, old_i == 0);
        n = n.checked_add(i / len)?;
        i %= len;
        out.insert(usize::try_from(i).ok()?, char::from_u32(n)?);
        i += 1;
    }
    Some(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
    Armenian,
    Common,
    Other,
}

fn script(c: char) -> Script {
    match c {
        '0'..='9' | '-' => Script::Common,
        'a'..='z' | 'A'..='Z' | '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}' => Script::Latin,
        '\u{400}'..='\u{52f}' => Script::Cyrillic,
        '\u{370}'..='\u{3ff}' | '\u{1f00}'..='\u{1fff}' => Script::Greek,
        '\u{530}'..='\u{58f}' => Script::Armenian,
        _ => Script::Other,
    }
}

/// Cyrillic and Greek letters that render like Latin ones.
const LATIN_LOOKALIKES: &[char] = &[
    'а', 'е', 'о', 'р', 'с', 'у', 'х', 'і', 'ј', 'ѕ', 'ԁ', 'ԛ', 'ԝ', 'һ', 'ӏ', 'к', 'ѵ', 'ɡ', 'ο', 'ν', 'α', 'ι', 'κ',
    'υ', 'ρ', 'τ', 'ε',
];

/// Mixed Latin/Cyrillic/Greek/Armenian in one label, or a label written entirely in
/// Latin lookalikes from another script (`аррӏе`).
pub(super) fn looks_homograph(label: &[char]) -> bool {
    let mut seen: Vec<Script> = Vec::new();
    for &c in label {
        let s = script(c);
        if matches!(s, Script::Latin | Script::Cyrillic | Script::Greek | Script::Armenian) && !seen.contains(&s) {
            seen.push(s);
        }
    }
    if seen.len() > 1 {
        return true;
    }
    let letters: Vec<char> = label.iter().copied().filter(|c| script(*c) != Script::Common).collect();
    matches!(seen.first(), Some(Script::Cyrillic | Script::Greek))
        && !letters.is_empty()
        && letters.iter().all(|c| LATIN_LOOKALIKES.contains(c))
}
