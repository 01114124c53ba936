//! First run. While no administrator exists, every page leads to the set-up page, which
//! asks for a one-time code printed in the server's log at start-up.

use crate::{error::Result, secrets};
use sqlx::PgPool;
use std::sync::{
    atomic::{AtomicBool, Ordering},
    Mutex,
};

/// Letters and digits that cannot be mistaken for one another.
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

pub struct SetupGate {
    done: AtomicBool,
    code: Mutex<Option<String>>,
}

impl SetupGate {
    /// Checks whether set-up is done; if not, makes a code and prints it to the log.
    pub async fn open(pool: &PgPool, public_url: &str) -> Result<Self> {
        if admin_exists(pool).await? {
            return Ok(Self::closed());
        }
        let code = new_code();
        let gate = Self::with_code(code.clone());
        // The one place a secret is logged, on purpose: whoever reads the server's log
        // may claim the instance. The code dies when the first administrator exists.
        tracing::warn!(
            "Latchkey is not set up yet. Open {public_url}/setup and enter the set-up code {code}"
        );
        Ok(gate)
    }

    pub fn closed() -> Self {
        Self {
            done: AtomicBool::new(true),
            code: Mutex::new(None),
        }
    }

    pub fn with_code(code: String) -> Self {
        Self {
            done: AtomicBool::new(false),
            code: Mutex::new(Some(code)),
        }
    }

    /// Whether the first administrator still has to be created.
    pub async fn required(&self, pool: &PgPool) -> Result<bool> {
        if self.done.load(Ordering::Acquire) {
            return Ok(false);
        }
        if admin_exists(pool).await? {
            self.finish();
            return Ok(false);
        }
        Ok(true)
    }

    /// Whether `presented` is the code, compared in constant time, ignoring case and blanks.
    pub fn accepts(&self, presented: &str) -> bool {
        let presented: String = presented
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        match self.code.lock().expect("lock").as_deref() {
            Some(code) => secrets::constant_time_eq(code.as_bytes(), presented.as_bytes()),
            None => false,
        }
    }

    /// The current code, while set-up is open (for tests that play the administrator
    /// reading the log).
    pub fn code(&self) -> Option<String> {
        self.code.lock().expect("lock").clone()
    }

    pub fn finish(&self) {
        self.done.store(true, Ordering::Release);
        self.code.lock().expect("lock").take();
    }
}

fn new_code() -> String {
    let raw = secrets::random_string(ALPHABET, 12);
    format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12])
}

pub async fn admin_exists<'e>(db: impl sqlx::PgExecutor<'e>) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users u JOIN roles r ON r.id = u.role_id
                        WHERE r.name = $1 AND r.builtin AND u.active)",
    )
    .bind(types::directory::BuiltinRole::Administrator.name())
    .fetch_one(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_three_groups_of_unambiguous_characters() {
        let code = new_code();
        assert_eq!(code.len(), 14);
        assert!(code
            .split('-')
            .all(|g| g.len() == 4 && g.bytes().all(|b| ALPHABET.contains(&b))));
        assert_ne!(new_code(), code);
    }

    #[test]
    fn the_code_is_accepted_in_any_case_and_only_until_set_up_finishes() {
        let gate = SetupGate::with_code("ABCD-EFGH-JKMN".into());
        assert!(gate.accepts(" abcd-efgh-jkmn "));
        assert!(!gate.accepts("ABCD-EFGH-JKMP"));
        gate.finish();
        assert!(!gate.accepts("ABCD-EFGH-JKMN"));
    }
}
