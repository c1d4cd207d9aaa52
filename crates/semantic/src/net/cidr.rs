//! IPv4 CIDR arithmetic.

use std::fmt;

/// An IPv4 CIDR block as written (`10.0.1.0/24`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: u32,
    pub prefix: u8,
}

impl Cidr {
    /// Stands for an unknown CIDR while the network model is built; such subnets are taken
    /// out before any rule sees the model.
    pub(crate) const PLACEHOLDER: Cidr = Cidr {
        addr: 0,
        prefix: 32,
    };

    /// Parse `a.b.c.d/n`; `None` for anything else (IPv6, interpolations, junk).
    pub fn parse(s: &str) -> Option<Cidr> {
        let (a, p) = s.trim().split_once('/')?;
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let prefix: u8 = p.parse().ok()?;
        if prefix > 32 {
            return None;
        }
        let mut octets = [0u8; 4];
        let mut parts = a.split('.');
        for o in &mut octets {
            let t = parts.next()?;
            if t.is_empty() || t.len() > 3 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            *o = t.parse().ok()?;
        }
        if parts.next().is_some() {
            return None;
        }
        Some(Cidr {
            addr: u32::from_be_bytes(octets),
            prefix,
        })
    }

    /// All addresses in the block: 2^(32−n).
    pub fn addresses(self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }

    /// Addresses AWS lets you use in a subnet: 2^(32−n) − 5 (the first four and the last are
    /// reserved; CreateSubnet API).
    pub fn usable(self) -> u64 {
        self.addresses().saturating_sub(5)
    }

    /// Fully free aligned /28 blocks before any allocation: 2^(28−n) − 2 for n ≤ 27 (the first
    /// and last /28 hold reserved addresses), else 0. Catalog §9.2 (derived).
    pub fn free_prefix_blocks(self) -> u64 {
        if self.prefix <= 27 {
            (1u64 << (28 - u32::from(self.prefix))).saturating_sub(2)
        } else {
            0
        }
    }

    /// The network address (host bits cleared).
    pub fn network(self) -> u32 {
        self.addr & self.mask()
    }

    pub fn mask(self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.prefix))
        }
    }

    /// True when `other` lies inside this block.
    pub fn contains(self, other: Cidr) -> bool {
        other.prefix >= self.prefix && other.network() & self.mask() == self.network()
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.addr.to_be_bytes();
        write!(f, "{a}.{b}.{c}.{d}/{}", self.prefix)
    }
}
