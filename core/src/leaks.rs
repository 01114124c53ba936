//! Leak reports from secret scanners, in the format of GitHub's secret scanning partner
//! program: a JSON list of `{token, type, url, source}`, signed with ECDSA P-256 (SHA-256)
//! in the `Github-Public-Key-Signature` header, verified against the public key the
//! administrator configures (`LATCHKEY_LEAK_REPORT_KEY`). Every reported token that is
//! really one of ours (its secret's digest matches) is flagged as leaked, fires
//! `token.leaked`, is written to the audit log with the URL where it was found, and is
//! revoked with its family (unless `LATCHKEY_LEAK_ACTION=flag`); a canary is flagged and
//! told, never revoked. The key may be GitHub's published list, each key chosen by the
//! report's `Github-Public-Key-Identifier`.

use crate::{
    audit::{self, Target},
    error::Result,
    principal::Principal,
    secrets,
    tokens::{self, format},
    verifier::Verifier,
    webhooks,
};
use base64::Engine;
use p256::{
    ecdsa::{signature::Verifier as _, Signature, VerifyingKey},
    pkcs8::DecodePublicKey,
};
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;
use types::{
    events::Event,
    leaks::{Label, Labelled, Reported},
};

/// The public keys leak reports are signed with, each under the identifier the reporter
/// sends in `Github-Public-Key-Identifier` (GitHub rotates its keys and publishes several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportKeys {
    keys: Vec<(Option<String>, VerifyingKey)>,
}

/// GitHub's published list: `{"public_keys": [{"key_identifier", "key"}]}`.
#[derive(Deserialize)]
struct Published {
    public_keys: Vec<PublishedKey>,
}

#[derive(Deserialize)]
struct PublishedKey {
    key_identifier: String,
    key: String,
}

impl ReportKeys {
    /// One ECDSA P-256 public key (PEM, `-----BEGIN PUBLIC KEY-----`, or its base64 body
    /// alone), used for reports without an identifier; or GitHub's list of keys as it
    /// publishes them (JSON), each chosen by its identifier.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let text = text.trim();
        if text.starts_with('{') {
            let published: Published = serde_json::from_str(text).map_err(|e| {
                format!("the leak report keys are not a list of {{key_identifier, key}}: {e}")
            })?;
            if published.public_keys.is_empty() {
                return Err("the leak report key list is empty".into());
            }
            let keys = published
                .public_keys
                .iter()
                .map(|k| Ok((Some(k.key_identifier.clone()), read_key(&k.key)?)))
                .collect::<std::result::Result<_, String>>()?;
            return Ok(Self { keys });
        }
        Ok(Self {
            keys: vec![(None, read_key(text)?)],
        })
    }

    /// Whether `signature` (base64 of an ASN.1 DER ECDSA signature) signs `body` with the
    /// key named `identifier` (or, without one, the key configured without one).
    pub fn verifies(&self, identifier: Option<&str>, body: &[u8], signature: &str) -> bool {
        let Some((_, key)) = self
            .keys
            .iter()
            .find(|(id, _)| id.as_deref() == identifier)
            .or_else(|| {
                // A single key configured alone serves whatever identifier is sent.
                (self.keys.len() == 1 && self.keys[0].0.is_none()).then(|| &self.keys[0])
            })
        else {
            return false;
        };
        let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(signature.trim())
        else {
            return false;
        };
        let Ok(signature) = Signature::from_der(&signature) else {
            return false;
        };
        key.verify(body, &signature).is_ok()
    }
}

/// An ECDSA P-256 public key from PEM (`-----BEGIN PUBLIC KEY-----`, lines of any length)
/// or its base64 body alone: a SubjectPublicKeyInfo, read by `p256`.
fn read_key(text: &str) -> std::result::Result<VerifyingKey, String> {
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .flat_map(|l| l.split_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()
        .and_then(|der| VerifyingKey::from_public_key_der(&der).ok())
        .ok_or_else(|| {
            "the leak report key must be an ECDSA P-256 public key, PEM or base64".into()
        })
}

/// What a leak report does with a live token of ours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LeakAction {
    /// Revoke it (the default).
    #[default]
    Revoke,
    /// Flag it, fire `token.leaked` and write the audit log, but leave it working.
    Flag,
}

impl std::str::FromStr for LeakAction {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "revoke" => Ok(Self::Revoke),
            "flag" => Ok(Self::Flag),
            other => Err(format!(
                "`{other}` is not a leak action: use `revoke` or `flag`"
            )),
        }
    }
}

/// A reported token that is one of ours.
struct Ours {
    public_id: String,
    /// Revoked already (by an administrator, or an earlier report): nothing to revoke.
    revoked: bool,
    /// A canary is there to be found: flagged and told, never revoked by a report.
    canary: bool,
}

/// Handles a verified report; answers each match in order. A token of ours is
/// `true_positive` whatever became of it (revoked, expired, reported before); only the
/// first report of a token flags it, writes the audit log and fires `token.leaked`, so a
/// replayed report changes nothing twice.
pub async fn report(
    pool: &PgPool,
    verifier: &Verifier,
    action: LeakAction,
    reported: Vec<Reported>,
) -> Result<Vec<Labelled>> {
    let reporter = Principal::leak_report();
    let mut answers = Vec::with_capacity(reported.len());
    let mut to_revoke: Vec<String> = Vec::new();
    for r in &reported {
        let ours = flag_if_ours(pool, &reporter, r).await?;
        if let Some(ours) = &ours {
            if action == LeakAction::Revoke
                && !ours.revoked
                && !ours.canary
                && !to_revoke.contains(&ours.public_id)
            {
                to_revoke.push(ours.public_id.clone());
            }
        }
        answers.push(Labelled {
            token_hash: hex(&secrets::sha256(r.token.trim().as_bytes())),
            token_type: r.kind.clone(),
            label: if ours.is_some() {
                Label::TruePositive
            } else {
                Label::FalsePositive
            },
        });
    }
    for chunk in to_revoke.chunks(tokens::revocation::MAX_BULK_REVOKE) {
        tokens::revocation::revoke_all_everywhere(pool, verifier, &reporter, chunk).await?;
    }
    Ok(answers)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a reported token is one of ours (its secret's digest matches, compared in
/// constant time); flags it, audits and fires `token.leaked` the first time it is reported.
async fn flag_if_ours(pool: &PgPool, reporter: &Principal, r: &Reported) -> Result<Option<Ours>> {
    let Some(parsed) = format::parse(r.token.trim()) else {
        return Ok(None);
    };
    let mut tx = pool.begin().await?;
    let row: Option<(i64, Vec<u8>, String, bool, bool, bool)> = sqlx::query_as(
        "SELECT id, secret_digest, name, revoked_at IS NOT NULL, canary, leaked_at IS NOT NULL
         FROM api_tokens WHERE public_id = $1 FOR UPDATE",
    )
    .bind(parsed.public_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, digest, name, revoked, canary, reported_before)) = row else {
        return Ok(None);
    };
    if !secrets::constant_time_eq(&secrets::sha256(parsed.secret.as_bytes()), &digest) {
        return Ok(None);
    }
    let ours = Ours {
        public_id: parsed.public_id.to_owned(),
        revoked,
        canary,
    };
    if reported_before {
        return Ok(Some(ours));
    }
    sqlx::query("UPDATE api_tokens SET leaked_at = now(), leak_url = $2 WHERE id = $1")
        .bind(id)
        .bind(&r.url)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        &reporter.into(),
        Event::TokenLeaked,
        Target::Token(parsed.public_id),
        json!({ "name": name, "url": r.url, "source": r.source, "type": r.kind }),
    )
    .await?;
    let data = json!({
        "token": { "id": parsed.public_id, "name": name },
        "url": r.url,
        "source": r.source,
    });
    webhooks::enqueue(&mut tx, Event::TokenLeaked, data).await?;
    tx.commit().await?;
    Ok(Some(ours))
}
