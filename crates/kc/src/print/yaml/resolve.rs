//! go-yaml v2's implicit typing, as kubectl's YAML printer applies it: a string is written
//! unquoted only if reading it back unquoted would give the same string, not a bool, null,
//! number or timestamp. The rules are YAML 1.1's as go-yaml implements them (`y`, `on` and
//! `no` are bools, `0x1F` and `017` are ints, `1:20` is a base-60 float), with Go's number
//! syntax (`strconv.ParseInt` with base 0, `strconv.ParseFloat`) and the timestamp layouts
//! go-yaml tries with `time.Parse`.

/// Whether go-yaml would read `s`, written unquoted, back as the string `s`.
pub fn plain_reads_as_string(s: &str) -> bool {
    resolves_to_str(s) && !is_base60_float(s)
}

/// go-yaml's `resolve` for an untagged plain scalar: true when the tag is `!!str`.
fn resolves_to_str(s: &str) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        // The empty scalar is null.
        return false;
    };
    // The first byte decides which readings are tried; any other start is a string.
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            !is_keyword(s)
        }
        b'.' => !is_keyword(s) && !is_dot_float(s),
        b'+' | b'-' | b'0'..=b'9' => !is_keyword(s) && !is_number_or_timestamp(s),
        _ => true,
    }
}

/// The bool, null and special-float spellings go-yaml v2 knows.
fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "true"
            | "True"
            | "TRUE"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "false"
            | "False"
            | "FALSE"
            | "off"
            | "Off"
            | "OFF"
            | "~"
            | "null"
            | "Null"
            | "NULL"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
    )
}

/// A scalar starting with `.` that Go's `ParseFloat` accepts (`.5`, `.5e3`, `.5_5`).
fn is_dot_float(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('.') else {
        return false;
    };
    let (fraction, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        separated_digits(digits)
    });
    separated_digits(fraction) && exponent_ok && finite(&s.replace('_', ""))
}

/// Decimal digits, with single underscores only between digits (Go's literal syntax).
fn separated_digits(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('_')
        && !s.ends_with('_')
        && !s.contains("__")
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'_')
}

fn finite(s: &str) -> bool {
    s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// go-yaml's readings of a scalar starting with a sign or a digit: a timestamp, then (with
/// underscores removed) an int in any of Go's bases, a uint, a float, a `0b` binary int.
fn is_number_or_timestamp(s: &str) -> bool {
    if is_timestamp(s) {
        return true;
    }
    let plain = s.replace('_', "");
    if parse_int(&plain, None).is_some() || parse_uint(&plain, None).is_some() {
        return true;
    }
    if is_yaml_float(&plain) && finite(&plain) {
        return true;
    }
    if let Some(binary) = plain.strip_prefix("0b") {
        return parse_int(binary, Some(2)).is_some() || parse_uint(binary, Some(2)).is_some();
    }
    if let Some(binary) = plain.strip_prefix("-0b") {
        return parse_int(&format!("-{binary}"), Some(2)).is_some();
    }
    false
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`, go-yaml's float syntax.
fn is_yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => (&s[..at], Some(&s[at + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => digits(fraction),
        Some((int, fraction)) => digits(int) && (fraction.is_empty() || digits(fraction)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// Go's `strconv.ParseInt(s, base, 64)`; `None` base means 0 (prefix decides).
fn parse_int(s: &str, base: Option<u32>) -> Option<i64> {
    let (negative, unsigned) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = parse_uint(unsigned, base)?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseUint(s, base, 64)` without underscores; `None` base means 0: `0x`,
/// `0o`, `0b` prefixes, a leading `0` for octal, decimal otherwise.
fn parse_uint(s: &str, base: Option<u32>) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let (radix, digits) = match base {
        Some(radix) => (radix, s),
        None => match s.as_bytes() {
            [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'x') => (16, &s[2..]),
            [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'o') => (8, &s[2..]),
            [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'b') => (2, &s[2..]),
            [b'0', ..] => (8, &s[1..]),
            _ => (10, s),
        },
    };
    let mut value: u64 = 0;
    for c in digits.chars() {
        let digit = c.to_digit(radix)?;
        value = value
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(digit))?;
    }
    Some(value)
}

/// Whether `time.Parse` accepts `s` with one of go-yaml's layouts: `2006-1-2`,
/// `2006-1-2T15:4:5.999999999Z07:00` (also with a lower-case `t`) and
/// `2006-1-2 15:4:5.999999999`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut p = Cursor { b, at: 5 };
    let year: u32 = s[..4].parse().unwrap_or(0);
    let (Some(month), true, Some(day)) = (p.number(), p.eat(b'-'), p.number()) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return false;
    }
    match p.next() {
        None => true,
        Some(sep @ (b'T' | b't' | b' ')) => {
            let (Some(hour), true, Some(minute), true, Some(second)) =
                (p.number(), p.eat(b':'), p.number(), p.eat(b':'), p.number())
            else {
                return false;
            };
            if hour > 23 || minute > 59 || second > 59 {
                return false;
            }
            p.fraction();
            if sep == b' ' {
                return p.at == b.len();
            }
            p.zone() && p.at == b.len()
        }
        Some(_) => false,
    }
}

/// A position in a timestamp being read.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn next(&mut self) -> Option<u8> {
        let c = *self.b.get(self.at)?;
        self.at += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> bool {
        let ok = self.b.get(self.at) == Some(&c);
        self.at += usize::from(ok);
        ok
    }

    fn digit(&self, offset: usize) -> Option<u32> {
        let c = *self.b.get(self.at + offset)?;
        c.is_ascii_digit().then(|| u32::from(c - b'0'))
    }

    /// One or two digits, as Go's non-fixed numeric layout elements read them.
    fn number(&mut self) -> Option<u32> {
        let first = self.digit(0)?;
        match self.digit(1) {
            Some(second) => {
                self.at += 2;
                Some(first * 10 + second)
            }
            None => {
                self.at += 1;
                Some(first)
            }
        }
    }

    /// An optional fraction of a second: `.` or `,` and any number of digits.
    fn fraction(&mut self) {
        if matches!(self.b.get(self.at), Some(b'.' | b',')) && self.digit(1).is_some() {
            self.at += 1;
            while self.digit(0).is_some() {
                self.at += 1;
            }
        }
    }

    /// `Z`, or `±hh:mm` with hours up to 24 and minutes up to 60.
    fn zone(&mut self) -> bool {
        if self.eat(b'Z') {
            return true;
        }
        let Some(sign) = self.next() else {
            return false;
        };
        let two = |c: &Self, offset| Some(c.digit(offset)? * 10 + c.digit(offset + 1)?);
        let (Some(hours), Some(b':'), Some(minutes)) =
            (two(self, 0), self.b.get(self.at + 2), two(self, 3))
        else {
            return false;
        };
        self.at += 5;
        matches!(sign, b'+' | b'-') && hours <= 24 && minutes <= 60
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`: YAML 1.1's sexagesimal floats,
/// which go-yaml no longer reads but still quotes for other parsers' sake.
fn is_base60_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (main, fraction) = match s.split_once('.') {
        Some((main, fraction)) => (main, Some(fraction)),
        None => (s, None),
    };
    let mut parts = main.split(':');
    let head = parts.next().unwrap_or_default();
    let head_ok = head.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && head.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    let mut sixties = 0;
    for part in parts {
        let ok = match part.as_bytes() {
            [d] => d.is_ascii_digit(),
            [t, d] => (b'0'..=b'5').contains(t) && d.is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return false;
        }
        sixties += 1;
    }
    let fraction_ok = fraction.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit() || b == b'_'));
    head_ok && sixties > 0 && fraction_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_that_read_back_as_something_else_are_not_plain() {
        for quoted in [
            "",
            "true",
            "y",
            "Yes",
            "on",
            "OFF",
            "no",
            "~",
            "null",
            "NULL",
            ".inf",
            "-.Inf",
            ".nan",
            "0",
            "8080",
            "-1",
            "+1",
            "1_000",
            "0x1F",
            "0o17",
            "017",
            "0b101",
            "0b-1",
            "08",
            "1_",
            "1.5",
            "1e3",
            "1.",
            ".5",
            "-.5e-3",
            "18446744073709551615",
            "1:20",
            "-1:20:30.5",
            "2024-01-01",
            "2024-1-2",
            "2026-12-06T16:11:46Z",
            "2024-02-29t00:00:00.123+05:30",
            "2024-05-01 12:00:00",
            "2024-05-01 12:00:00,5",
        ] {
            assert!(!plain_reads_as_string(quoted), "{quoted:?} must be quoted");
        }
    }

    #[test]
    fn other_strings_stay_plain() {
        for plain in [
            "blue",
            "yess",
            "nginx:1.27",
            "1.2.3",
            "v1",
            "0x",
            "0xZ",
            "1e",
            "1e400",
            ".",
            "._5",
            ".e1",
            "-",
            "+",
            "2023-02-29",
            "2024-13-01",
            "2024-01-01T25:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00+0530",
            "2024-01-01x",
            "<<",
            "=",
            "1:60",
            "1:2:",
            "abc:12",
            "10Gi",
            "100m",
            "default",
        ] {
            assert!(plain_reads_as_string(plain), "{plain:?} can stay plain");
        }
    }

    #[test]
    fn go_integer_syntax() {
        assert_eq!(parse_int("-0x10", None), Some(-16));
        assert_eq!(parse_int("0", None), Some(0));
        assert_eq!(parse_int("9223372036854775808", None), None);
        assert_eq!(parse_int("-9223372036854775808", None), Some(i64::MIN));
        assert_eq!(parse_uint("18446744073709551615", None), Some(u64::MAX));
        assert_eq!(parse_uint("0x", None), None);
        assert_eq!(parse_uint("+1", None), None);
    }
}
