//! The client's address: the peer, or — only when the peer is a trusted proxy — the nearest
//! untrusted address of `X-Forwarded-For`.

use std::net::{IpAddr, SocketAddr};

use cos_policy::IpNet;
use http::HeaderMap;

/// The client IP of a request from `peer` with `headers`, believing `X-Forwarded-For` only
/// from `trusted` proxies (walked right to left, skipping trusted hops).
///
/// ```
/// use http::HeaderMap;
/// let trusted: Vec<cos_policy::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
/// let mut headers = HeaderMap::new();
/// headers.insert("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.7".parse().unwrap());
/// let proxy = "10.0.0.1:443".parse().unwrap();
/// assert_eq!(cos_vending::client_ip(proxy, &headers, &trusted).to_string(), "203.0.113.9");
/// let direct = "198.51.100.1:5000".parse().unwrap();
/// assert_eq!(cos_vending::client_ip(direct, &headers, &trusted).to_string(), "198.51.100.1");
/// ```
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(*ip));
    let peer_ip = peer.ip().to_canonical();
    if !is_trusted(&peer_ip) {
        return peer_ip;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map_while(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect();
    hops.iter()
        .rev()
        .map(|ip| ip.to_canonical())
        .find(|ip| !is_trusted(ip))
        .or_else(|| hops.first().map(|ip| ip.to_canonical()))
        .unwrap_or(peer_ip)
}
