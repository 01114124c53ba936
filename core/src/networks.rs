//! Networks as settings name them: comma-separated addresses and CIDRs, read once at
//! start-up by the trusted proxies and the webhook destinations.

use ipnet::IpNet;
use std::net::IpAddr;

/// A setting's comma-separated addresses and CIDRs (`10.0.0.0/8, 127.0.0.1`), each in
/// canonical form: an IPv4-mapped address or network is the IPv4 one, host bits are
/// dropped. Read by `LATCHKEY_TRUSTED_PROXIES` and `LATCHKEY_WEBHOOK_ALLOWED_NETWORKS`.
pub fn networks(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .map(|n| canonical_net(n).trunc())
                .or_else(|_| s.parse::<IpAddr>().map(|a| IpNet::from(a.to_canonical())))
                .map_err(|_| format!("{s:?} is not an address or a CIDR such as 10.0.0.0/8"))
        })
        .collect()
}

/// A network written in IPv4-mapped form (`::ffff:10.0.0.0/104`) as the IPv4 network it is.
fn canonical_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
                .map(IpNet::V4)
                .unwrap_or(net),
            None => net,
        },
        other => other,
    }
}
