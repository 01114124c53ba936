//! argon2id password hashing, off the async runtime and with bounded concurrency, so a
//! flood of sign-in attempts cannot starve API requests of threads or CPU.

use crate::error::Result;
use anyhow::anyhow;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;
use types::{session::MIN_PASSWORD_LEN, AppError};

pub const MAX_PASSWORD_LEN: usize = 1024;

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
}

impl Default for Passwords {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            permits: Arc::new(Semaphore::new(cores)),
        }
    }
}

impl Passwords {
    pub async fn hash(&self, password: String) -> Result<String> {
        self.blocking(move || hash(&password)).await?
    }

    /// Whether `password` matches `stored`. With no stored hash (an unknown account) the
    /// same work is done against a dummy hash, so the answer takes as long either way.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool> {
        self.blocking(move || {
            let known = stored.is_some();
            let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
            let parsed = PasswordHash::new(&stored).map_err(|e| anyhow!("bad stored hash: {e}"))?;
            let matches = Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(known && matches)
        })
        .await?
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let _permit = self.permits.acquire().await.map_err(|e| anyhow!(e))?;
        Ok(tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| anyhow!(e))?)
    }
}

fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow!("hashing failed: {e}"))?
        .to_string())
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = crate::secrets::random_string(b"abcdefghijklmnopqrstuvwxyz", 24);
        hash(&random).expect("hashing a random string")
    })
}

/// The rules for a new password, named after the form field they apply to: a length, and
/// not easy to guess (zxcvbn's estimate, with what is known of the person — their email and
/// name — counted as easy to guess).
pub fn check_new(field: &str, password: &str, personal: &[&str]) -> Result<(), AppError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(AppError::invalid(
            field,
            format!("The password must have at least {MIN_PASSWORD_LEN} characters."),
        ));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(AppError::invalid(
            field,
            format!("The password must have at most {MAX_PASSWORD_LEN} characters."),
        ));
    }
    // Each word of the person's email and name counts as easy to guess.
    let words: Vec<&str> = personal
        .iter()
        .flat_map(|p| p.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().count() >= 3)
        .collect();
    let estimate = zxcvbn::zxcvbn(password, &words);
    if estimate.score() < zxcvbn::Score::Three {
        let feedback = estimate.feedback();
        let why = feedback
            .and_then(|f| f.warning())
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        let how = feedback.and_then(|f| f.suggestions().first()).map_or_else(
            || "Add another uncommon word.".to_owned(),
            |s| s.to_string(),
        );
        return Err(AppError::invalid(
            field,
            format!("This password is too easy to guess{why}. {how}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_personal_passwords_are_refused_with_the_reason() {
        let weak = check_new("password", "password1234", &[]).unwrap_err();
        assert_eq!(weak.field(), Some("password"));
        assert!(weak.to_string().contains("too easy to guess"), "{weak}");
        assert!(check_new(
            "password",
            "lovelaceada12",
            &["ada.lovelace@example.com", "Ada Lovelace"]
        )
        .is_err());
        assert!(check_new("password", "correct horse battery staple", &[]).is_ok());
        assert!(check_new("password", "short", &[]).is_err());
    }
}
