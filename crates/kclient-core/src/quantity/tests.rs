//! Cases from apimachinery's `quantity_test.go` (v0.33): `TestQuantityParse`'s inputs
//! with the canonical strings their values print as, `TestQuantityString`'s canonical
//! and alternate spellings, `TestQuantityParseEmit` and the invalid inputs.

use super::*;

fn check(cases: &[(&str, &str)]) {
    for (input, want) in cases {
        assert_eq!(canonical(input).as_deref(), Ok(*want), "{input}");
        // A negative quantity prints as the negated positive one (zero stays "0").
        let negated = if *want == "0" {
            "0".to_string()
        } else {
            format!("-{want}")
        };
        let input = format!("-{input}");
        let kept = canonical(&input).unwrap();
        if kept != input {
            assert_eq!(kept, negated, "{input}");
        }
    }
}

#[test]
fn parse_table_values_print_canonically() {
    check(&[
        ("0", "0"),
        ("0n", "0"),
        ("0u", "0"),
        ("0m", "0"),
        ("0Ki", "0"),
        ("0k", "0"),
        ("0Mi", "0"),
        ("0M", "0"),
        ("0Gi", "0"),
        ("0G", "0"),
        ("0Ti", "0"),
        ("0T", "0"),
        ("1", "1"),
        ("1Ki", "1Ki"),
        ("8Ki", "8Ki"),
        ("7Mi", "7Mi"),
        ("6Gi", "6Gi"),
        ("5Ti", "5Ti"),
        ("4Pi", "4Pi"),
        ("3Ei", "3Ei"),
        ("10Ti", "10Ti"),
        ("100Ti", "100Ti"),
        ("5n", "5n"),
        ("4u", "4u"),
        ("3m", "3m"),
        ("9", "9"),
        ("8k", "8k"),
        ("50k", "50k"),
        ("7M", "7M"),
        ("6G", "6G"),
        ("5T", "5T"),
        ("40T", "40T"),
        ("300T", "300T"),
        ("2P", "2P"),
        ("1E", "1E"),
        // Canonical exponents are kept as written, upper-case `E` included.
        ("1E-3", "1E-3"),
        ("1e3", "1e3"),
        ("1E6", "1E6"),
        ("1e9", "1e9"),
        ("1E12", "1E12"),
        ("1e15", "1e15"),
        ("1E18", "1E18"),
        ("1e14", "100e12"),
        ("1e13", "10e12"),
        ("100.035k", "100.035k"),
        ("0.001", "1m"),
        ("0.0005k", "500m"),
        ("0.005", "5m"),
        ("0.05", "50m"),
        ("0.5", "500m"),
        ("0.00050k", "500m"),
        ("0.00500", "5m"),
        ("0.05000", "50m"),
        ("0.50000", "500m"),
        ("0.5e0", "500e-3"),
        ("0.5e-1", "50e-3"),
        ("0.5e-2", "5e-3"),
        ("10.035M", "10.035M"),
        ("1.2e3", "1200"),
        ("1.3E+6", "1300e3"),
        ("1.40e9", "1400e6"),
        ("1.53E12", "1530e9"),
        ("1.6e15", "1600e12"),
        ("1.7E18", "1700e15"),
        ("9.01", "9010m"),
        ("8.1k", "8100"),
        ("7.123456M", "7.123456M"),
        ("6.987654321G", "6.987654321G"),
        ("5.444T", "5.444T"),
        ("40.1T", "40100G"),
        ("300.2T", "300200G"),
        ("2.5P", "2500T"),
        ("1.01E", "1010P"),
        // Rounded up to whole nano units, capped at int64 for binary values.
        ("3.001n", "4n"),
        ("1.1E-9", "2e-9"),
        ("0.0000000001", "1n"),
        ("0.0000000005", "1n"),
        ("0.00000000050", "1n"),
        ("0.5e-9", "1e-9"),
        ("0.9n", "1n"),
        ("0.00000012345", "124n"),
        ("0.00000012354", "124n"),
        ("9Ei", "9223372036854775807"),
        ("9223372036854775807Ki", "9223372036854775807"),
        ("12E", "12E"),
        // Fractional binary values that are not whole print in decimal SI.
        ("100.035Ki", "102435840m"),
        ("0.5Mi", "512Ki"),
        ("0.05Gi", "53687091200m"),
        ("0.025Ti", "27487790694400m"),
        ("0.000000000001Ki", "2n"),
        (".001", "1m"),
        (".0001k", "100m"),
        // apimachinery keeps these as written: its fast path finds them canonical
        // (whole nano units, a multiple of three, no trailing or leading zeros).
        ("1.", "1."),
        ("1.G", "1.G"),
    ]);
}

#[test]
fn alternate_spellings_become_canonical() {
    check(&[
        ("1024Mi", "1Gi"),
        ("307200Ki", "300Mi"),
        ("1025024Mi", "1001Gi"),
        ("1024Gi", "1Ti"),
        ("5000m", "5"),
        ("0.5", "500m"),
        ("1000M", "1G"),
        ("0.001T", "1G"),
        ("1000u", "1m"),
        ("1.08", "1080m"),
        ("1080000000n", "1080m"),
        (".001e12", "1e9"),
        ("0.001e0", "1e-3"),
        ("1000e-12", "1e-9"),
        ("00", "0"),
        ("1000m", "1"),
        ("2.5Gi", "2560Mi"),
        ("1.5Gi", "1536Mi"),
        ("100M", "100M"),
        ("1025", "1025"),
        ("1234567M", "1234567M"),
        (".001Ki", "1024m"),
        (".000001Ki", "1024u"),
        (".000000001Ki", "1024n"),
        (".000000000001Ki", "2n"),
        ("2048", "2048"),
    ]);
}

#[test]
fn a_plus_sign_is_kept_when_the_rest_is_canonical() {
    assert_eq!(canonical("+1").as_deref(), Ok("+1"));
    assert_eq!(canonical("+1000m").as_deref(), Ok("1"));
}

#[test]
fn invalid_quantities_are_refused_as_apimachinery_refuses_them() {
    for input in ["", "1.1.M", "1+1.0M", "0.1am", "aoeu", " 1", "1 "] {
        assert_eq!(canonical(input), Err(QuantityError::Format), "{input:?}");
    }
    for input in ["0.1mi", ".5i", "1i", "-3.01i", "-3.01e-"] {
        assert_eq!(canonical(input), Err(QuantityError::Suffix), "{input:?}");
    }
    assert_eq!(
        QuantityError::Format.to_string(),
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    );
    // Beyond the exact range: an error, never a wrong value or a panic.
    assert_eq!(canonical("1e400"), Err(QuantityError::TooLarge));
    assert_eq!(
        canonical("99999999999999999999999999999999999999999"),
        Err(QuantityError::TooLarge)
    );
}

#[test]
fn resource_lists_round_up_to_milli_units() {
    for (input, want) in [
        ("100n", "1m"),
        ("1.0001m", "2m"),
        ("1500u", "2m"),
        ("0.0001", "1m"),
        ("1e-4", "1e-3"),
        ("-100n", "-1m"),
        ("0.0001Ki", "103m"),
        // Already whole milli units: the plain canonical form, spellings kept.
        ("100m", "100m"),
        ("1000m", "1"),
        ("0.5", "500m"),
        ("1Gi", "1Gi"),
        ("1024Mi", "1Gi"),
        ("+1", "+1"),
        ("1000000n", "1m"),
        ("0", "0"),
    ] {
        assert_eq!(canonical_milli(input).as_deref(), Ok(want), "{input}");
    }
    assert_eq!(canonical_milli("1.2.3"), Err(QuantityError::Format));
}

#[test]
fn computed_values_are_written_in_the_family_of_their_first_operand() {
    let sum = |a: &str, b: &str| {
        let value = Quantity::parse(a)
            .unwrap()
            .checked_add(&Quantity::parse(b).unwrap())
            .unwrap();
        canonical_like(&value, a).unwrap()
    };
    assert_eq!(sum("500m", "1"), "1500m");
    assert_eq!(sum("1.2", "0.034"), "1234m");
    assert_eq!(sum("1Gi", "1Gi"), "2Gi");
    assert_eq!(sum("768Mi", "768Mi"), "1536Mi");
    assert_eq!(sum("1Gi", "1"), "1073741825");
    assert_eq!(sum("1e3", "1e3"), "2e3");
    assert_eq!(sum("1Ki", "-1Ki"), "0");
}
