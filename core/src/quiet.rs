//! Bounds on what a flood can make an instance write: events an attacker can provoke at
//! will (a canary tripped, a token refused at its allowlist) are written at most so many
//! times a window per key (per token, per address, per both), and the rest only counted.
//! In memory, bounded in entries, without a query: a flood costs the attacker requests,
//! not the audit log rows.

use moka::sync::Cache;
use std::{
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

/// Counters that reset a window after their first event.
#[derive(Clone)]
pub struct Quiet {
    counts: Cache<String, Arc<AtomicU32>>,
    /// Held while checking and counting, so that budgets hold exactly under concurrency.
    admitting: Arc<Mutex<()>>,
}

impl Quiet {
    pub fn new(window: Duration, capacity: u64) -> Self {
        Self {
            counts: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(window)
                .build(),
            admitting: Arc::default(),
        }
    }

    /// Whether one more event is within every one of `budgets` (a key, and how many
    /// events it may have in a window); if so, it is counted against each. When it is
    /// not, nothing is counted, and the caller counts it as repeated.
    pub fn admit(&self, budgets: &[(String, u32)]) -> bool {
        let _admitting = self.admitting.lock().expect("quiet budgets");
        let full = budgets.iter().any(|(key, most)| {
            self.counts
                .get(key)
                .is_some_and(|n| n.load(Ordering::Relaxed) >= *most)
        });
        if full {
            return false;
        }
        for (key, _) in budgets {
            self.counts
                .get_with(key.clone(), || Arc::new(AtomicU32::new(0)))
                .fetch_add(1, Ordering::Relaxed);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_its_budget_and_a_full_one_blocks_without_counting() {
        let quiet = Quiet::new(Duration::from_secs(60), 100);
        let budgets = |token: &str, addr: &str| {
            vec![
                (format!("{token} {addr}"), 1),
                (format!("token {token}"), 3),
                (format!("address {addr}"), 3),
            ]
        };
        assert!(quiet.admit(&budgets("A", "1")));
        assert!(!quiet.admit(&budgets("A", "1")), "once per pair");
        assert!(quiet.admit(&budgets("A", "2")));
        assert!(quiet.admit(&budgets("A", "3")));
        assert!(!quiet.admit(&budgets("A", "4")), "three per token");
        assert!(quiet.admit(&budgets("B", "4")), "a refusal spent nothing");
        assert!(quiet.admit(&budgets("C", "4")));
        assert!(quiet.admit(&budgets("D", "4")));
        assert!(!quiet.admit(&budgets("E", "4")), "three per address");
    }
}
