//! Resource quantities (`"500m"`, `"1Gi"`, `"1e3"`) in the canonical form apimachinery's
//! `resource.Quantity` writes them: kube-apiserver parses every quantity of a built-in
//! object and serializes it again, so `"1000m"` comes back as `"1"`, `"0.5"` as `"500m"`,
//! `"1024Mi"` as `"1Gi"` and `"2.5Gi"` as `"2560Mi"`, while a string already canonical
//! (`"100M"`, `"1e3"`) is kept as written.
//!
//! The rules: the number keeps its suffix family (decimal SI, binary SI or a decimal
//! exponent); precision finer than nano units is rounded up (away from zero); binary
//! values are capped at 2^63-1, and ones that are below 1024 in magnitude or not whole
//! are written in decimal SI; the decimal exponent is the largest multiple of three that
//! leaves a whole number.

use std::fmt::Write as _;

use super::{Quantity, QuantityError};

/// How a quantity's suffix reads, which its canonical form keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    DecimalSi,
    BinarySi,
    DecimalExponent,
}

/// The smallest unit kept: nano (10^-9).
const NANO_SCALE: u32 = 9;
/// The smallest unit a resource list keeps: milli (10^-3).
const MILLI_SCALE: u32 = 3;
/// The largest binary quantity: what fits an int64.
const MAX_BINARY: u128 = i64::MAX as u128;
/// Decimal digits an int64 always holds, below which apimachinery's fast path applies.
const INT64_DIGITS: usize = 18;

/// The canonical form of `s` as kube-apiserver writes it back.
pub fn canonical(s: &str) -> Result<String, QuantityError> {
    canonical_with_precision(s, NANO_SCALE)
}

/// The canonical form of `s` rounded up (away from zero) to whole milli units, as
/// core/v1's `SetDefaults_ResourceList` stores every quantity of a resource list
/// (container requests and limits, pod overhead, quotas, limit ranges): `"100n"` becomes
/// `"1m"`, `"1.0001m"` becomes `"2m"`, `"1500u"` becomes `"2m"`.
pub fn canonical_milli(s: &str) -> Result<String, QuantityError> {
    canonical_with_precision(s, MILLI_SCALE)
}

/// The canonical form of a computed `value` (a sum, say) in the suffix family of
/// `like`, as apimachinery's `String()` writes a quantity it did not parse: never kept
/// as spelled, so `"500m"` plus `"1"` is `"1500m"` and `"1Gi"` plus `"1Gi"` is `"2Gi"`.
pub fn canonical_like(value: &Quantity, like: &str) -> Result<String, QuantityError> {
    let (_, _, format) = interpret(split(like)?.suffix)?;
    let mut exact = Exact::of(value)?;
    exact.round_up_to(NANO_SCALE);
    finish(exact, format)
}

/// Binary values capped and, when below one unit, written in decimal SI.
fn finish(mut value: Exact, mut format: Format) -> Result<String, QuantityError> {
    if format == Format::BinarySi {
        value.cap(MAX_BINARY);
        if value.magnitude_below(1) {
            format = Format::DecimalSi;
        }
    }
    value.write(format)
}

/// The canonical form of `s` with at most `fraction_digits` decimal places, finer
/// precision rounded up.
fn canonical_with_precision(s: &str, fraction_digits: u32) -> Result<String, QuantityError> {
    if s.is_empty() {
        return Err(QuantityError::Format);
    }
    if s == "0" {
        return Ok(s.to_string());
    }
    let parts = split(s)?;
    let (base, exponent, format) = interpret(parts.suffix)?;
    if kept_as_written(&parts, base, exponent, fraction_digits) {
        return Ok(s.to_string());
    }
    let mut value = Exact::parse(&parts, base, exponent)?;
    value.round_up_to(fraction_digits);
    finish(value, format)
}

/// `[+-]digits[.digits]suffix`, leading zeros of the integer part dropped.
struct Parts<'a> {
    negative: bool,
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
}

fn split(s: &str) -> Result<Parts<'_>, QuantityError> {
    let bytes = s.as_bytes();
    let mut pos = 0;
    let negative = match bytes.first() {
        Some(b'-') => {
            pos = 1;
            true
        }
        Some(b'+') => {
            pos = 1;
            false
        }
        _ => false,
    };
    while pos < bytes.len() && bytes[pos] == b'0' {
        pos += 1;
    }
    let digits_from = |from: usize| {
        from + bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let num_end = digits_from(pos);
    let num = if num_end == pos {
        "0"
    } else {
        &s[pos..num_end]
    };
    pos = num_end;
    let mut denom = "";
    if bytes.get(pos) == Some(&b'.') {
        let end = digits_from(pos + 1);
        denom = &s[pos + 1..end];
        pos = end;
    }
    let suffix_start = pos;
    while pos < bytes.len() && b"eEinumkKMGTP".contains(&bytes[pos]) {
        pos += 1;
    }
    if matches!(bytes.get(pos), Some(b'-' | b'+')) {
        pos += 1;
    }
    if digits_from(pos) != bytes.len() {
        return Err(QuantityError::Format);
    }
    Ok(Parts {
        negative,
        num,
        denom,
        suffix: &s[suffix_start..],
    })
}

/// The base (10 or 2), the exponent and the format a suffix stands for.
fn interpret(suffix: &str) -> Result<(u32, i32, Format), QuantityError> {
    let decimal = |e| Ok((10, e, Format::DecimalSi));
    let binary = |e| Ok((2, e, Format::BinarySi));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let exponent = suffix
                .strip_prefix(['e', 'E'])
                .filter(|rest| !rest.is_empty())
                .ok_or(QuantityError::Suffix)?;
            let exponent: i64 = exponent.parse().map_err(|_| QuantityError::Suffix)?;
            let exponent = i32::try_from(exponent).map_err(|_| QuantityError::TooLarge)?;
            Ok((10, exponent, Format::DecimalExponent))
        }
    }
}

/// apimachinery keeps the string it parsed when its fast path finds it canonical
/// already: few enough digits, whole nano units, an exponent that is a multiple of three
/// without trailing zeros (decimal), or a binary suffix on a number that is not a
/// multiple of 8 (so of 1024). Rounding to fewer than `fraction_digits` decimal places
/// drops the string apimachinery kept, so a value that needs it is not kept.
fn kept_as_written(parts: &Parts<'_>, base: u32, exponent: i32, fraction_digits: u32) -> bool {
    let shifted = format!("{}{}", parts.num, parts.denom);
    let digits = shifted.len();
    if base == 10 {
        let scale = i64::from(exponent) - parts.denom.len() as i64;
        digits <= INT64_DIGITS
            && scale >= -i64::from(fraction_digits.min(NANO_SCALE))
            && scale % 3 == 0
            && !shifted.ends_with("000")
            && !shifted.starts_with('0')
    } else {
        // About three decimal digits per factor of 1024.
        let room = 15 - digits as i64 - i64::from(exponent) * 3 / 10 - 1;
        let Ok(value) = shifted.parse::<i64>() else {
            return false;
        };
        parts.denom.is_empty()
            && room >= 0
            && value.checked_mul(1_i64 << exponent).is_some()
            && exponent % 10 == 0
            && value & 0x07 != 0
    }
}

/// A quantity's exact value: `unscaled * 10^-scale`, with a sign.
struct Exact {
    negative: bool,
    unscaled: u128,
    scale: u32,
}

fn pow10(n: u32) -> Option<u128> {
    10_u128.checked_pow(n)
}

impl Exact {
    /// A computed quantity's exact value, without writing it out and reading it back.
    fn of(value: &Quantity) -> Result<Self, QuantityError> {
        let (mantissa, exponent) = value.decimal_parts();
        let mut unscaled = mantissa.unsigned_abs();
        let scale = match u32::try_from(exponent) {
            Ok(up) => {
                if unscaled != 0 {
                    unscaled = pow10(up)
                        .and_then(|f| unscaled.checked_mul(f))
                        .ok_or(QuantityError::TooLarge)?;
                }
                0
            }
            Err(_) => exponent.unsigned_abs(),
        };
        Ok(Self {
            negative: mantissa < 0,
            unscaled,
            scale,
        })
    }

    fn parse(parts: &Parts<'_>, base: u32, exponent: i32) -> Result<Self, QuantityError> {
        let digits = format!("{}{}", parts.num, parts.denom);
        let digits = digits.trim_start_matches('0');
        let mut unscaled: u128 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| QuantityError::TooLarge)?
        };
        let denom = i64::try_from(parts.denom.len()).map_err(|_| QuantityError::TooLarge)?;
        let mut scale = denom;
        if base == 10 {
            scale -= i64::from(exponent);
        } else {
            let factor = 1_u128
                .checked_shl(u32::try_from(exponent).map_err(|_| QuantityError::Suffix)?)
                .ok_or(QuantityError::TooLarge)?;
            unscaled = unscaled
                .checked_mul(factor)
                .ok_or(QuantityError::TooLarge)?;
        }
        if scale < 0 {
            let up = u32::try_from(-scale).map_err(|_| QuantityError::TooLarge)?;
            if unscaled != 0 {
                unscaled = pow10(up)
                    .and_then(|f| unscaled.checked_mul(f))
                    .ok_or(QuantityError::TooLarge)?;
            }
            scale = 0;
        }
        let scale = u32::try_from(scale).map_err(|_| QuantityError::TooLarge)?;
        Ok(Self {
            negative: parts.negative,
            unscaled,
            scale,
        })
    }

    /// Finer than `fraction_digits` decimal places rounds up: asking for some of a
    /// resource gets some.
    fn round_up_to(&mut self, fraction_digits: u32) {
        if self.unscaled == 0 || self.scale <= fraction_digits {
            return;
        }
        let drop = self.scale - fraction_digits;
        self.unscaled = match pow10(drop) {
            Some(divisor) => {
                let whole = self.unscaled / divisor;
                if self.unscaled % divisor == 0 {
                    whole
                } else {
                    whole + 1
                }
            }
            // More digits dropped than the value has: the smallest unit.
            None => 1,
        };
        self.scale = fraction_digits;
    }

    /// Whether |value| > `max` (a whole number).
    fn magnitude_above(&self, max: u128) -> bool {
        match pow10(self.scale).and_then(|f| max.checked_mul(f)) {
            Some(limit) => self.unscaled > limit,
            None => false,
        }
    }

    /// Whether 0 < |value| < `bound` (a whole number).
    fn magnitude_below(&self, bound: u128) -> bool {
        self.unscaled != 0
            && pow10(self.scale)
                .and_then(|f| bound.checked_mul(f))
                .is_none_or(|limit| self.unscaled < limit)
    }

    fn cap(&mut self, max: u128) {
        if self.magnitude_above(max) {
            self.unscaled = max;
            self.scale = 0;
        }
    }

    /// The whole number this value is, if it is one.
    fn whole(&self) -> Option<u128> {
        let f = pow10(self.scale)?;
        (self.unscaled % f == 0).then(|| self.unscaled / f)
    }

    fn write(&self, format: Format) -> Result<String, QuantityError> {
        if self.unscaled == 0 {
            return Ok("0".to_string());
        }
        let mut out = String::new();
        if self.negative {
            out.push('-');
        }
        let binary_whole = match format {
            Format::BinarySi if !self.magnitude_below(1024) => self.whole(),
            _ => None,
        };
        if let Some(mut whole) = binary_whole {
            let mut power = 0;
            while whole % 1024 == 0 {
                whole /= 1024;
                power += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
                .get(power)
                .copied()
                .unwrap_or("");
            let _ = write!(out, "{whole}{suffix}");
            return Ok(out);
        }
        let mut mantissa = self.unscaled;
        let mut exponent = -i64::from(self.scale);
        while mantissa % 10 == 0 {
            mantissa /= 10;
            exponent += 1;
        }
        while exponent.rem_euclid(3) != 0 {
            mantissa = mantissa.checked_mul(10).ok_or(QuantityError::TooLarge)?;
            exponent -= 1;
        }
        let _ = write!(out, "{mantissa}");
        if format == Format::DecimalExponent {
            if exponent != 0 {
                let _ = write!(out, "e{exponent}");
            }
        } else {
            // apimachinery writes no suffix for an exponent beyond its table (past E).
            let suffix = match exponent {
                -9 => "n",
                -6 => "u",
                -3 => "m",
                3 => "k",
                6 => "M",
                9 => "G",
                12 => "T",
                15 => "P",
                18 => "E",
                _ => "",
            };
            out.push_str(suffix);
        }
        Ok(out)
    }
}
