use cel::{Context, Value};

use super::super::cel::ENV;

fn eval(expr: &str) -> Result<Value, String> {
    let program = ENV.compile(expr).map_err(|e| e.to_string())?;
    program
        .execute(&Context::with_env(ENV.clone()))
        .map_err(|e| e.to_string())
}

fn holds(expr: &str) {
    assert_eq!(eval(expr), Ok(Value::Bool(true)), "{expr}");
}

#[test]
fn lists_library() {
    holds("[1, 2, 3].isSorted() && ![2, 1].isSorted() && ['a', 'b'].isSorted()");
    holds("[1, 2, 3].sum() == 6 && [1.5, 2.5].sum() == 4.0 && [].sum() == 0");
    holds("[3, 1, 2].min() == 1 && [3, 1, 2].max() == 3 && ['b', 'a'].min() == 'a'");
    holds("[1, 2, 1].indexOf(1) == 0 && [1, 2, 1].lastIndexOf(1) == 2 && [1].indexOf(5) == -1");
    assert!(
        eval("[].min()")
            .unwrap_err()
            .contains("min called on empty list")
    );
}

#[test]
fn regex_and_strings_libraries() {
    holds("'abc 123 def 456'.find('[0-9]+') == '123' && 'abc'.find('[0-9]+') == ''");
    holds("'a1b22c333'.findAll('[0-9]+') == ['1', '22', '333']");
    holds("'a1b22c333'.findAll('[0-9]+', 2) == ['1', '22']");
    holds("'TacoCat'.lowerAscii() == 'tacocat' && 'a,b'.split(',') == ['a', 'b']");
    holds(
        "['a', 'b'].join('-') == 'a-b' && ' x '.trim() == 'x' && 'hello'.substring(1, 3) == 'el'",
    );
    holds(
        "'hello'.indexOf('l') == 2 && 'hello'.replace('l', 'L') == 'heLLo' && 'ab'.upperAscii() == 'AB'",
    );
}

#[test]
fn url_library() {
    holds("isURL('https://example.com:8443/a%20b?x=1&x=2&y=3') && !isURL('example.com')");
    holds("url('https://user@example.com:8443/p').getScheme() == 'https'");
    holds("url('https://example.com:8443/p').getHost() == 'example.com:8443'");
    holds(
        "url('https://[::1]:80/p').getHostname() == '::1' && url('https://[::1]:80/p').getPort() == '80'",
    );
    holds(
        "url('https://example.com/a%20b').getEscapedPath() == '/a%20b' && url('/abs/path').getHost() == ''",
    );
    holds("url('https://example.com/?x=1&x=2&y=3').getQuery() == {'x': ['1', '2'], 'y': ['3']}");
    assert!(
        eval("url('example.com')").unwrap_err().contains(
            r#"URL parse error during conversion from string: parse "example.com": invalid URI for request"#
        )
    );
}

#[test]
fn ip_and_cidr_libraries() {
    holds("isIP('10.0.0.1') && isIP('::1') && !isIP('10.0.0') && !isIP('::ffff:10.0.0.1')");
    holds("ip('10.0.0.1').family() == 4 && ip('fe80::1').family() == 6");
    holds(
        "ip('127.0.0.1').isLoopback() && ip('0.0.0.0').isUnspecified() && ip('169.254.1.1').isLinkLocalUnicast()",
    );
    holds(
        "ip('224.0.0.5').isLinkLocalMulticast() && ip('8.8.8.8').isGlobalUnicast() && !ip('127.0.0.1').isGlobalUnicast()",
    );
    holds(
        "ip.isCanonical('2001:db8::1') && !ip.isCanonical('2001:DB8::1') && string(ip('10.0.0.1')) == '10.0.0.1'",
    );
    holds(
        "isCIDR('10.0.0.0/8') && !isCIDR('10.0.0.0/33') && cidr('10.0.0.0/8').containsIP('10.1.2.3')",
    );
    holds(
        "cidr('10.0.0.0/8').containsIP(ip('10.1.2.3')) && !cidr('10.0.0.0/8').containsIP('11.0.0.1')",
    );
    holds(
        "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && !cidr('10.1.0.0/16').containsCIDR('10.0.0.0/8')",
    );
    holds(
        "cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8') && cidr('10.1.2.3/8').ip() == ip('10.1.2.3')",
    );
    holds(
        "cidr('2001:db8::/32').prefixLength() == 32 && string(cidr('10.0.0.0/8')) == '10.0.0.0/8'",
    );
}

#[test]
fn quantity_library() {
    holds(
        "isQuantity('1.5Gi') && !isQuantity('1.5Gx') && quantity('1Gi').isGreaterThan(quantity('1G'))",
    );
    holds(
        "quantity('500m').isLessThan(quantity('1')) && quantity('1k').compareTo(quantity('1000')) == 0",
    );
    holds(
        "quantity('2Ki').asInteger() == 2048 && !quantity('500m').isInteger() && quantity('-1').sign() == -1",
    );
    holds("quantity('250m').asApproximateFloat() == 0.25");
    holds(
        "quantity('1').add(quantity('500m')) == quantity('1500m') && quantity('1').add(2) == quantity('3')",
    );
    holds(
        "quantity('1Gi').sub(quantity('512Mi')) == quantity('512Mi') && quantity('3').sub(1).asInteger() == 2",
    );
    assert!(eval("quantity('500m').asInteger()").is_err());
    assert!(
        eval("quantity('x')")
            .unwrap_err()
            .contains("quantities must match the regular expression")
    );
}

#[test]
fn format_library() {
    holds("!format.dns1123Label().validate('my-name').hasValue()");
    holds("format.dns1123Label().validate('My_Name').value().size() == 1");
    holds("format.named('dns1123Subdomain').value().validate('a.b').hasValue() == false");
    holds(
        "!format.named('nope').hasValue() && !format.dns1123LabelPrefix().validate('abc-').hasValue()",
    );
    holds(
        "format.uuid().validate('not-a-uuid').hasValue() && !format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()",
    );
    holds(
        "!format.labelValue().validate('v1.0').hasValue() && format.date().validate('2024-13-01').hasValue()",
    );
}

#[test]
fn semver_library() {
    holds(
        "isSemver('1.2.3') && !isSemver('v1.2') && isSemver('v1.2', true) && !isSemver('01.2.3')",
    );
    holds(
        "semver('1.2.3').major() == 1 && semver('1.2.3').minor() == 2 && semver('1.2.3').patch() == 3",
    );
    holds(
        "semver('1.10.0').isGreaterThan(semver('1.9.9')) && semver('1.0.0-alpha').isLessThan(semver('1.0.0'))",
    );
    holds(
        "semver('1.0.0-alpha.1').isLessThan(semver('1.0.0-alpha.beta')) && semver('1.0.0+b1').compareTo(semver('1.0.0')) == 0",
    );
    holds("semver('v01.2', true) == semver('1.2.0')");
    assert!(
        eval("semver('x')")
            .unwrap_err()
            .contains("Semver parse error during conversion from string")
    );
}

#[test]
fn sets_extension() {
    holds("sets.contains([1, 2, 3], [3, 1]) && !sets.contains([1], [2])");
    holds("sets.equivalent([1, 2, 2], [2, 1]) && !sets.equivalent([1], [1, 2])");
    holds("sets.intersects(['a', 'b'], ['b', 'c']) && !sets.intersects(['a'], ['c'])");
}

#[test]
fn optional_syntax_is_available() {
    holds("{'a': 'x'}.?a.orValue('') == 'x' && {'a': 'x'}.?b.orValue('y') == 'y'");
    holds("optional.of(1).hasValue() && !optional.none().hasValue() && [1][?0].value() == 1");
}
