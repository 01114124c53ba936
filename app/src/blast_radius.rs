//! What revoking or rolling a token would cut off, from its usage: the clients of the
//! last week and when it was last used.

use crate::time;
use chrono::{DateTime, Utc};
use types::tokens::TokenUsage;

/// What revoking or rolling the token would cut off, as a person reads it: "Used by 2
/// addresses in the last 7 days: 10.0.4.7 (SAP-Connector/2.1), 10.0.4.8; last request
/// 4 minutes ago."
pub fn blast_radius(usage: &TokenUsage, now: DateTime<Utc>) -> String {
    let Some(last) = usage.last_used_at else {
        return "Never used: nothing depends on it yet.".to_owned();
    };
    let week = now - chrono::Duration::days(7);
    let mut seen: Vec<String> = Vec::new();
    let mut addrs: Vec<&str> = Vec::new();
    for c in usage.clients.iter().filter(|c| c.last_seen > week) {
        if !addrs.contains(&c.addr.as_str()) {
            addrs.push(&c.addr);
            seen.push(if c.user_agent.is_empty() {
                c.addr.clone()
            } else {
                format!("{} ({})", c.addr, c.user_agent)
            });
        }
    }
    let ago = time::relative(last);
    match addrs.len() {
        0 => format!("Not used in the last 7 days; last request {ago}."),
        1 => format!(
            "Used by 1 address in the last 7 days: {}; last request {ago}.",
            seen[0]
        ),
        n => format!(
            "Used by {n} addresses in the last 7 days: {}; last request {ago}.",
            seen.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::tokens::ClientUse;

    #[test]
    fn the_blast_radius_names_last_weeks_clients_and_the_last_request() {
        let now = Utc::now();
        let client = |addr: &str, agent: &str, days_ago: i64| ClientUse {
            addr: addr.into(),
            user_agent: agent.into(),
            first_seen: now - chrono::Duration::days(30),
            last_seen: now - chrono::Duration::days(days_ago),
            requests: 5,
        };
        let usage = |clients: Vec<ClientUse>, last: Option<i64>| TokenUsage {
            id: "Ab12Cd34Ef56".into(),
            days: vec![],
            requests_30d: 0,
            last_used_at: last.map(|m| now - chrono::Duration::minutes(m)),
            clients,
            scopes: vec![],
        };
        assert_eq!(
            blast_radius(
                &usage(
                    vec![
                        client("10.0.4.7", "SAP-Connector/2.1", 0),
                        client("10.0.4.7", "curl/8.5", 1),
                        client("10.0.4.8", "", 2),
                        client("192.0.2.1", "Old/1.0", 20),
                    ],
                    Some(4)
                ),
                now
            ),
            "Used by 2 addresses in the last 7 days: 10.0.4.7 (SAP-Connector/2.1), 10.0.4.8; \
             last request 4 minutes ago."
        );
        assert_eq!(
            blast_radius(
                &usage(vec![client("192.0.2.1", "Old/1.0", 20)], Some(20 * 1440)),
                now
            ),
            "Not used in the last 7 days; last request 20 days ago."
        );
        assert_eq!(
            blast_radius(&usage(vec![], None), now),
            "Never used: nothing depends on it yet."
        );
    }
}
