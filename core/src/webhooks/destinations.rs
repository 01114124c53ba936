//! Where webhook deliveries may go: never to the server's own networks. A URL's host is
//! resolved when the endpoint is registered and again at every delivery; an address that
//! is loopback, private, link-local, unique-local, multicast, unspecified or otherwise
//! not on the public internet (or an IPv4-mapped or -compatible form of one) is refused,
//! unless it lies in a network the operator allows (`LATCHKEY_WEBHOOK_ALLOWED_NETWORKS`).
//!
//! The delivery client resolves through [`Destinations`] itself, so the addresses it
//! connects to are the ones that were checked: there is no second lookup between the
//! check and the connection for a DNS answer to change in. It sends through no proxy and
//! follows no redirect.

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

/// The networks an operator allows deliveries into despite their being internal.
#[derive(Debug, Clone, Default)]
pub struct Destinations {
    allowed: Arc<Vec<IpNet>>,
}

/// Why a destination was refused: the host, the address it came to, and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub host: String,
    pub addr: IpAddr,
    pub kind: &'static str,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host == self.addr.to_string() {
            write!(f, "{} is {} address", self.addr, self.kind)
        } else {
            write!(
                f,
                "{} resolves to {}, {} address",
                self.host, self.addr, self.kind
            )
        }
    }
}

impl std::error::Error for Refused {}

/// What a destination check came to.
#[derive(Debug)]
pub enum Checked {
    Allowed,
    Refused(Refused),
    /// The host has no address (or the lookup failed).
    Unresolved(String),
}

impl Destinations {
    /// Comma-separated CIDRs or addresses, e.g. `10.20.0.0/16, 127.0.0.1`.
    pub fn parse(list: &str) -> Result<Self, String> {
        Ok(Self {
            allowed: Arc::new(crate::networks::networks(list)?),
        })
    }

    /// `None` when a delivery may go to `addr`; otherwise the kind of address it is.
    pub fn refusal(&self, addr: IpAddr) -> Option<&'static str> {
        let canonical = addr.to_canonical();
        if self
            .allowed
            .iter()
            .any(|net| net.contains(&addr) || net.contains(&canonical))
        {
            return None;
        }
        internal(addr)
    }

    /// Checks every address of `host` (a name, or an address as a URL writes it).
    pub async fn check_host(&self, host: &str) -> Checked {
        match self.lookup(host).await {
            Ok(_) => Checked::Allowed,
            Err(Lookup::Refused(r)) => Checked::Refused(r),
            Err(Lookup::Failed) => Checked::Unresolved(host.to_owned()),
        }
    }

    /// The addresses of `host`, every one of them allowed.
    async fn lookup(&self, host: &str) -> Result<Vec<SocketAddr>, Lookup> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
            Ok(addr) => vec![SocketAddr::new(addr, 0)],
            Err(_) => tokio::net::lookup_host((bare, 0))
                .await
                .map_err(|_| Lookup::Failed)?
                .collect(),
        };
        if addrs.is_empty() {
            return Err(Lookup::Failed);
        }
        for a in &addrs {
            if let Some(kind) = self.refusal(a.ip()) {
                return Err(Lookup::Refused(Refused {
                    host: bare.to_owned(),
                    addr: a.ip(),
                    kind,
                }));
            }
        }
        Ok(addrs)
    }

    /// The HTTP client of deliveries: it resolves through these rules (and checks an
    /// address written in the URL before sending), through no proxy, following no
    /// redirect, connecting within 2 seconds.
    pub fn client(&self, timeout: Duration, user_agent: &str) -> reqwest::Client {
        reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(2))
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(self.clone()))
            .build()
            .expect("an HTTP client")
    }
}

enum Lookup {
    Refused(Refused),
    Failed,
}

/// Lookup failures the resolver reports, besides [`Refused`].
#[derive(Debug)]
struct Unresolved;

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the host cannot be resolved")
    }
}

impl std::error::Error for Unresolved {}

impl Resolve for Destinations {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            match this.lookup(name.as_str()).await {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as Addrs),
                Err(Lookup::Refused(r)) => Err(r.into()),
                Err(Lookup::Failed) => Err(Unresolved.into()),
            }
        })
    }
}

/// The refusal somewhere in an error's chain of causes, if it is one.
pub fn refused_in<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(r) = e.downcast_ref::<Refused>() {
            return Some(r);
        }
        cause = e.source();
    }
    None
}

/// The kind of an address that is not on the public internet, if it is one.
fn internal(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v4(a: Ipv4Addr) -> Option<&'static str> {
    let [b0, b1, ..] = a.octets();
    Some(if a.is_unspecified() || b0 == 0 {
        "an unspecified"
    } else if a.is_loopback() {
        "a loopback"
    } else if a.is_private() {
        "a private"
    } else if a.is_link_local() {
        "a link-local"
    } else if b0 == 100 && (64..128).contains(&b1) {
        "a shared (carrier-grade NAT)"
    } else if a.is_multicast() {
        "a multicast"
    } else if b0 >= 240 {
        "a reserved"
    } else if b0 == 192 && b1 == 0 && a.octets()[2] == 0 {
        "an IETF protocol"
    } else {
        return None;
    })
}

fn internal_v6(a: Ipv6Addr) -> Option<&'static str> {
    let seg = a.segments();
    // IPv4 written as IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d) and the
    // NAT64 prefix (64:ff9b::/96) all reach the IPv4 address inside.
    if let Some(v4) = a.to_ipv4_mapped() {
        return internal_v4(v4);
    }
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || (seg[..6] == [0; 6] && seg[6] != 0) {
        let [a0, a1] = seg[6].to_be_bytes();
        let [a2, a3] = seg[7].to_be_bytes();
        return internal_v4(Ipv4Addr::new(a0, a1, a2, a3));
    }
    Some(if a.is_unspecified() {
        "an unspecified"
    } else if a.is_loopback() {
        "a loopback"
    } else if seg[0] & 0xfe00 == 0xfc00 {
        "a unique-local"
    } else if seg[0] & 0xffc0 == 0xfe80 {
        "a link-local"
    } else if seg[0] & 0xffc0 == 0xfec0 {
        "a site-local"
    } else if a.is_multicast() {
        "a multicast"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(d: &Destinations, addr: &str) -> Option<&'static str> {
        d.refusal(addr.parse().unwrap())
    }

    #[test]
    fn every_internal_form_is_refused_and_public_addresses_are_not() {
        let none = Destinations::default();
        for (addr, kind) in [
            ("127.0.0.1", "a loopback"),
            ("127.9.9.9", "a loopback"),
            ("::1", "a loopback"),
            ("::ffff:127.0.0.1", "a loopback"),
            ("::127.0.0.1", "a loopback"),
            ("64:ff9b::7f00:1", "a loopback"),
            ("0.0.0.0", "an unspecified"),
            ("::", "an unspecified"),
            ("10.1.2.3", "a private"),
            ("172.16.0.1", "a private"),
            ("172.31.255.255", "a private"),
            ("192.168.1.1", "a private"),
            ("::ffff:192.168.1.1", "a private"),
            ("169.254.169.254", "a link-local"),
            ("::ffff:169.254.169.254", "a link-local"),
            ("fe80::1", "a link-local"),
            ("fc00::1", "a unique-local"),
            ("fd12:3456::1", "a unique-local"),
            ("224.0.0.1", "a multicast"),
            ("ff02::1", "a multicast"),
            ("100.64.0.1", "a shared (carrier-grade NAT)"),
            ("255.255.255.255", "a reserved"),
        ] {
            assert_eq!(refused(&none, addr), Some(kind), "{addr}");
        }
        for addr in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111"] {
            assert_eq!(refused(&none, addr), None, "{addr}");
        }
    }

    #[test]
    fn an_operator_may_allow_named_networks() {
        let some = Destinations::parse("127.0.0.0/8, 10.20.0.0/16").unwrap();
        assert_eq!(refused(&some, "127.0.0.1"), None);
        assert_eq!(refused(&some, "::ffff:127.0.0.1"), None, "mapped form too");
        assert_eq!(refused(&some, "10.20.3.4"), None);
        assert_eq!(refused(&some, "10.21.0.1"), Some("a private"));
        assert_eq!(refused(&some, "::1"), Some("a loopback"));
        assert!(Destinations::parse("not a network").is_err());
    }

    #[tokio::test]
    async fn names_are_resolved_and_every_address_checked() {
        let none = Destinations::default();
        match none.check_host("localhost").await {
            Checked::Refused(r) => assert_eq!(r.kind, "a loopback"),
            other => panic!("{other:?}"),
        }
        match none.check_host("[::ffff:127.0.0.1]").await {
            Checked::Refused(r) => {
                assert_eq!(r.to_string(), "::ffff:127.0.0.1 is a loopback address")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            none.check_host("no-such-host.invalid").await,
            Checked::Unresolved(_)
        ));
    }
}
