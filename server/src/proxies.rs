//! Who the client is. Behind a reverse proxy every request comes from the proxy's
//! address; for peers in `LATCHKEY_TRUSTED_PROXIES` the client is read from
//! `X-Forwarded-For` instead: the rightmost address there that is not a trusted proxy
//! (what a client writes itself stands to the left, and is not believed).

use axum::{
    extract::{ConnectInfo, Request},
    http::HeaderMap,
};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The networks whose requests may name the client in `X-Forwarded-For`.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated addresses or CIDRs, e.g. `10.0.0.0/8, 127.0.0.1`.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{s:?} is not an address or a CIDR such as 10.0.0.0/8"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&addr))
    }

    /// The client's address for a request that came from `peer`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
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
            match hop.parse::<IpAddr>() {
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
}
