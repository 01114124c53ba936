//! Leak reports from secret scanners, in the format of GitHub's secret scanning partner
//! program: a JSON list of `{token, type, url, source}`, signed with ECDSA P-256 (SHA-256)
//! in the `Github-Public-Key-Signature` header, verified against the public key the
//! administrator configures (`LATCHKEY_LEAK_REPORT_KEY`). Every reported token that is
//! really one of ours (its secret's digest matches) is flagged as leaked, fires
//! `token.leaked`, is written to the audit log with the URL where it was found, and is
//! revoked (unless `LATCHKEY_LEAK_ACTION=flag`).

use crate::{
    audit::{self, Target},
    error::Result,
    principal::Principal,
    secrets,
    tokens::{self, format},
    verifier::Verifier,
    webhooks,
};
use app::{audit::AuditAction, webhooks::EventKind};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;

/// The DER header of a P-256 public key (SubjectPublicKeyInfo), before its 65-byte point.
const P256_SPKI_HEADER: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// The public key leak reports are signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportKey {
    point: Vec<u8>,
}

impl ReportKey {
    /// From a PEM public key (`-----BEGIN PUBLIC KEY-----`, as GitHub publishes them) or
    /// its base64 body alone.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let body: String = text
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .flat_map(|l| l.split_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| "the leak report key is not base64 or PEM".to_owned())?;
        match der.strip_prefix(&P256_SPKI_HEADER[..]) {
            Some(point) if point.len() == 65 => Ok(Self {
                point: point.to_vec(),
            }),
            _ => Err("the leak report key must be an ECDSA P-256 public key".into()),
        }
    }

    /// Whether `signature` (base64 of an ASN.1 DER ECDSA signature) signs `body`.
    pub fn verifies(&self, body: &[u8], signature: &str) -> bool {
        let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(signature.trim())
        else {
            return false;
        };
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_ASN1,
            &self.point,
        )
        .verify(body, &signature)
        .is_ok()
    }
}

/// What a leak report does with a live token of ours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LeakAction {
    /// Revoke it (the default).
    #[default]
    Revoke,
    /// Flag it, fire `token.leaked` and write the audit log, but leave it working.
    Flag,
}

/// One reported match.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Reported {
    /// The text the scanner matched.
    pub token: String,
    /// The scanner's name for the pattern, e.g. `latchkey_api_token`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Where it was found.
    #[serde(default)]
    pub url: String,
    /// What kind of place (`content`, `commit`, `pull_request`, …).
    #[serde(default)]
    pub source: String,
}

/// The answer for one reported match, as the partner program expects it: the token by its
/// SHA-256 (hex; the secret is not echoed), and whether it was really ours.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Labelled {
    pub token_hash: String,
    pub token_type: String,
    /// `true_positive` (one of this server's tokens) or `false_positive`.
    pub label: String,
}

/// Handles a verified report; answers each match in order.
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
        if let Some(public_id) = &ours {
            if action == LeakAction::Revoke && !to_revoke.contains(public_id) {
                to_revoke.push(public_id.clone());
            }
        }
        answers.push(Labelled {
            token_hash: hex(&secrets::sha256(r.token.trim().as_bytes())),
            token_type: r.kind.clone(),
            label: if ours.is_some() {
                "true_positive"
            } else {
                "false_positive"
            }
            .into(),
        });
    }
    for chunk in to_revoke.chunks(tokens::MAX_BULK_REVOKE) {
        tokens::revoke_all_everywhere(pool, verifier, &reporter, chunk).await?;
    }
    Ok(answers)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Flags a reported token if it is one of ours (its secret's digest matches, compared in
/// constant time) and not revoked; returns its public id.
async fn flag_if_ours(pool: &PgPool, reporter: &Principal, r: &Reported) -> Result<Option<String>> {
    let Some(parsed) = format::parse(r.token.trim()) else {
        return Ok(None);
    };
    let mut tx = pool.begin().await?;
    let row: Option<(i64, Vec<u8>, String)> = sqlx::query_as(
        "SELECT id, secret_digest, name FROM api_tokens
         WHERE public_id = $1 AND revoked_at IS NULL FOR UPDATE",
    )
    .bind(parsed.public_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, digest, name)) = row else {
        return Ok(None);
    };
    if !secrets::constant_time_eq(&secrets::sha256(parsed.secret.as_bytes()), &digest) {
        return Ok(None);
    }
    sqlx::query("UPDATE api_tokens SET leaked_at = now(), leak_url = $2 WHERE id = $1")
        .bind(id)
        .bind(&r.url)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        &reporter.into(),
        AuditAction::TokenLeaked,
        Target::Token(parsed.public_id),
        json!({ "name": name, "url": r.url, "source": r.source, "type": r.kind }),
    )
    .await?;
    let data = json!({
        "token": { "id": parsed.public_id, "name": name },
        "url": r.url,
        "source": r.source,
    });
    webhooks::enqueue(&mut tx, EventKind::TokenLeaked, data).await?;
    tx.commit().await?;
    Ok(Some(parsed.public_id.to_owned()))
}
