//! `cidrsubnet`, `cidrsubnets` and `cidrhost` with Terraform's semantics (IPv4 and IPv6), on
//! `ipnet`. Errors carry Terraform's own wording.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// A parsed prefix as Terraform reads it: any address inside the network is accepted
/// (`10.1.2.5/24` means `10.1.2.0/24`).
struct Prefix {
    v6: bool,
    base: u128,
    len: u8,
}

impl Prefix {
    fn parse(s: &str) -> Result<Prefix, String> {
        let net: IpNet = s
            .parse()
            .map_err(|_| format!("invalid CIDR expression: invalid CIDR address: {s}"))?;
        let net = net.trunc();
        Ok(match net {
            IpNet::V4(n) => Prefix {
                v6: false,
                base: u32::from(n.network()) as u128,
                len: n.prefix_len(),
            },
            IpNet::V6(n) => Prefix {
                v6: true,
                base: u128::from(n.network()),
                len: n.prefix_len(),
            },
        })
    }

    fn max(&self) -> u32 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    fn addr(&self, a: u128) -> String {
        if self.v6 {
            IpAddr::V6(Ipv6Addr::from(a)).to_string()
        } else {
            IpAddr::V4(Ipv4Addr::from(a as u32)).to_string()
        }
    }
}

/// `2^bits - 1`: the host part of a prefix with `bits` host bits.
fn host_mask(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// `cidrsubnet(prefix, newbits, netnum)`.
pub fn subnet(prefix: &str, newbits: i64, netnum: i64) -> Result<String, String> {
    let p = Prefix::parse(prefix)?;
    if newbits < 0 {
        return Err("invalid value for \"newbits\": must not be negative".into());
    }
    let newlen = p.len as i64 + newbits;
    if newlen > p.max() as i64 {
        return Err(format!(
            "insufficient address space to extend prefix of {} by {}",
            p.len, newbits
        ));
    }
    let newlen = newlen as u32;
    if netnum < 0 || (netnum as u128) > host_mask(newbits as u32) {
        return Err(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
        ));
    }
    let host_bits = p.max() - newlen;
    let shifted = (netnum as u128).checked_shl(host_bits).unwrap_or(0);
    Ok(format!("{}/{}", p.addr(p.base | shifted), newlen))
}

/// `cidrhost(prefix, hostnum)`: a negative `hostnum` counts back from the end of the range.
pub fn host(prefix: &str, hostnum: i64) -> Result<String, String> {
    let p = Prefix::parse(prefix)?;
    let host_bits = p.max() - p.len as u32;
    let size_m1 = host_mask(host_bits);
    let off: u128 = if hostnum >= 0 {
        let h = hostnum as u128;
        if h > size_m1 {
            return Err(format!(
                "prefix of {} does not accommodate a host numbered {hostnum}",
                p.len
            ));
        }
        h
    } else {
        let back = hostnum.unsigned_abs() as u128;
        if back - 1 > size_m1 {
            return Err(format!(
                "prefix of {} does not accommodate a host numbered {hostnum}",
                p.len
            ));
        }
        size_m1 - (back - 1)
    };
    Ok(p.addr(p.base | off))
}

/// `cidrsubnets(prefix, newbits...)`: consecutive subnets, each aligned after the previous one.
pub fn subnets(prefix: &str, newbits: &[i64]) -> Result<Vec<String>, String> {
    let p = Prefix::parse(prefix)?;
    let max = p.max();
    let block_end = p.base | host_mask(max - p.len as u32);
    let mut out = Vec::with_capacity(newbits.len());
    // The last address used so far, None before the first subnet.
    let mut last: Option<u128> = None;
    for (i, &nb) in newbits.iter().enumerate() {
        if nb < 1 {
            return Err(format!(
                "invalid newbits index {i}: must extend prefix by at least one bit"
            ));
        }
        let newlen = p.len as i64 + nb;
        if newlen > max as i64 {
            return Err(format!(
                "invalid newbits index {i}: would extend prefix to {newlen} bits, which is too long for an {} address",
                if p.v6 { "IPv6" } else { "IPv4" }
            ));
        }
        let hb = max - newlen as u32;
        let start = match last {
            None => p.base,
            Some(l) => {
                let cur = l & !host_mask(hb);
                let cur_last = cur | host_mask(hb);
                match cur_last.checked_add(1) {
                    Some(n) if p.v6 || n <= u32::MAX as u128 => n,
                    _ => {
                        return Err(format!(
                            "invalid newbits index {i}: not enough remaining address space for a subnet with a prefix of {newlen} bits after {}",
                            out.last().cloned().unwrap_or_default()
                        ))
                    }
                }
            }
        };
        if start > block_end || start < p.base {
            return Err(format!(
                "invalid newbits index {i}: not enough remaining address space for a subnet with a prefix of {newlen} bits after {}",
                out.last().cloned().unwrap_or_default()
            ));
        }
        last = Some(start | host_mask(hb));
        out.push(format!("{}/{}", p.addr(start), newlen));
    }
    Ok(out)
}
