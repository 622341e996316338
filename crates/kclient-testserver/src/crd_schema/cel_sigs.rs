//! The overloads the rule checker knows: CEL's standard functions and operators, the
//! strings and lists extensions, and the Kubernetes libraries (lists, regex, url, ip/cidr,
//! quantity, format, semver), each as argument type patterns and a result, as cel-go declares them
//! for kube-apiserver. A call is typed against them when a CRD is written.

use std::sync::LazyLock;

use super::cel_types::Ty;

/// The opaque types of the Kubernetes libraries, named as cel-go names them.
pub(super) const URL: &str = "kubernetes.URL";
pub(super) const IP: &str = "net.IP";
pub(super) const CIDR: &str = "net.CIDR";
pub(super) const QUANTITY: &str = "kubernetes.Quantity";
pub(super) const NAMED_FORMAT: &str = "kubernetes.NamedFormat";
pub(super) const SEMVER: &str = "kubernetes.Semver";

/// An argument or result type pattern: a type, the one type parameter `A`, or a container
/// of patterns.
#[derive(Clone, Debug)]
enum P {
    Is(Ty),
    A,
    List(Box<P>),
    Map(Box<P>, Box<P>),
    Optional(Box<P>),
}

struct Overload {
    name: String,
    member: bool,
    args: Vec<P>,
    result: P,
}

/// What typing a call gave.
pub(super) enum Typed {
    /// The call's result type.
    Ok(Ty),
    /// The function exists but no overload takes these arguments.
    NoOverload,
    /// No function of that name.
    Unknown,
}

fn t(ty: Ty) -> P {
    P::Is(ty)
}

fn list(p: P) -> P {
    P::List(Box::new(p))
}

fn opt(p: P) -> P {
    P::Optional(Box::new(p))
}

fn op(name: &str) -> P {
    t(Ty::Opaque(match name {
        "url" => URL,
        "ip" => IP,
        "cidr" => CIDR,
        "quantity" => QUANTITY,
        "semver" => SEMVER,
        _ => NAMED_FORMAT,
    }))
}

static OVERLOADS: LazyLock<Vec<Overload>> = LazyLock::new(build);

fn build() -> Vec<Overload> {
    use Ty::{Bool, Bytes, Double, Duration, Int, String as Str, Timestamp, Uint};
    let mut o = Vec::new();
    let mut g = |name: &str, args: Vec<P>, result: P| {
        o.push(Overload {
            name: name.to_owned(),
            member: false,
            args,
            result,
        })
    };
    let nums = [Int, Uint, Double];
    for name in ["_==_", "_!=_"] {
        g(name, vec![P::A, P::A], t(Bool));
    }
    for name in ["_<_", "_<=_", "_>_", "_>=_"] {
        for a in &nums {
            for b in &nums {
                g(name, vec![t(a.clone()), t(b.clone())], t(Bool));
            }
        }
        for ty in [Str, Bytes, Bool, Timestamp, Duration] {
            g(name, vec![t(ty.clone()), t(ty)], t(Bool));
        }
    }
    for n in &nums {
        for name in ["_+_", "_-_", "_*_", "_/_"] {
            g(name, vec![t(n.clone()), t(n.clone())], t(n.clone()));
        }
    }
    for n in [Int, Uint] {
        g("_%_", vec![t(n.clone()), t(n.clone())], t(n));
    }
    g("-_", vec![t(Int)], t(Int));
    g("-_", vec![t(Double)], t(Double));
    g("_+_", vec![t(Str), t(Str)], t(Str));
    g("_+_", vec![t(Bytes), t(Bytes)], t(Bytes));
    g("_+_", vec![list(P::A), list(P::A)], list(P::A));
    g("_+_", vec![t(Timestamp), t(Duration)], t(Timestamp));
    g("_+_", vec![t(Duration), t(Timestamp)], t(Timestamp));
    g("_+_", vec![t(Duration), t(Duration)], t(Duration));
    g("_-_", vec![t(Timestamp), t(Timestamp)], t(Duration));
    g("_-_", vec![t(Timestamp), t(Duration)], t(Timestamp));
    g("_-_", vec![t(Duration), t(Duration)], t(Duration));
    g("!_", vec![t(Bool)], t(Bool));
    g("_&&_", vec![t(Bool), t(Bool)], t(Bool));
    g("_||_", vec![t(Bool), t(Bool)], t(Bool));
    g("@not_strictly_false", vec![t(Bool)], t(Bool));
    g("_?_:_", vec![t(Bool), P::A, P::A], P::A);
    g("_[_]", vec![list(P::A), t(Int)], P::A);
    g(
        "_[_]",
        vec![P::Map(Box::new(t(Ty::Dyn)), Box::new(P::A)), t(Ty::Dyn)],
        P::A,
    );
    g("_[?_]", vec![list(P::A), t(Int)], opt(P::A));
    g(
        "_[?_]",
        vec![P::Map(Box::new(t(Ty::Dyn)), Box::new(P::A)), t(Ty::Dyn)],
        opt(P::A),
    );
    g("@in", vec![P::A, list(P::A)], t(Bool));
    g(
        "@in",
        vec![P::A, P::Map(Box::new(P::A), Box::new(t(Ty::Dyn)))],
        t(Bool),
    );
    for ty in [Str, Bytes] {
        g("size", vec![t(ty)], t(Int));
    }
    g("size", vec![list(t(Ty::Dyn))], t(Int));
    g(
        "size",
        vec![P::Map(Box::new(t(Ty::Dyn)), Box::new(t(Ty::Dyn)))],
        t(Int),
    );
    for from in [Int, Uint, Double, Str, Timestamp, Duration] {
        g("int", vec![t(from)], t(Int));
    }
    for from in [Int, Uint, Double, Str] {
        g("uint", vec![t(from.clone())], t(Uint));
        g("double", vec![t(from)], t(Double));
    }
    for from in [Int, Uint, Double, Str, Bytes, Bool, Timestamp, Duration] {
        g("string", vec![t(from)], t(Str));
    }
    for name in ["ip", "cidr"] {
        g("string", vec![op(name)], t(Str));
    }
    g("bytes", vec![t(Str)], t(Bytes));
    g("bytes", vec![t(Bytes)], t(Bytes));
    g("bool", vec![t(Str)], t(Bool));
    g("bool", vec![t(Bool)], t(Bool));
    g("dyn", vec![P::A], t(Ty::Dyn));
    g("type", vec![P::A], t(Ty::Type));
    g("duration", vec![t(Str)], t(Duration));
    g("timestamp", vec![t(Str)], t(Timestamp));
    g("timestamp", vec![t(Int)], t(Timestamp));
    g("matches", vec![t(Str), t(Str)], t(Bool));
    g("optional.of", vec![P::A], opt(P::A));
    g("optional.ofNonZeroValue", vec![P::A], opt(P::A));
    g("optional.none", vec![], opt(t(Ty::Dyn)));
    g("lists.range", vec![t(Int)], list(t(Int)));
    g("strings.quote", vec![t(Str)], t(Str));
    for (make, is, name) in [
        ("url", "isURL", "url"),
        ("ip", "isIP", "ip"),
        ("cidr", "isCIDR", "cidr"),
        ("quantity", "isQuantity", "quantity"),
    ] {
        g(make, vec![t(Str)], op(name));
        g(is, vec![t(Str)], t(Bool));
    }
    g("ip.isCanonical", vec![t(Str)], t(Bool));
    g("semver", vec![t(Str)], op("semver"));
    g("semver", vec![t(Str), t(Bool)], op("semver"));
    g("isSemver", vec![t(Str)], t(Bool));
    for name in ["sets.contains", "sets.equivalent", "sets.intersects"] {
        g(name, vec![list(P::A), list(P::A)], t(Bool));
    }
    g("isSemver", vec![t(Str), t(Bool)], t(Bool));
    g("format.named", vec![t(Str)], opt(op("format")));
    for name in super::cel_lib::format_names() {
        g(&format!("format.{name}"), vec![], op("format"));
    }

    let mut m = |name: &str, target: P, args: Vec<P>, result: P| {
        let mut all = vec![target];
        all.extend(args);
        o.push(Overload {
            name: name.to_owned(),
            member: true,
            args: all,
            result,
        })
    };
    for name in ["contains", "startsWith", "endsWith", "matches"] {
        m(name, t(Str), vec![t(Str)], t(Bool));
    }
    for ty in [Str, Bytes] {
        m("size", t(ty), vec![], t(Int));
    }
    m("size", list(t(Ty::Dyn)), vec![], t(Int));
    m(
        "size",
        P::Map(Box::new(t(Ty::Dyn)), Box::new(t(Ty::Dyn))),
        vec![],
        t(Int),
    );
    m("charAt", t(Str), vec![t(Int)], t(Str));
    for name in ["indexOf", "lastIndexOf"] {
        m(name, t(Str), vec![t(Str)], t(Int));
        m(name, t(Str), vec![t(Str), t(Int)], t(Int));
        m(name, list(P::A), vec![P::A], t(Int));
    }
    for name in ["lowerAscii", "upperAscii", "trim", "reverse"] {
        m(name, t(Str), vec![], t(Str));
    }
    m("replace", t(Str), vec![t(Str), t(Str)], t(Str));
    m("replace", t(Str), vec![t(Str), t(Str), t(Int)], t(Str));
    m("split", t(Str), vec![t(Str)], list(t(Str)));
    m("split", t(Str), vec![t(Str), t(Int)], list(t(Str)));
    m("substring", t(Str), vec![t(Int)], t(Str));
    m("substring", t(Str), vec![t(Int), t(Int)], t(Str));
    m("format", t(Str), vec![list(t(Ty::Dyn))], t(Str));
    m("find", t(Str), vec![t(Str)], t(Str));
    m("findAll", t(Str), vec![t(Str)], list(t(Str)));
    m("findAll", t(Str), vec![t(Str), t(Int)], list(t(Str)));
    m("join", list(t(Str)), vec![], t(Str));
    m("join", list(t(Str)), vec![t(Str)], t(Str));
    m("isSorted", list(P::A), vec![], t(Bool));
    for name in ["sum", "min", "max"] {
        m(name, list(P::A), vec![], P::A);
    }
    m("slice", list(P::A), vec![t(Int), t(Int)], list(P::A));
    m("flatten", list(t(Ty::Dyn)), vec![], list(t(Ty::Dyn)));
    m("flatten", list(t(Ty::Dyn)), vec![t(Int)], list(t(Ty::Dyn)));
    for name in ["distinct", "reverse", "sort"] {
        m(name, list(P::A), vec![], list(P::A));
    }
    m(
        "@sortByAssociatedKeys",
        list(P::A),
        vec![list(t(Ty::Dyn))],
        list(P::A),
    );
    for name in [
        "getFullYear",
        "getMonth",
        "getDate",
        "getDayOfMonth",
        "getDayOfWeek",
        "getDayOfYear",
        "getHours",
        "getMinutes",
        "getSeconds",
        "getMilliseconds",
    ] {
        m(name, t(Timestamp), vec![], t(Int));
        m(name, t(Timestamp), vec![t(Str)], t(Int));
    }
    for name in ["getHours", "getMinutes", "getSeconds", "getMilliseconds"] {
        m(name, t(Duration), vec![], t(Int));
    }
    m("hasValue", opt(P::A), vec![], t(Bool));
    m("value", opt(P::A), vec![], P::A);
    m("orValue", opt(P::A), vec![P::A], P::A);
    m("or", opt(P::A), vec![opt(P::A)], opt(P::A));
    for name in [
        "getScheme",
        "getHost",
        "getHostname",
        "getPort",
        "getEscapedPath",
    ] {
        m(name, op("url"), vec![], t(Str));
    }
    m(
        "getQuery",
        op("url"),
        vec![],
        P::Map(Box::new(t(Str)), Box::new(list(t(Str)))),
    );
    m("family", op("ip"), vec![], t(Int));
    for name in [
        "isUnspecified",
        "isLoopback",
        "isLinkLocalMulticast",
        "isLinkLocalUnicast",
        "isGlobalUnicast",
    ] {
        m(name, op("ip"), vec![], t(Bool));
    }
    m("containsIP", op("cidr"), vec![op("ip")], t(Bool));
    m("containsIP", op("cidr"), vec![t(Str)], t(Bool));
    m("containsCIDR", op("cidr"), vec![op("cidr")], t(Bool));
    m("containsCIDR", op("cidr"), vec![t(Str)], t(Bool));
    m("ip", op("cidr"), vec![], op("ip"));
    m("masked", op("cidr"), vec![], op("cidr"));
    m("prefixLength", op("cidr"), vec![], t(Int));
    m("isInteger", op("quantity"), vec![], t(Bool));
    m("asInteger", op("quantity"), vec![], t(Int));
    m("asApproximateFloat", op("quantity"), vec![], t(Double));
    m("sign", op("quantity"), vec![], t(Int));
    for name in ["add", "sub"] {
        m(name, op("quantity"), vec![op("quantity")], op("quantity"));
        m(name, op("quantity"), vec![t(Int)], op("quantity"));
    }
    for name in ["isGreaterThan", "isLessThan"] {
        m(name, op("quantity"), vec![op("quantity")], t(Bool));
    }
    m("compareTo", op("quantity"), vec![op("quantity")], t(Int));
    for name in ["major", "minor", "patch"] {
        m(name, op("semver"), vec![], t(Int));
    }
    for name in ["isGreaterThan", "isLessThan"] {
        m(name, op("semver"), vec![op("semver")], t(Bool));
    }
    m("compareTo", op("semver"), vec![op("semver")], t(Int));
    m("validate", op("format"), vec![t(Str)], opt(list(t(Str))));
    o
}

/// Whether a global function of that (possibly namespaced) name exists.
pub(super) fn is_global(name: &str) -> bool {
    OVERLOADS.iter().any(|o| !o.member && o.name == name)
}

/// Types the call of `name` (on `target` for a member call) with `args`.
pub(super) fn call(name: &str, target: Option<&Ty>, args: &[Ty]) -> Typed {
    let member = target.is_some();
    let all: Vec<Ty> = target
        .cloned()
        .into_iter()
        .chain(args.iter().cloned())
        .collect();
    let mut known = false;
    for o in OVERLOADS.iter().filter(|o| o.name == name) {
        known = true;
        if o.member != member || o.args.len() != all.len() {
            continue;
        }
        let mut a = None;
        if o.args.iter().zip(&all).all(|(p, ty)| unify(p, ty, &mut a)) {
            return Typed::Ok(instantiate(&o.result, a.as_ref()));
        }
    }
    if known {
        Typed::NoOverload
    } else {
        Typed::Unknown
    }
}

/// Matches `ty` against `p`, binding `A`; `dyn` matches anything.
fn unify(p: &P, ty: &Ty, a: &mut Option<Ty>) -> bool {
    match (p, ty) {
        (P::A, ty) => match a {
            None => {
                *a = Some(ty.clone());
                true
            }
            Some(bound) if bound.compatible(ty) => {
                *a = Some(bound.join(ty));
                true
            }
            // CEL compares numbers of different types for equality too.
            Some(bound) => bound.is_numeric() && ty.is_numeric(),
        },
        (_, Ty::Dyn) => true,
        (P::Is(Ty::Dyn), _) => true,
        (P::Is(want), ty) => want == ty || matches!(ty, Ty::Null) && want == &Ty::Null,
        (P::List(p), Ty::List(e)) => unify(p, e, a),
        (P::Map(pk, pv), Ty::Map(k, v)) => unify(pk, k, a) && unify(pv, v, a),
        (P::Optional(p), Ty::Optional(t)) => unify(p, t, a),
        _ => false,
    }
}

fn instantiate(p: &P, a: Option<&Ty>) -> Ty {
    match p {
        P::Is(ty) => ty.clone(),
        P::A => a.cloned().unwrap_or(Ty::Dyn),
        P::List(p) => Ty::list(instantiate(p, a)),
        P::Map(k, v) => Ty::map(instantiate(k, a), instantiate(v, a)),
        P::Optional(p) => Ty::optional(instantiate(p, a)),
    }
}
