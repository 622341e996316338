//! The JSON forms of the apimachinery types that marshal their own JSON: `Time` and
//! `MicroTime` (RFC 3339), `Duration` (Go's duration string), and the parsing back for encoding.

use jiff::Timestamp;

use crate::Error;

fn timestamp(seconds: i64, nanos: i32) -> Result<Timestamp, Error> {
    Timestamp::new(seconds, nanos).map_err(|_| Error::Encode {
        value: format!("{seconds}s {nanos}ns"),
        expected: "a timestamp within years -9999..=9999",
    })
}

/// `meta.v1.Time` as Go writes it in JSON: RFC 3339 in UTC, whole seconds.
pub(crate) fn format_time(seconds: i64) -> Result<String, Error> {
    Ok(timestamp(seconds, 0)?
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string())
}

/// `meta.v1.MicroTime` as Go writes it in JSON: RFC 3339 in UTC with six fractional digits.
pub(crate) fn format_micro_time(seconds: i64, nanos: i32) -> Result<String, Error> {
    let micros = nanos - nanos.rem_euclid(1000);
    Ok(timestamp(seconds, micros)?
        .strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string())
}

/// A Time or MicroTime JSON string as (seconds, nanoseconds).
pub(crate) fn parse_time(s: &str) -> Result<(i64, i32), Error> {
    let ts: Timestamp = s.parse().map_err(|_| Error::Encode {
        value: s.to_string(),
        expected: "an RFC 3339 timestamp",
    })?;
    Ok((ts.as_second(), ts.subsec_nanosecond()))
}

const UNITS: [(&str, u128); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Go's `time.Duration.String()`: `1h2m3.5s`, `150ms`, `0s`.
pub(crate) fn format_duration(nanos: i64) -> String {
    let neg = nanos < 0;
    let d = nanos.unsigned_abs();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let frac = |out: &mut String, whole: u64, rem: u64, digits: u32| {
        out.push_str(&whole.to_string());
        if rem != 0 {
            let s = format!("{rem:0width$}", width = digits as usize);
            out.push('.');
            out.push_str(s.trim_end_matches('0'));
        }
    };
    if d < 1_000_000_000 {
        let (unit, div, digits) = match d {
            0 => return "0s".into(),
            1..1_000 => ("ns", 1, 0),
            1_000..1_000_000 => ("µs", 1_000, 3),
            _ => ("ms", 1_000_000, 6),
        };
        frac(&mut out, d / div, d % div, digits);
        out.push_str(unit);
        return out;
    }
    let (h, rest) = (d / 3_600_000_000_000, d % 3_600_000_000_000);
    let (m, rest) = (rest / 60_000_000_000, rest % 60_000_000_000);
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    frac(&mut out, rest / 1_000_000_000, rest % 1_000_000_000, 9);
    out.push('s');
    out
}

/// Go's `time.ParseDuration`: signed decimal numbers with units (`1h30m`, `-1.5s`, `0`).
pub(crate) fn parse_duration(s: &str) -> Result<i64, Error> {
    let bad = || Error::Encode {
        value: s.to_string(),
        expected: "a Go duration",
    };
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (number, tail) = rest.split_at(end);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() {
            return Err(bad());
        }
        let (unit, scale) = UNITS
            .iter()
            .filter(|(u, _)| tail.starts_with(u))
            .max_by_key(|(u, _)| u.len())
            .ok_or_else(bad)?;
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let mut value = whole.checked_mul(*scale).ok_or_else(bad)?;
        let mut place = *scale;
        for digit in fraction.bytes() {
            if !digit.is_ascii_digit() {
                return Err(bad());
            }
            place /= 10;
            value += u128::from(digit - b'0') * place;
        }
        total = total.checked_add(value).ok_or_else(bad)?;
        rest = &tail[unit.len()..];
    }
    let total = i64::try_from(total).map_err(|_| bad())?;
    Ok(if neg { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_rfc3339_seconds_and_micro_time_has_six_digits() {
        assert_eq!(format_time(1_700_000_000).unwrap(), "2023-11-14T22:13:20Z");
        assert_eq!(
            format_micro_time(1_700_000_000, 123_456_789).unwrap(),
            "2023-11-14T22:13:20.123456Z"
        );
        assert_eq!(
            format_micro_time(0, 0).unwrap(),
            "1970-01-01T00:00:00.000000Z"
        );
        assert_eq!(
            parse_time("2023-11-14T22:13:20Z").unwrap(),
            (1_700_000_000, 0)
        );
        assert_eq!(
            parse_time("2023-11-14T23:13:20.5+01:00").unwrap(),
            (1_700_000_000, 500_000_000)
        );
        assert!(parse_time("yesterday").is_err());
        assert!(format_time(i64::MAX).is_err());
    }

    #[test]
    fn durations_read_and_write_like_go() {
        for (nanos, text) in [
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1.5µs"),
            (150_000_000, "150ms"),
            (1_500_000_000, "1.5s"),
            (3_723_000_000_000, "1h2m3s"),
            (3_600_000_000_000, "1h0m0s"),
            (-90_000_000_000, "-1m30s"),
        ] {
            assert_eq!(format_duration(nanos), text);
            assert_eq!(parse_duration(text).unwrap(), nanos, "{text}");
        }
        assert_eq!(parse_duration("1.5h").unwrap(), 5_400_000_000_000);
        for bad in [
            "",
            "1",
            "h",
            "1x",
            "-",
            "99999999999999999h",
            "1.2.3s",
            ".s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
