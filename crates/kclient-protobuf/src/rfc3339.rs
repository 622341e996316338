//! RFC 3339 text of a `Time`/`MicroTime` written into a stack buffer.
//!
//! k8s-openapi's `Time` and `MicroTime` deserialize only from a string (jiff parses it), so
//! decoding one from protobuf's `{seconds, nanos}` means writing that string first. A Pod
//! holds a dozen of them (creation, conditions, container states, every `managedFields`
//! entry); going through jiff's `strftime` into a fresh `String` for each cost more than the
//! parse back. This writes the fixed-width UTC forms directly, for years 0000–9999 (every
//! time jiff takes); anything else takes the general path in `special`, which reports it.

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` at most.
pub(crate) struct TimeText {
    buf: [u8; 27],
    len: usize,
}

impl TimeText {
    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits and separators are ever written.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

/// Seconds of 0000-01-01T00:00:00Z since the Unix epoch.
const MIN_SECONDS: i64 = -62_167_219_200;
/// One past the last second jiff (and so k8s-openapi's `Time`) takes, late on 9999-12-30:
/// later times keep failing as they did through jiff.
const END_SECONDS: i64 = 253_402_207_201;

/// Year, month and day of a day count since 1970-01-01 (the proleptic Gregorian calendar's
/// era arithmetic: 400-year eras of 146,097 days, years starting in March).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn put(buf: &mut [u8], mut value: u32) {
    for b in buf.iter_mut().rev() {
        *b = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// The RFC 3339 UTC text of a time: whole seconds, or with `micros` six fractional digits
/// (nanoseconds truncated, as Go's `MicroTime` writes). `None` outside years 0000–9999 or
/// for nanoseconds outside a second.
pub(crate) fn write(seconds: i64, nanos: i32, micros: bool) -> Option<TimeText> {
    if !(MIN_SECONDS..END_SECONDS).contains(&seconds) || !(0..1_000_000_000).contains(&nanos) {
        return None;
    }
    let (year, month, day) = civil(seconds.div_euclid(86_400));
    let secs = seconds.rem_euclid(86_400) as u32;
    let mut buf = *b"0000-00-00T00:00:00.000000Z";
    put(&mut buf[0..4], year as u32);
    put(&mut buf[5..7], month);
    put(&mut buf[8..10], day);
    put(&mut buf[11..13], secs / 3_600);
    put(&mut buf[14..16], secs / 60 % 60);
    put(&mut buf[17..19], secs % 60);
    let len = if micros {
        put(&mut buf[20..26], nanos as u32 / 1_000);
        27
    } else {
        buf[19] = b'Z';
        20
    };
    Some(TimeText { buf, len })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::special::{format_micro_time, format_time};

    #[test]
    fn matches_the_general_formatter_across_the_calendar() {
        assert_eq!(END_SECONDS - 1, jiff::Timestamp::MAX.as_second());
        let mut seconds = MIN_SECONDS;
        // A stride coprime to a day visits every time of day and every date shape (leap
        // days, century years, month ends) across the range.
        while seconds < END_SECONDS {
            let nanos = (seconds.rem_euclid(1_000_000_000)) as i32;
            assert_eq!(
                write(seconds, 0, false).unwrap().as_str(),
                format_time(seconds).unwrap()
            );
            assert_eq!(
                write(seconds, nanos, true).unwrap().as_str(),
                format_micro_time(seconds, nanos).unwrap()
            );
            seconds += 7_777_777;
        }
        for seconds in [
            0,
            -1,
            951_782_400,   // 2000-02-29
            4_107_542_400, // 2100-03-01
            MIN_SECONDS,
            END_SECONDS - 1,
        ] {
            assert_eq!(
                write(seconds, 999_999_999, true).unwrap().as_str(),
                format_micro_time(seconds, 999_999_999).unwrap()
            );
        }
        assert!(write(END_SECONDS, 0, false).is_none());
        assert!(write(MIN_SECONDS - 1, 0, false).is_none());
        assert!(write(0, -1, true).is_none());
        assert!(write(0, 1_000_000_000, true).is_none());
    }
}
