//! IP addresses and CIDR blocks as used by `ip_equal` / `ip_not_equal`.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An IP network: an address and a prefix length, written `10.0.0.0/8`, `2001:db8::/32`, or a
/// single address (`101.226.100.185`, an implicit `/32` or `/128`).
///
/// ```
/// use cos_policy::IpNet;
///
/// let net: IpNet = "192.168.1.0/24".parse()?;
/// assert!(net.contains("192.168.1.77".parse()?));
/// assert!(!net.contains("192.168.2.1".parse()?));
/// assert_eq!(net.to_string(), "192.168.1.0/24");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix_len: u8,
}

/// The text is not an IP address or CIDR block.
///
/// ```
/// use cos_policy::IpNet;
///
/// let err = "10.0.0.0/33".parse::<IpNet>().unwrap_err();
/// assert!(err.to_string().contains("10.0.0.0/33"));
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an IP address or CIDR block")]
#[non_exhaustive]
pub struct IpNetError {
    text: String,
}

impl IpNetError {
    /// Always `false`: the same text fails the same way.
    ///
    /// ```
    /// assert!(!"x".parse::<cos_policy::IpNet>().unwrap_err().is_retryable());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        false
    }
}

impl IpNet {
    /// Builds a network from an address and prefix length; `None` if the length exceeds the
    /// address width (32 for IPv4, 128 for IPv6).
    ///
    /// ```
    /// use cos_policy::IpNet;
    /// use std::net::{IpAddr, Ipv4Addr};
    ///
    /// let net = IpNet::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)), 8).unwrap();
    /// assert_eq!(net.prefix_len(), 8);
    /// assert!(IpNet::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 33).is_none());
    /// ```
    #[must_use]
    pub fn new(addr: IpAddr, prefix_len: u8) -> Option<Self> {
        (prefix_len <= max_len(addr)).then_some(Self { addr, prefix_len })
    }

    /// The network's address as written.
    ///
    /// ```
    /// let net: cos_policy::IpNet = "10.1.2.3/8".parse().unwrap();
    /// assert_eq!(net.addr().to_string(), "10.1.2.3");
    /// ```
    #[must_use]
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length in bits.
    ///
    /// ```
    /// let net: cos_policy::IpNet = "10.1.2.3".parse().unwrap();
    /// assert_eq!(net.prefix_len(), 32);
    /// ```
    #[must_use]
    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    /// Whether `ip` lies inside this network. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`)
    /// are compared as IPv4; IPv4 and IPv6 never match each other otherwise.
    ///
    /// ```
    /// let net: cos_policy::IpNet = "10.0.0.0/8".parse().unwrap();
    /// assert!(net.contains("::ffff:10.9.9.9".parse().unwrap()));
    /// assert!(!net.contains("11.0.0.1".parse().unwrap()));
    /// ```
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr.to_canonical(), ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = mask_u32(self.prefix_len_for(32));
                (u32::from(net) & mask) == (u32::from(ip) & mask)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = mask_u128(self.prefix_len);
                (u128::from(net) & mask) == (u128::from(ip) & mask)
            }
            _ => false,
        }
    }

    /// The prefix length as it applies once the address is canonicalised to `width` bits
    /// (an IPv4-mapped IPv6 `/120` is an IPv4 `/24`).
    fn prefix_len_for(&self, width: u8) -> u8 {
        match self.addr {
            IpAddr::V6(_) => self.prefix_len.saturating_sub(128 - width),
            IpAddr::V4(_) => self.prefix_len,
        }
    }
}

fn max_len(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn mask_u32(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len.min(32)))
    }
}

fn mask_u128(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len.min(128)))
    }
}

impl FromStr for IpNet {
    type Err = IpNetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || IpNetError {
            text: text.to_owned(),
        };
        let trimmed = text.trim();
        let (addr, len) = match trimmed.split_once('/') {
            Some((addr, len)) => {
                if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 3 {
                    return Err(err());
                }
                (addr, Some(len.parse::<u8>().map_err(|_| err())?))
            }
            None => (trimmed, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| err())?;
        let len = len.unwrap_or_else(|| max_len(addr));
        Self::new(addr, len).ok_or_else(err)
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix_len == max_len(self.addr) {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix_len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_addresses_and_blocks() {
        assert_eq!("1.2.3.4".parse::<IpNet>().unwrap().prefix_len(), 32);
        assert_eq!("::1".parse::<IpNet>().unwrap().prefix_len(), 128);
        assert_eq!("10.0.0.0/8".parse::<IpNet>().unwrap().prefix_len(), 8);
        assert_eq!("0.0.0.0/0".parse::<IpNet>().unwrap().prefix_len(), 0);
        for bad in [
            "",
            "/8",
            "10.0.0.0/",
            "10.0.0.0/33",
            "10.0.0.0/-1",
            "::/129",
            "1.2.3",
            "a.b.c.d",
        ] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn containment_respects_the_mask() {
        let net: IpNet = "192.168.1.0/24".parse().unwrap();
        assert!(net.contains(ip("192.168.1.0")));
        assert!(net.contains(ip("192.168.1.255")));
        assert!(!net.contains(ip("192.168.0.255")));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")));
        assert!(!all.contains(ip("2001:db8::1")));
        let single: IpNet = "101.226.100.185".parse().unwrap();
        assert!(single.contains(ip("101.226.100.185")));
        assert!(!single.contains(ip("101.226.100.186")));
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("2001:db9::5")));
    }

    #[test]
    fn display_round_trips() {
        for text in ["10.0.0.0/8", "1.2.3.4", "2001:db8::/32", "::1"] {
            assert_eq!(text.parse::<IpNet>().unwrap().to_string(), text);
        }
    }
}
