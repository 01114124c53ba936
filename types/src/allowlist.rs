//! A token's allowlist entries, as the wizard checks them while they are typed and the
//! domain checks them when a token is made: one rule, written once.

use ipnet::IpNet;
use std::net::IpAddr;

/// One entry: an address (a host of its own) or a CIDR range whose host bits are zero.
pub fn entry(entry: &str) -> Result<IpNet, String> {
    let entry = entry.trim();
    if let Ok(addr) = entry.parse::<IpAddr>() {
        return Ok(IpNet::from(addr.to_canonical()));
    }
    let net: IpNet = entry.parse().map_err(|_| {
        format!("{entry:?} is neither an IP address nor a CIDR range (like 10.0.4.0/24 or 2001:db8::/32).")
    })?;
    if net.trunc() != net {
        return Err(format!(
            "{entry} has host bits set: the range is written {}.",
            net.trunc()
        ));
    }
    Ok(net)
}

/// The entries of an allowlist as typed in a text box: separated by commas, spaces or
/// lines.
pub fn entries(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|e| !e.is_empty())
}

/// What is wrong with each line of an allowlist typed in a text box: "Line 2: …", one a
/// bad entry.
pub fn problems(text: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .flat_map(|(i, line)| {
            entries(line)
                .filter_map(move |e| entry(e).err().map(|why| format!("Line {}: {why}", i + 1)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_line_is_named_not_only_the_first() {
        let typed = "10.0.4.7\n10.0.0.300\n10.0.4.0/24, 10.0.4.1/24\n2001:db8::/32";
        assert_eq!(
            problems(typed),
            [
                "Line 2: \"10.0.0.300\" is neither an IP address nor a CIDR range (like 10.0.4.0/24 or 2001:db8::/32).",
                "Line 3: 10.0.4.1/24 has host bits set: the range is written 10.0.4.0/24.",
            ]
        );
        assert!(problems("").is_empty());
    }
}
