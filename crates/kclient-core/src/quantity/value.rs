//! A quantity's value for arithmetic (CEL's quantity library): parsed exactly into a decimal (an integer times a power of ten), so that comparisons,
//! sums and integer conversions are exact as apimachinery's are.

use std::cmp::Ordering;
use std::fmt;

use super::QuantityError;

/// An exact decimal quantity: `mantissa × 10^exponent`.
#[derive(Clone, Copy, Debug)]
pub struct Quantity {
    mantissa: i128,
    exponent: i32,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        match self.sign().cmp(&other.sign()) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        match align(*self, *other) {
            Some((a, b, _)) => a.cmp(&b),
            // Too far apart to align: the larger exponent wins for positive values.
            None => {
                let by_exp = (self.exponent + digits(self.mantissa))
                    .cmp(&(other.exponent + digits(other.mantissa)));
                if self.sign() < 0 {
                    by_exp.reverse()
                } else {
                    by_exp
                }
            }
        }
    }
}

fn digits(mut m: i128) -> i32 {
    let mut n = 0;
    while m != 0 {
        m /= 10;
        n += 1;
    }
    n
}

/// Both mantissas at the smaller exponent, when they fit.
fn align(a: Quantity, b: Quantity) -> Option<(i128, i128, i32)> {
    let exp = a.exponent.min(b.exponent);
    let scale = |q: Quantity| -> Option<i128> {
        let shift = u32::try_from(q.exponent - exp).ok()?;
        q.mantissa.checked_mul(10i128.checked_pow(shift)?)
    };
    Some((scale(a)?, scale(b)?, exp))
}

impl Quantity {
    /// Parses a quantity as apimachinery's `ParseQuantity` accepts it.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        let s = s.trim();
        let (negative, rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(number_len);
        if number.is_empty() || number.matches('.').count() > 1 || number == "." {
            return Err(QuantityError::Format);
        }
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        let mut mantissa: i128 = 0;
        for c in whole.chars().chain(frac.chars()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(c as u8 - b'0')))
                .ok_or(QuantityError::TooLarge)?;
        }
        let mut exponent = -i32::try_from(frac.len()).map_err(|_| QuantityError::TooLarge)?;
        let binary = |power: u32| -> Result<i128, QuantityError> {
            mantissa
                .checked_mul(1i128 << (10 * power))
                .ok_or(QuantityError::TooLarge)
        };
        match suffix {
            "Ki" => mantissa = binary(1)?,
            "Mi" => mantissa = binary(2)?,
            "Gi" => mantissa = binary(3)?,
            "Ti" => mantissa = binary(4)?,
            "Pi" => mantissa = binary(5)?,
            "Ei" => mantissa = binary(6)?,
            "n" => exponent -= 9,
            "u" => exponent -= 6,
            "m" => exponent -= 3,
            "" => {}
            "k" => exponent += 3,
            "M" => exponent += 6,
            "G" => exponent += 9,
            "T" => exponent += 12,
            "P" => exponent += 15,
            "E" => exponent += 18,
            other => {
                let digits = other
                    .strip_prefix(['e', 'E'])
                    .ok_or(QuantityError::Format)?;
                let unsigned = digits.trim_start_matches(['+', '-']);
                if unsigned.is_empty()
                    || !unsigned.bytes().all(|b| b.is_ascii_digit())
                    || digits.len() - unsigned.len() > 1
                {
                    return Err(QuantityError::Format);
                }
                let e: i32 = digits.parse().map_err(|_| QuantityError::TooLarge)?;
                exponent = exponent.checked_add(e).ok_or(QuantityError::TooLarge)?;
            }
        }
        if negative {
            mantissa = -mantissa;
        }
        Ok(Quantity { mantissa, exponent })
    }

    /// -1, 0 or 1.
    pub fn sign(&self) -> i32 {
        self.mantissa.signum() as i32
    }

    /// The value as an `i64` when it is an integer that fits.
    pub fn as_integer(&self) -> Option<i64> {
        if self.exponent >= 0 {
            let scale = 10i128.checked_pow(u32::try_from(self.exponent).ok()?)?;
            i64::try_from(self.mantissa.checked_mul(scale)?).ok()
        } else {
            let scale = 10i128.checked_pow(self.exponent.unsigned_abs())?;
            (self.mantissa % scale == 0)
                .then(|| i64::try_from(self.mantissa / scale).ok())
                .flatten()
        }
    }

    /// The exact value as mantissa × 10^exponent.
    pub(super) fn decimal_parts(&self) -> (i128, i32) {
        (self.mantissa, self.exponent)
    }

    /// The value in units of 10^`scale` rounded up (away from zero), as apimachinery's
    /// `ScaledValue` computes it (`scaled_value(0)` is `Value()`, `scaled_value(-3)` is
    /// `MilliValue()`); `None` when it does not fit an `i64`.
    pub fn scaled_value(&self, scale: i32) -> Option<i64> {
        let shift = self.exponent.checked_sub(scale)?;
        let scaled = if shift >= 0 {
            self.mantissa
                .checked_mul(10i128.checked_pow(shift.unsigned_abs())?)?
        } else {
            match 10i128.checked_pow(shift.unsigned_abs()) {
                Some(divisor) => {
                    let whole = self.mantissa / divisor;
                    let rest = self.mantissa % divisor;
                    whole + rest.signum()
                }
                // Finer than any i128 holds: a sliver of one unit.
                None => self.mantissa.signum(),
            }
        };
        i64::try_from(scaled).ok()
    }

    /// Whether the value is an integer (whatever its size).
    pub fn is_integer(&self) -> bool {
        self.exponent >= 0
            || 10i128
                .checked_pow(self.exponent.unsigned_abs())
                .is_none_or(|scale| self.mantissa % scale == 0)
    }

    /// The nearest `f64`.
    pub fn as_f64(&self) -> f64 {
        self.mantissa as f64 * 10f64.powi(self.exponent)
    }

    /// `self + other`, exactly.
    pub fn checked_add(&self, other: &Quantity) -> Option<Quantity> {
        let (a, b, exponent) = align(*self, *other)?;
        Some(Quantity {
            mantissa: a.checked_add(b)?,
            exponent,
        })
    }

    /// `self - other`, exactly.
    pub fn checked_sub(&self, other: &Quantity) -> Option<Quantity> {
        self.checked_add(&Quantity {
            mantissa: other.mantissa.checked_neg()?,
            exponent: other.exponent,
        })
    }
}

impl From<i64> for Quantity {
    fn from(v: i64) -> Self {
        Quantity {
            mantissa: i128::from(v),
            exponent: 0,
        }
    }
}

impl fmt::Display for Quantity {
    /// A plain decimal rendering (not apimachinery's canonical suffix form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.exponent >= 0 {
            write!(f, "{}{}", self.mantissa, "0".repeat(self.exponent as usize))
        } else {
            let text = self.mantissa.unsigned_abs().to_string();
            let point = self.exponent.unsigned_abs() as usize;
            let sign = if self.mantissa < 0 { "-" } else { "" };
            let padded = format!("{text:0>width$}", width = point + 1);
            let (whole, frac) = padded.split_at(padded.len() - point);
            write!(f, "{sign}{whole}.{frac}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap()
    }

    #[test]
    fn parses_suffixes_and_compares_exactly() {
        assert_eq!(q("1Ki").as_integer(), Some(1024));
        assert_eq!(q("500m").as_integer(), None);
        assert!(!q("500m").is_integer());
        assert_eq!(q("1.5k").as_integer(), Some(1500));
        assert_eq!(q("2e3").as_integer(), Some(2000));
        assert_eq!(q("-1M").sign(), -1);
        assert!(q("1Gi") > q("1G"));
        assert_eq!(q("1000m"), q("1"));
        assert_eq!(q("0.5").checked_add(&q("500m")).unwrap(), q("1"));
        assert_eq!(
            q("1Gi").checked_sub(&q("1Mi")).unwrap().as_integer(),
            Some(1_072_693_248)
        );
        assert!((q("250m").as_f64() - 0.25).abs() < 1e-12);
        assert_eq!(q("250m").scaled_value(-3), Some(250));
        assert_eq!(q("250m").scaled_value(0), Some(1));
        assert_eq!(q("1.5Gi").scaled_value(0), Some(1_610_612_736));
        assert_eq!(q("1u").scaled_value(-3), Some(1));
        assert_eq!(q("-1u").scaled_value(-3), Some(-1));
        assert_eq!(q("2k").scaled_value(3), Some(2));
        assert_eq!(q("1e30").scaled_value(0), None);
        for bad in ["", "abc", "1.2.3", "1Q", "1e", "."] {
            assert_eq!(Quantity::parse(bad), Err(QuantityError::Format), "{bad}");
        }
    }
}
