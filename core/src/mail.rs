//! Expiry warnings by e-mail, when SMTP is configured (`LATCHKEY_SMTP_URL`): each warning
//! goes to the token's owner, or, for an owner without an address (a service account), to
//! the person who created the token. Messages are written to an outbox in the same
//! transaction as the warning ([`enqueue`]) and sent by a worker in each instance, taken
//! with `FOR UPDATE SKIP LOCKED` so no two instances send one, and retried with the
//! outboxes' backoff for 24 hours (a message the server refuses for good, `5xx`, is not
//! retried). A message names the token and links to its page; it
//! never holds a secret.

use crate::{error::Result, outbox};
use lettre::{message::Mailbox, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;
use std::{fmt, time::Duration};

/// Where [`enqueue`] announces new messages.
pub const CHANNEL: &str = "latchkey_mail";
/// How long sending one message may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// The SMTP server: `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required`
/// (STARTTLS) or `smtps://user:pass@host` (TLS). It may hold a password, so it is never
/// printed.
#[derive(Clone)]
pub struct SmtpUrl(String);

impl SmtpUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|_| {
            "not an SMTP URL: use smtp://host:port, smtp://user:pass@host:587?tls=required \
             or smtps://user:pass@host"
                .to_owned()
        })?;
        Ok(Self(url.to_owned()))
    }

    fn transport(&self) -> AsyncSmtpTransport<Tokio1Executor> {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(&self.0)
            .expect("checked when parsed")
            .timeout(Some(SEND_TIMEOUT))
            .build()
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpUrl(…)")
    }
}

/// The sender's address, e.g. `Latchkey <latchkey@example.com>`.
pub fn parse_sender(text: &str) -> Result<Mailbox, String> {
    text.parse().map_err(|_| {
        format!("not an e-mail address: {text:?} (e.g. Latchkey <latchkey@example.com>)")
    })
}

/// How Latchkey sends e-mail.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub smtp: SmtpUrl,
    pub from: Mailbox,
}

/// A message to send.
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Writes `mail` to the outbox, inside the caller's transaction: it is sent if and only
/// if that transaction commits.
pub async fn enqueue(tx: &mut sqlx::PgConnection, mail: &Mail) -> Result<()> {
    sqlx::query("INSERT INTO mail_outbox (recipient, subject, body) VALUES ($1, $2, $3)")
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.body)
        .execute(&mut *tx)
        .await?;
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(CHANNEL)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Runs the sending worker until the process ends.
pub fn spawn(pool: PgPool, settings: MailSettings) -> tokio::task::JoinHandle<()> {
    let transport = settings.smtp.transport();
    let from = settings.from;
    tokio::spawn(outbox::drain(
        pool.clone(),
        CHANNEL,
        "sending e-mail",
        1,
        move |_| {
            let (pool, transport, from) = (pool.clone(), transport.clone(), from.clone());
            async move { send_one(&pool, &transport, &from).await }
        },
    ))
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    attempts: i32,
    recipient: String,
    subject: String,
    body: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// The next message to send: the one due first (through `mail_outbox_due`, whatever the
/// backlog), not being sent by another instance.
pub const CLAIM: &str = "
    SELECT id, attempts, recipient, subject, body, created_at FROM mail_outbox
    WHERE status = 'pending' AND next_attempt_at <= now()
    ORDER BY next_attempt_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED";

/// Sends one due message, if there is one; `true` when it tried. The row stays locked
/// until its outcome is written.
pub async fn send_one(
    pool: &PgPool,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let due: Option<Due> = sqlx::query_as(CLAIM).fetch_optional(&mut *tx).await?;
    let Some(due) = due else {
        return Ok(false);
    };
    let attempts = due.attempts + 1;
    // What went wrong, and whether trying again could help.
    let error = match message(from, &due) {
        Ok(message) => match transport.send(message).await {
            Ok(_) => None,
            Err(e) => Some((describe(&e), e.is_permanent())),
        },
        Err(reason) => Some((reason, true)),
    };
    match error {
        None => {
            sqlx::query(
                "UPDATE mail_outbox SET status = 'sent', attempts = $2, last_error = NULL,
                        sent_at = now()
                 WHERE id = $1",
            )
            .bind(due.id)
            .bind(attempts)
            .execute(&mut *tx)
            .await?;
        }
        Some((error, permanent)) => {
            let given_up = permanent || outbox::past_retrying(due.created_at);
            if given_up {
                tracing::warn!(id = due.id, attempts, %error, "an e-mail could not be sent; given up");
            } else {
                tracing::warn!(id = due.id, attempts, %error, "an e-mail could not be sent; trying again later");
            }
            sqlx::query(
                "UPDATE mail_outbox
                 SET status = CASE WHEN $4 THEN 'failed' ELSE 'pending' END,
                     attempts = $2, last_error = $3,
                     next_attempt_at = now() + make_interval(secs => $5)
                 WHERE id = $1",
            )
            .bind(due.id)
            .bind(attempts)
            .bind(&error)
            .bind(given_up)
            .bind(outbox::backoff(attempts).as_secs_f64())
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

fn message(from: &Mailbox, due: &Due) -> Result<Message, String> {
    let to: Mailbox = due
        .recipient
        .parse()
        .map_err(|_| "the recipient's address cannot be read".to_owned())?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(due.subject.as_str())
        .body(due.body.clone())
        .map_err(|_| "the message could not be built".to_owned())
}

/// What went wrong, without the server's whole answer (which may quote the address).
fn describe(error: &lettre::transport::smtp::Error) -> String {
    if error.is_transient() {
        format!(
            "the mail server asked to try again later ({})",
            error.status().map_or("no code".into(), |c| c.to_string())
        )
    } else if error.is_permanent() {
        format!(
            "the mail server refused the message ({})",
            error.status().map_or("no code".into(), |c| c.to_string())
        )
    } else if error.is_timeout() {
        "the mail server did not answer in time".to_owned()
    } else {
        "could not talk to the mail server".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_smtp_url_is_checked_and_never_printed() {
        let url = SmtpUrl::parse("smtp://ada:s3cret@mail.example.com:587?tls=required").unwrap();
        assert_eq!(format!("{url:?}"), "SmtpUrl(…)");
        assert!(SmtpUrl::parse("https://mail.example.com").is_err());
        assert!(parse_sender("Latchkey <latchkey@example.com>").is_ok());
        assert!(parse_sender("latchkey").is_err());
    }
}
