//! Token verification at memory speed that is never stale.
//!
//! [`Verifier::verify`] answers from a bounded in-process cache of verified tokens, keyed
//! by the SHA-256 digest of the presented token (never the plaintext), and falls back to
//! [`tokens::verify::verify`] (one indexed query) on a miss. Expiry is checked against the
//! clock on every hit.
//!
//! The cache is kept true by PostgreSQL notices that triggers send in the same transaction
//! as every change that affects a verification (migration `0009_verifier.sql`): each
//! instance listens and drops the affected entries when the change commits. While the
//! listening connection is down the cache is flushed and not used, so a missed notice can
//! never leave a revoked token working; the time-to-live is a safety net only.
//!
//! Instances know each other through PostgreSQL alone: each keeps a heartbeat row, and
//! acknowledges every revocation notice on a second channel, which is how a revocation's
//! [`Propagation`] receipt is counted.
//!
//! Each listening instance also keeps every token's public id and secret digest (loaded
//! when it starts listening, then kept by the same notices; digests of 190-bit random
//! secrets, as the database holds them), so a wrong secret for a known id is refused from
//! memory, in constant time, without a query. An id it does not know (made up, or made a
//! moment ago on another instance) is looked up in the database within a budget of
//! failures per client address; while not listening, failures also have a budget per
//! public id. Beyond a budget the answer is 429 without touching the database. A valid
//! token is never held back by other clients' failures.

mod listening;
mod notices;
mod receipts;

pub use receipts::Receipt;

use crate::{
    audit,
    error::Result,
    secrets,
    tokens::{
        self, format,
        verify::{self, Rejection, Verified},
    },
};
use chrono::Utc;
use moka::sync::Cache;
use notices::Notice;
use rand::RngCore;
use sqlx::PgPool;
use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{
        atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
        Arc, Mutex, RwLock,
    },
    time::{Duration, Instant},
};
use tokio::sync::{mpsc, oneshot};
use types::events::Event;

/// Where triggers send what changed (see the migration).
const CHANGES: &str = "latchkey_verifier";
/// Where instances acknowledge revocations: `<public id> <instance>`.
const ACKS: &str = "latchkey_verifier_acks";
/// How many verified tokens an instance keeps.
const CAPACITY: u64 = 100_000;
/// The safety net: an entry is verified again at least this often.
const TIME_TO_LIVE: Duration = Duration::from_secs(300);
/// How often an instance says it is alive, and how long it counts as alive after.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);
const ALIVE_FOR_SECONDS: f64 = 6.0;
/// How long a revocation waits for the other instances' acknowledgements.
const RECEIPT_WAIT: Duration = Duration::from_millis(500);
/// Failed verifications allowed per client address and per public id in one window.
const FAILURE_WINDOW: Duration = Duration::from_secs(60);
const FAILURES_PER_ADDRESS: u32 = 100;
const FAILURES_PER_TOKEN_ID: u32 = 20;
/// How a public id's failure budget is named.
const ID_BUDGET: &str = "token ";
/// How often a replaced token's use is written to the audit log, at most, per token.
const REPLACED_USE_QUIET: Duration = Duration::from_secs(600);

/// One failure window: when it opened and how many failures it has seen.
struct Window {
    opened: Instant,
    failures: AtomicU32,
}

#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    instance: String,
    /// `false` (LATCHKEY_VERIFIER_CACHE=false): every verification reads the database.
    cache_enabled: bool,
    cache: Cache<Vec<u8>, Arc<Verified>>,
    /// Whether this instance hears every change; the cache is used only then.
    listening: AtomicBool,
    /// Bumped by every invalidation: a verification read from the database while one
    /// happened is not cached, since it may predate the change.
    epoch: AtomicU64,
    /// Held while an invalidation bumps the epoch and drops entries, and while a read's
    /// epoch is checked and its entry inserted: so an invalidation falls wholly before
    /// the check (the entry is not inserted) or wholly after the insert (it drops it).
    cache_writes: Mutex<()>,
    failures: Cache<String, Arc<Window>>,
    /// Secret digests of public ids over their failure budget, read once a window (or
    /// `None`: no such id), so that the valid secret still passes while guesses are
    /// refused from memory.
    over_budget: Cache<String, Option<Vec<u8>>>,
    /// Replaced tokens whose use was written to the audit log lately, by public id.
    replaced_uses: Cache<String, ()>,
    /// Every token's public id and secret digest, while listening (see the module's
    /// notes).
    known: RwLock<HashMap<String, Known>>,
    /// Revocations waiting for acknowledgements, by public id.
    receipts: Mutex<HashMap<String, mpsc::UnboundedSender<(String, Instant)>>>,
    /// `settle` calls waiting for their own notice to come back.
    settling: Mutex<HashMap<u64, oneshot::Sender<()>>>,
    /// Tells the listening task to drop its connection and listen anew.
    reconnect: tokio::sync::Notify,
}

/// A token as every listening instance holds it: its secret's digest, and whether it is a
/// canary (answered from memory like a wrong secret, never looked up).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Known {
    digest: Vec<u8>,
    canary: bool,
}

impl Verifier {
    pub fn new(pool: PgPool, cache_enabled: bool) -> Self {
        let mut id = [0u8; 6];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let instance = id.iter().map(|b| format!("{b:02x}")).collect();
        Self {
            inner: Arc::new(Inner {
                pool,
                instance,
                cache_enabled,
                cache: Cache::builder()
                    .max_capacity(CAPACITY)
                    .time_to_live(TIME_TO_LIVE)
                    .support_invalidation_closures()
                    .build(),
                listening: AtomicBool::new(false),
                epoch: AtomicU64::new(0),
                cache_writes: Mutex::default(),
                failures: Cache::builder()
                    .max_capacity(CAPACITY)
                    .time_to_live(FAILURE_WINDOW)
                    .build(),
                over_budget: Cache::builder()
                    .max_capacity(CAPACITY)
                    .time_to_live(FAILURE_WINDOW)
                    .build(),
                replaced_uses: Cache::builder()
                    .max_capacity(CAPACITY)
                    .time_to_live(REPLACED_USE_QUIET)
                    .build(),
                known: RwLock::default(),
                receipts: Mutex::default(),
                settling: Mutex::default(),
                reconnect: tokio::sync::Notify::new(),
            }),
        }
    }

    /// Whether this instance is listening for changes.
    pub fn is_listening(&self) -> bool {
        self.inner.listening.load(Ordering::Acquire)
    }

    /// How the verifier stands, for `/readyz`.
    pub fn status(&self) -> &'static str {
        match (self.inner.cache_enabled, self.is_listening()) {
            (false, _) => "verifier: cache off, every token verified against the database",
            (true, true) => "verifier: listening for changes, cache in use",
            (true, false) => "verifier: not listening, every token verified against the database",
        }
    }

    /// Whether verifications may be answered from memory: the cache is enabled and this
    /// instance hears every change.
    fn cache_in_use(&self) -> bool {
        self.inner.cache_enabled && self.is_listening()
    }

    /// Verifies a presented token, from memory when it can. The outer `Result` is for
    /// the database failing. A rolled token used after its overlap window leaked, or a
    /// system was missed: before the answer goes out its whole family is revoked (see
    /// [`tokens::lineage::revoke_reused`]) and the use is in the audit log.
    pub async fn verify(
        &self,
        presented: &str,
        client: Option<IpAddr>,
    ) -> Result<Result<Verified, Rejection>> {
        let presented = presented.trim();
        let Some(parsed) = format::parse(presented) else {
            return Ok(Err(Rejection::Malformed));
        };
        let answer = self.check(presented, &parsed, client).await?;
        if let Err(Rejection::Replaced { .. }) = answer {
            self.note_use_after_replacement(parsed.public_id, client)
                .await;
        }
        Ok(answer)
    }

    /// Revokes a replaced token's family and writes the audit event of its use, once in
    /// [`REPLACED_USE_QUIET`] per token and instance (and once across instances, by the
    /// audit log's own quiet window): a flood of such requests costs no write each.
    async fn note_use_after_replacement(&self, public_id: &str, client: Option<IpAddr>) {
        if self.inner.replaced_uses.contains_key(public_id) {
            return;
        }
        let pool = &self.inner.pool;
        if let Err(e) = tokens::lineage::revoke_reused(pool, public_id, client).await {
            tracing::error!(error = %e, token = %public_id, "could not revoke the family of a reused token");
            return;
        }
        self.inner.replaced_uses.insert(public_id.to_owned(), ());
        let recorded = audit::record_once_per(
            pool,
            &format!("used-after-replacement {public_id}"),
            chrono::Duration::from_std(REPLACED_USE_QUIET).expect("ten minutes"),
            &audit::Actor::anonymous(client),
            Event::TokenUsedAfterReplacement,
            audit::Target::Token(public_id),
            serde_json::json!({}),
        )
        .await;
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not record the use of a replaced token");
        }
    }

    async fn check(
        &self,
        presented: &str,
        parsed: &format::Parsed<'_>,
        client: Option<IpAddr>,
    ) -> Result<Result<Verified, Rejection>> {
        let key = secrets::sha256(presented.as_bytes());
        let inner = &self.inner;
        if self.cache_in_use() {
            if let Some(verified) = inner.cache.get(&key) {
                if let Some(refused) = verified.refused_at(Utc::now()) {
                    inner.cache.invalidate(&key);
                    return Ok(Err(refused));
                }
                return Ok(Ok(Verified::clone(&verified)));
            }
        }
        // While listening, an id's secret is checked from memory: a wrong one costs no
        // query. An unknown id (made up, or made a moment ago elsewhere) spends its
        // address's budget. Without the ids in memory, both budgets apply.
        let by_id = || {
            Some((
                format!("{ID_BUDGET}{}", parsed.public_id),
                FAILURES_PER_TOKEN_ID,
            ))
        };
        let by_address = || client.map(|a| (format!("address {a}"), FAILURES_PER_ADDRESS));
        let budgets = if self.cache_in_use() {
            let known = inner.known.read().expect("known ids");
            match known.get(parsed.public_id) {
                Some(token) => {
                    let presented = secrets::sha256(parsed.secret.as_bytes());
                    if !secrets::constant_time_eq(&presented, &token.digest) {
                        return Ok(Err(Rejection::Invalid));
                    }
                    // A canary's right secret is answered as a wrong one is, from memory
                    // after the same comparison, whatever became of the canary since.
                    if token.canary {
                        return Ok(Err(Rejection::Canary));
                    }
                    [None, None]
                }
                None => [by_address(), None],
            }
        } else {
            [by_id(), by_address()]
        };
        for (name, limit) in budgets.iter().flatten() {
            if let Some(window) = inner.failures.get(name) {
                if window.failures.load(Ordering::Relaxed) >= *limit {
                    // Others' guesses at an id never lock its holder out: past the id's
                    // budget, the secret is compared with the id's digest in memory.
                    if name.starts_with(ID_BUDGET) && self.holds_the_secret(parsed).await? {
                        continue;
                    }
                    let left = FAILURE_WINDOW.saturating_sub(window.opened.elapsed());
                    return Ok(Err(Rejection::Throttled {
                        retry_after: left.as_secs().max(1),
                    }));
                }
            }
        }
        let epoch = inner.epoch.load(Ordering::Acquire);
        let verified = verify::verify(&inner.pool, presented).await?;
        match &verified {
            Ok(v) => {
                if self.cache_in_use() {
                    self.cache_unless_changed(key, v, epoch);
                }
            }
            Err(_) => {
                for (name, _) in budgets.into_iter().flatten() {
                    let window = inner.failures.get_with(name, || {
                        Arc::new(Window {
                            opened: Instant::now(),
                            failures: AtomicU32::new(0),
                        })
                    });
                    window.failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Ok(verified)
    }

    /// Drops what a notice names.
    fn apply(&self, notice: &Notice) {
        let inner = &self.inner;
        let known = || inner.known.write().expect("known ids");
        let dropped = match *notice {
            Notice::Created {
                public_id,
                ref digest,
                canary,
            } => {
                // A new token cannot make an entry stale.
                known().insert(
                    public_id.to_owned(),
                    Known {
                        digest: digest.clone(),
                        canary,
                    },
                );
                return;
            }
            Notice::Settle { .. } => return,
            Notice::All => {
                self.forget_all();
                return;
            }
            Notice::Deleted { row, public_id } => {
                known().remove(public_id);
                self.forget_where(move |v| v.token_row == row)
            }
            Notice::Revoked { row, .. } | Notice::Token(row) => {
                self.forget_where(move |v| v.token_row == row)
            }
            Notice::Owner(id) => self.forget_where(move |v| v.owner.id == id),
            Notice::Role(id) => self.forget_where(move |v| v.role_id == id),
        };
        if dropped.is_err() {
            // Closures not supported would be a build mistake; never serve stale.
            self.forget_all();
        }
    }

    /// Whether the presented secret is the one of its public id, judged from the id's
    /// digest (read from the database once per failure window): how a token over its
    /// id's failure budget still passes while guesses are refused without a query.
    async fn holds_the_secret(&self, parsed: &format::Parsed<'_>) -> Result<bool> {
        let inner = &self.inner;
        let stored = match inner.over_budget.get(parsed.public_id) {
            Some(stored) => stored,
            None => {
                let stored = sqlx::query_scalar!(
                    "SELECT secret_digest FROM api_tokens WHERE public_id = $1",
                    parsed.public_id
                )
                .fetch_optional(&inner.pool)
                .await?;
                inner
                    .over_budget
                    .insert(parsed.public_id.to_owned(), stored.clone());
                stored
            }
        };
        let presented = secrets::sha256(parsed.secret.as_bytes());
        Ok(stored.is_some_and(|d| secrets::constant_time_eq(&presented, &d)))
    }

    /// Caches what a read found, unless a change was heard since the read began (at
    /// `epoch`): the check and the insert are one step as invalidations see them.
    fn cache_unless_changed(&self, key: Vec<u8>, verified: &Verified, epoch: u64) {
        let inner = &self.inner;
        let _writes = inner.cache_writes.lock().expect("cache writes");
        if inner.epoch.load(Ordering::Acquire) == epoch {
            #[cfg(test)]
            tests::pause_between_check_and_insert();
            inner.cache.insert(key, Arc::new(verified.clone()));
        }
    }

    /// Drops the entries `which` names, and keeps reads in flight from caching what
    /// they read before the change.
    fn forget_where(
        &self,
        which: impl Fn(&Verified) -> bool + Send + Sync + 'static,
    ) -> Result<(), moka::PredicateError> {
        let _writes = self.inner.cache_writes.lock().expect("cache writes");
        self.inner.epoch.fetch_add(1, Ordering::AcqRel);
        self.inner
            .cache
            .invalidate_entries_if(move |_, v| which(v))
            .map(drop)
    }

    /// Stops using the cache and empties it: called whenever a notice may have been
    /// missed.
    fn flush(&self, why: &str) {
        let inner = &self.inner;
        if inner.listening.swap(false, Ordering::AcqRel) {
            tracing::warn!(
                instance = %inner.instance,
                "verifier stopped listening ({why}): tokens are verified against the database \
                 until it listens again"
            );
        }
        self.forget_all();
        inner.known.write().expect("known ids").clear();
    }

    /// Empties the cache while listening goes on.
    fn forget_all(&self) {
        let _writes = self.inner.cache_writes.lock().expect("cache writes");
        self.inner.epoch.fetch_add(1, Ordering::AcqRel);
        self.inner.cache.invalidate_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    /// Set by a test: the next insert pauses between its epoch check and the insert, as
    /// a thread descheduled there would.
    static PAUSE: AtomicBool = AtomicBool::new(false);
    static CHECKED: AtomicBool = AtomicBool::new(false);

    pub(super) fn pause_between_check_and_insert() {
        if PAUSE.swap(false, Ordering::SeqCst) {
            CHECKED.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn verified(row: i64) -> Verified {
        Verified {
            token_row: row,
            public_id: "Ab12Cd34Ef56".into(),
            name: "ERP".into(),
            scopes: vec!["audit:read".into()],
            effective: vec!["audit:read".into()],
            expires_at: None,
            created_at: Utc::now(),
            owner: types::tokens::OwnerRef {
                id: 1,
                display_name: "Ada".into(),
                email: None,
                kind: types::directory::UserKind::Human,
            },
            role_id: 1,
            allowed_ips: Vec::new(),
            allowlist: Default::default(),
            replaced_at: None,
        }
    }

    #[tokio::test]
    async fn a_canary_is_answered_from_memory_like_a_wrong_secret() {
        // No database behind it: an answer that needed one would be an error.
        let pool = sqlx::postgres::PgPoolOptions::new()
            .acquire_timeout(Duration::from_millis(200))
            .connect_lazy("postgres://nobody@127.0.0.1:1/none")
            .unwrap();
        let verifier = Verifier::new(pool, true);
        let canary = format::generate();
        let public_id = canary.public_id.clone();
        verifier.apply(&Notice::Created {
            public_id: &public_id,
            digest: canary.secret_digest.clone(),
            canary: true,
        });
        verifier.inner.listening.store(true, Ordering::Release);
        let wrong = format::assemble(&public_id, &"a".repeat(32));
        assert!(matches!(
            verifier.verify(&canary.plaintext, None).await,
            Ok(Err(Rejection::Canary))
        ));
        assert!(matches!(
            verifier.verify(&wrong, None).await,
            Ok(Err(Rejection::Invalid))
        ));
    }

    #[tokio::test]
    async fn a_notice_heard_between_the_epoch_check_and_the_insert_is_not_lost() {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .connect_lazy("postgres://nobody@127.0.0.1:1/none")
            .unwrap();
        let verifier = Verifier::new(pool, true);
        let epoch = verifier.inner.epoch.load(Ordering::Acquire);
        PAUSE.store(true, Ordering::SeqCst);
        let reader = {
            let verifier = verifier.clone();
            std::thread::spawn(move || {
                verifier.cache_unless_changed(b"key".to_vec(), &verified(7), epoch)
            })
        };
        while !CHECKED.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        // The token is revoked while the read is between its check and its insert.
        verifier.apply(&Notice::Revoked {
            row: 7,
            public_id: "Ab12Cd34Ef56",
        });
        reader.join().unwrap();
        verifier.inner.cache.run_pending_tasks();
        assert!(
            verifier.inner.cache.get(&b"key".to_vec()).is_none(),
            "the revoked token's entry is gone"
        );
    }
}
