//! Kubernetes' ip and cidr libraries: `ip()`, `isIP()`, `ip.isCanonical()`, `cidr()`,
//! `isCIDR()` and their accessors; IPv4-mapped IPv6 addresses and zones are refused, as
//! kube-apiserver refuses them.

use std::net::IpAddr;

use cel::common::types::STRING_TYPE;
use cel::common::value::CowVal;
use cel::{DeclarationError, Env, ExecutionError};

use super::{CIDR_TYPE, IP_TYPE, K8s, Out, boolean, fail, int, k8s, k8s_arg, string, string_arg};

fn parse_ip(s: &str) -> Result<IpAddr, String> {
    let addr: IpAddr = s
        .parse()
        .map_err(|_| format!("IP Address {s:?} parse error during conversion from string: ParseAddr({s:?}): unable to parse IP"))?;
    if let IpAddr::V6(v6) = addr
        && v6.to_ipv4_mapped().is_some()
    {
        return Err(format!("IPv4-mapped IPv6 address {s:?} is not allowed"));
    }
    Ok(addr)
}

fn parse_cidr(s: &str) -> Result<(IpAddr, u8), String> {
    let error = || {
        format!(
            "network address parse error during conversion from string: netip.ParsePrefix({s:?}): invalid prefix"
        )
    };
    let (addr, len) = s.split_once('/').ok_or_else(error)?;
    let addr = parse_ip(addr).map_err(|_| error())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len: u8 = len.parse().ok().filter(|l| *l <= max).ok_or_else(error)?;
    Ok((addr, len))
}

fn bits(addr: IpAddr) -> (u128, u32) {
    match addr {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    }
}

fn masked(addr: IpAddr, len: u8) -> IpAddr {
    let (value, width) = bits(addr);
    let keep = if len == 0 {
        0
    } else {
        (!0u128) << (width - u32::from(len)) & if width == 32 { 0xffff_ffff } else { !0 }
    };
    let value = value & keep;
    match addr {
        IpAddr::V4(_) => IpAddr::V4((value as u32).into()),
        IpAddr::V6(_) => IpAddr::V6(value.into()),
    }
}

fn contains(net: IpAddr, len: u8, addr: IpAddr) -> bool {
    net.is_ipv4() == addr.is_ipv4() && masked(addr, len) == masked(net, len)
}

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload("ip", "string_to_ip", vec![STRING_TYPE], to_ip)?;
    env.add_overload("isIP", "is_ip", vec![STRING_TYPE], is_ip)?;
    env.add_overload(
        "ip.isCanonical",
        "ip_is_canonical",
        vec![STRING_TYPE],
        is_canonical,
    )?;
    env.add_overload("cidr", "string_to_cidr", vec![STRING_TYPE], to_cidr)?;
    env.add_overload("isCIDR", "is_cidr", vec![STRING_TYPE], is_cidr)?;
    env.add_overload(
        "string",
        "ip_to_string",
        vec![IP_TYPE.to_owned()],
        to_string,
    )?;
    env.add_overload(
        "string",
        "cidr_to_string",
        vec![CIDR_TYPE.to_owned()],
        to_string,
    )?;
    env.add_member_overload("family", "ip_family", IP_TYPE.to_owned(), vec![], family)?;
    for (name, f) in [
        (
            "isUnspecified",
            is_unspecified as cel::common::functions::Function,
        ),
        ("isLoopback", is_loopback),
        ("isLinkLocalMulticast", is_link_local_multicast),
        ("isLinkLocalUnicast", is_link_local_unicast),
        ("isGlobalUnicast", is_global_unicast),
    ] {
        env.add_member_overload(name, &format!("ip_{name}"), IP_TYPE.to_owned(), vec![], f)?;
    }
    let cidr = || CIDR_TYPE.to_owned();
    env.add_member_overload(
        "containsIP",
        "cidr_contains_ip_ip",
        cidr(),
        vec![IP_TYPE.to_owned()],
        contains_ip,
    )?;
    env.add_member_overload(
        "containsIP",
        "cidr_contains_ip_string",
        cidr(),
        vec![STRING_TYPE],
        contains_ip,
    )?;
    env.add_member_overload(
        "containsCIDR",
        "cidr_contains_cidr",
        cidr(),
        vec![cidr()],
        contains_cidr,
    )?;
    env.add_member_overload(
        "containsCIDR",
        "cidr_contains_cidr_string",
        cidr(),
        vec![STRING_TYPE],
        contains_cidr,
    )?;
    env.add_member_overload("ip", "cidr_ip", cidr(), vec![], cidr_ip)?;
    env.add_member_overload("masked", "cidr_masked", cidr(), vec![], cidr_masked)?;
    env.add_member_overload(
        "prefixLength",
        "cidr_prefix_length",
        cidr(),
        vec![],
        prefix_length,
    )?;
    Ok(())
}

fn to_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let addr = parse_ip(string_arg(&args, 0)?).map_err(|e| fail("ip", e))?;
    k8s(K8s::Ip(addr))
}

fn is_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(parse_ip(string_arg(&args, 0)?).is_ok())
}

fn is_canonical<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let s = string_arg(&args, 0)?;
    let addr = parse_ip(s).map_err(|e| fail("ip.isCanonical", e))?;
    boolean(addr.to_string() == s)
}

fn to_cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let (addr, len) = parse_cidr(string_arg(&args, 0)?).map_err(|e| fail("cidr", e))?;
    k8s(K8s::Cidr(addr, len))
}

fn is_cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(parse_cidr(string_arg(&args, 0)?).is_ok())
}

fn to_string<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    match k8s_arg(&args, 0)? {
        K8s::Ip(addr) => string(addr.to_string()),
        K8s::Cidr(addr, len) => string(format!("{addr}/{len}")),
        _ => Err(ExecutionError::missing_argument_or_target()),
    }
}

fn ip_arg(args: &[CowVal<'_, '_>]) -> Result<IpAddr, ExecutionError> {
    match k8s_arg(args, 0)? {
        K8s::Ip(addr) => Ok(*addr),
        _ => Err(ExecutionError::missing_argument_or_target()),
    }
}

fn cidr_arg(args: &[CowVal<'_, '_>], i: usize) -> Result<(IpAddr, u8), ExecutionError> {
    if let Ok(s) = string_arg(args, i) {
        return parse_cidr(s).map_err(|e| fail("containsCIDR", e));
    }
    match k8s_arg(args, i)? {
        K8s::Cidr(addr, len) => Ok((*addr, *len)),
        _ => Err(ExecutionError::missing_argument_or_target()),
    }
}

fn family<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    int(if ip_arg(&args)?.is_ipv4() { 4 } else { 6 })
}

fn is_unspecified<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(ip_arg(&args)?.is_unspecified())
}

fn is_loopback<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(ip_arg(&args)?.is_loopback())
}

fn link_local_unicast(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
    }
}

fn is_link_local_multicast<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(match ip_arg(&args)? {
        IpAddr::V4(v4) => v4.octets()[..3] == [224, 0, 0],
        IpAddr::V6(v6) => v6.segments()[0] & 0xff0f == 0xff02,
    })
}

fn is_link_local_unicast<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(link_local_unicast(ip_arg(&args)?))
}

fn is_global_unicast<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let addr = ip_arg(&args)?;
    let broadcast = matches!(addr, IpAddr::V4(v4) if v4.is_broadcast());
    boolean(
        !(addr.is_unspecified()
            || addr.is_loopback()
            || addr.is_multicast()
            || link_local_unicast(addr)
            || broadcast),
    )
}

fn contains_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let (net, len) = cidr_arg(&args, 0)?;
    let addr = match string_arg(&args, 1) {
        Ok(s) => parse_ip(s).map_err(|e| fail("containsIP", e))?,
        Err(_) => match k8s_arg(&args, 1)? {
            K8s::Ip(addr) => *addr,
            _ => return Err(ExecutionError::missing_argument_or_target()),
        },
    };
    boolean(contains(net, len, addr))
}

fn contains_cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let (net, len) = cidr_arg(&args, 0)?;
    let (other, other_len) = cidr_arg(&args, 1)?;
    boolean(other_len >= len && contains(net, len, other))
}

fn cidr_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    k8s(K8s::Ip(cidr_arg(&args, 0)?.0))
}

fn cidr_masked<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let (addr, len) = cidr_arg(&args, 0)?;
    k8s(K8s::Cidr(masked(addr, len), len))
}

fn prefix_length<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    int(i64::from(cidr_arg(&args, 0)?.1))
}
