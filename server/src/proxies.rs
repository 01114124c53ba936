//! Who the client is. Behind a reverse proxy every request comes from the proxy's
//! address; for peers in `LATCHKEY_TRUSTED_PROXIES` the client is read from
//! `X-Forwarded-For` instead: the rightmost address there that is not a trusted proxy
//! (what a client writes itself stands to the left, and is not believed).
//!
//! Addresses are compared in their canonical form: an IPv4-mapped IPv6 address (what a
//! dual-stack listener sees of an IPv4 client, `::ffff:192.0.2.10`) is that IPv4 address,
//! for trusted proxies and token allowlists alike.

use axum::{
    extract::{ConnectInfo, Request},
    http::HeaderMap,
};
use ipnet::IpNet;
use latchkey_core::networks::networks;
use std::net::{IpAddr, SocketAddr};

/// The networks whose requests may name the client in `X-Forwarded-For`.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated addresses or CIDRs, e.g. `10.0.0.0/8, 127.0.0.1`.
    pub fn parse(list: &str) -> Result<Self, String> {
        networks(list).map(Self)
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&addr))
    }

    /// The trusted networks wide enough to hold more than a handful of proxies (wider
    /// than a /24 for IPv4 or a /64 for IPv6): each host in them may name any client.
    pub fn too_wide(&self) -> Vec<IpNet> {
        self.0
            .iter()
            .filter(|net| match net {
                IpNet::V4(n) => n.prefix_len() < 24,
                IpNet::V6(n) => n.prefix_len() < 64,
            })
            .copied()
            .collect()
    }

    /// The client's address for a request that came from `peer`, canonical.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in forwarded.iter().rev() {
            match hop.parse::<IpAddr>().map(|a| a.to_canonical()) {
                Ok(addr) if self.trusts(addr) => continue,
                Ok(addr) => return addr,
                // Garbage where an address should be: believe nothing further left.
                Err(_) => break,
            }
        }
        peer
    }
}

/// The client of a request, as far as the connection and trusted proxies tell.
pub fn client_addr(req: &Request, trusted: &TrustedProxies) -> Option<IpAddr> {
    let ConnectInfo(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>()?;
    Some(trusted.client(peer.ip(), req.headers()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap();
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let chain = headers("6.6.6.6, 203.0.113.9, 10.9.9.9");
        assert_eq!(
            proxies.client(proxy, &chain),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        // A client that is not a trusted proxy cannot claim another address.
        let stranger: IpAddr = "198.51.100.4".parse().unwrap();
        assert_eq!(proxies.client(stranger, &chain), stranger);
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn ipv4_mapped_peers_and_hops_are_their_ipv4_addresses() {
        let proxies = TrustedProxies::parse("127.0.0.1").unwrap();
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        let v4: IpAddr = "192.0.2.10".parse().unwrap();
        // A mapped peer is the trusted proxy it is; a mapped hop is an IPv4 client.
        assert_eq!(proxies.client(mapped, &headers("::ffff:192.0.2.10")), v4);
        // An untrusted mapped peer is answered as its IPv4 address.
        let stranger: IpAddr = "::ffff:198.51.100.4".parse().unwrap();
        assert_eq!(
            proxies.client(stranger, &headers("192.0.2.10")),
            "198.51.100.4".parse::<IpAddr>().unwrap()
        );
        // A mapped network in the setting is the IPv4 network.
        let mapped_net = TrustedProxies::parse("::ffff:10.0.0.0/104").unwrap();
        assert_eq!(
            mapped_net.client("10.1.2.3".parse().unwrap(), &headers("192.0.2.10")),
            v4
        );
    }

    #[test]
    fn wide_trusted_networks_are_named() {
        let proxies = TrustedProxies::parse(
            "10.0.0.0/8, 10.1.2.0/24, 127.0.0.1, 2001:db8::/48, 2001:db8::/64",
        )
        .unwrap();
        let wide: Vec<String> = proxies.too_wide().iter().map(|n| n.to_string()).collect();
        assert_eq!(wide, ["10.0.0.0/8", "2001:db8::/48"]);
    }
}
