//! Per-token IP allowlists: the addresses and CIDR ranges, IPv4 and IPv6, a token may be
//! used from. Fixed at creation like scopes; a roll may narrow one, never widen it.

use ipnet::IpNet;
use std::net::IpAddr;
// One entry: an address (a host of its own) or a CIDR range whose host bits are zero.
use types::{allowlist::entry as read, AppError};

/// The most entries one allowlist holds.
pub const MAX_ENTRIES: usize = 50;

/// Where a token may be used from, as verification holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    /// `None`: anywhere. `Some`: only from these (an entry the database holds that cannot
    /// be read matches nothing, so a damaged list refuses rather than admits).
    nets: Option<Vec<IpNet>>,
}

impl Allowlist {
    /// From the stored entries (canonical text written by [`parse`]).
    pub fn from_stored(entries: &[String]) -> Self {
        if entries.is_empty() {
            return Self::default();
        }
        Self {
            nets: Some(entries.iter().filter_map(|e| read(e).ok()).collect()),
        }
    }

    /// Whether a request from `client` may use the token. An unknown address is admitted
    /// only by a token that may be used from anywhere.
    pub fn admits(&self, client: Option<IpAddr>) -> bool {
        match (&self.nets, client) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(nets), Some(addr)) => {
                let addr = addr.to_canonical();
                nets.iter().any(|net| net.contains(&addr))
            }
        }
    }
}

/// An entry as stored and shown: an address alone when it is one host, a range otherwise.
fn show(net: &IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

/// Checks and normalises an allowlist given in `field`: canonical entries, duplicates
/// dropped, in the order given.
pub fn parse(field: &str, entries: &[String]) -> Result<Vec<String>, AppError> {
    let entries: Vec<&str> = entries
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .collect();
    if entries.len() > MAX_ENTRIES {
        return Err(AppError::invalid(
            field,
            format!("List at most {MAX_ENTRIES} addresses or ranges."),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(entries.len());
    for entry in entries {
        let shown = show(&read(entry).map_err(|message| AppError::invalid(field, message))?);
        if !out.contains(&shown) {
            out.push(shown);
        }
    }
    Ok(out)
}

/// Whether `new` (checked by [`parse`]) admits no address that `old` refuses.
pub fn narrows(old: &[String], new: &[String]) -> bool {
    if old.is_empty() {
        return true;
    }
    let old: Vec<IpNet> = old.iter().filter_map(|e| read(e).ok()).collect();
    !new.is_empty()
        && new.iter().all(|entry| {
            read(entry).is_ok_and(|net| {
                old.iter()
                    .any(|o| o.contains(&net.network()) && o.prefix_len() <= net.prefix_len())
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|e| e.to_string()).collect()
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn addresses_and_ranges_are_stored_canonically() {
        assert_eq!(
            parse(
                "allowed_ips",
                &list(&[
                    " 10.0.4.7 ",
                    "10.0.4.0/24",
                    "2001:DB8::/32",
                    "10.0.4.7/32",
                    ""
                ])
            )
            .unwrap(),
            list(&["10.0.4.7", "10.0.4.0/24", "2001:db8::/32"])
        );
        assert_eq!(
            parse("allowed_ips", &list(&["::ffff:192.0.2.1"])).unwrap(),
            list(&["192.0.2.1"]),
            "an IPv4 address written as IPv6 is the IPv4 address"
        );
    }

    #[test]
    fn a_bad_entry_is_refused_naming_it_and_the_rule() {
        let error = parse("allowed_ips", &list(&["10.0.4.9/24"])).unwrap_err();
        assert!(error.to_string().contains("10.0.4.0/24"), "{error}");
        let error = parse("allowed_ips", &list(&["intranet"])).unwrap_err();
        assert!(error.to_string().contains("\"intranet\""), "{error}");
        assert!(parse("allowed_ips", &list(&["10.0.0.0/33"])).is_err());
        let many: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("10.0.0.{i}")).collect();
        assert!(parse("allowed_ips", &many).is_err());
    }

    #[test]
    fn cidr_ranges_match_v4_and_v6_and_refuse_the_rest() {
        let allow = Allowlist::from_stored(&list(&["10.0.4.0/24", "192.0.2.7", "2001:db8::/32"]));
        assert!(allow.admits(ip("10.0.4.1")));
        assert!(allow.admits(ip("10.0.4.255")));
        assert!(!allow.admits(ip("10.0.5.1")));
        assert!(allow.admits(ip("192.0.2.7")));
        assert!(!allow.admits(ip("192.0.2.8")));
        assert!(allow.admits(ip("2001:db8:ffff::1")));
        assert!(!allow.admits(ip("2001:db9::1")));
        assert!(
            allow.admits(ip("::ffff:10.0.4.9")),
            "an IPv4 client seen through an IPv6 socket is matched as IPv4"
        );
        assert!(!allow.admits(None), "an unknown address is refused");
        let anywhere = Allowlist::from_stored(&[]);
        assert!(anywhere.admits(ip("203.0.113.1")) && anywhere.admits(None));
        let damaged = Allowlist::from_stored(&list(&["not an address"]));
        assert!(!damaged.admits(ip("10.0.4.1")), "a damaged list refuses");
    }

    #[test]
    fn a_roll_may_narrow_an_allowlist_but_never_widen_it() {
        let old = list(&["10.0.0.0/16", "2001:db8::/32"]);
        assert!(narrows(&old, &list(&["10.0.4.0/24"])));
        assert!(narrows(&old, &list(&["10.0.4.7", "2001:db8:1::/48"])));
        assert!(!narrows(&old, &list(&["10.1.0.0/24"])));
        assert!(!narrows(&old, &list(&["10.0.0.0/8"])));
        assert!(!narrows(&old, &[]), "anywhere is wider than a list");
        assert!(narrows(&[], &list(&["10.0.0.0/8"])));
        assert!(narrows(&[], &[]));
    }
}
