//! Record times: the one `YYYY-MM-DDTHH:MM:SS.ffffffZ` form, written and read without chrono's
//! generic formatter.

use crate::audit::AuditError;
use chrono::{DateTime, Datelike, Timelike, Utc};

/// Formats a record time: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, truncated to microseconds. A leap
/// second (chrono's nanosecond ≥ 10^9) is clamped to :59.999999 so the form stays valid.
pub(crate) fn format_ts(t: &DateTime<Utc>) -> Result<String, AuditError> {
    let t = t.naive_utc();
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return Err(AuditError::bad_event("ts", "year outside 0000..9999"));
    }
    let micros = (t.nanosecond() / 1000).min(999_999);
    let mut b = *b"0000-00-00T00:00:00.000000Z";
    let mut put = |at: usize, width: usize, mut v: u32| {
        for i in (0..width).rev() {
            b[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, year as u32);
    put(5, 2, t.month());
    put(8, 2, t.day());
    put(11, 2, t.hour());
    put(14, 2, t.minute());
    put(17, 2, t.second());
    put(20, 6, micros);
    // Only ASCII digits and separators were written.
    String::from_utf8(b.to_vec()).map_err(|e| AuditError::bad_event("ts", e.to_string()))
}

/// Checks the record time form exactly (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, a real proleptic
/// Gregorian date, hour 00..23, minute and second 00..59) and returns its fields. Written out
/// by hand because the verifier calls it for every line.
pub(crate) fn parse_ts_fields(s: &str) -> Option<[u32; 7]> {
    let b = s.as_bytes();
    if b.len() != 27 {
        return None;
    }
    for (i, &c) in b.iter().enumerate() {
        let ok = match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'.',
            26 => c == b'Z',
            _ => c.is_ascii_digit(),
        };
        if !ok {
            return None;
        }
    }
    let num = |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0'));
    let (y, mo, d) = (num(0..4), num(5..7), num(8..10));
    let (h, mi, sec, us) = (num(11..13), num(14..16), num(17..19), num(20..26));
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > days || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    Some([y, mo, d, h, mi, sec, us])
}

/// Parses the record time form into a time (see [`parse_ts_fields`]).
#[cfg(test)]
pub(crate) fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    use chrono::{NaiveDate, TimeZone};
    let [y, mo, d, h, mi, sec, us] = parse_ts_fields(s)?;
    let time = NaiveDate::from_ymd_opt(y as i32, mo, d)?.and_hms_micro_opt(h, mi, sec, us)?;
    Some(Utc.from_utc_datetime(&time))
}

/// Any RFC 3339 time, converted to UTC and truncated to microseconds.
pub(crate) fn parse_rfc3339(s: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
    let micros = t.timestamp_subsec_micros();
    t.with_nanosecond(micros * 1000)
}
