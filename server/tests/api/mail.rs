//! Expiry warnings by e-mail, sent with lettre to an SMTP sink the test starts: the
//! owner gets them, a service account's go to the person who created its token, a
//! message the server refuses is sent again, and nothing is sent without SMTP.

use crate::helpers::{api::ALL_ADMIN, *};
use chrono::{Duration as Days, Utc};
use latchkey_core::{
    mail::{self, MailSettings, SmtpUrl},
    webhooks::expiry::warn,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::config::Settings;
use sqlx::PgPool;
use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

/// One message as the sink took it.
#[derive(Debug, Clone)]
struct Received {
    from: String,
    to: Vec<String>,
    data: String,
}

impl Received {
    /// The subject and text, decoded as a mail program would (mail-parser).
    fn read(&self) -> (String, String) {
        let message = mail_parser::MessageParser::default()
            .parse(self.data.as_bytes())
            .expect("a message");
        (
            message.subject().unwrap_or_default().to_owned(),
            message.body_text(0).unwrap_or_default().into_owned(),
        )
    }
}

/// An SMTP server of the least kind: it answers every command a client sends to deliver a
/// message, keeps the messages, and answers `451` (try later) to the first `refusals` of
/// them, or `550` (never) to every message for `refused@example.com`.
#[derive(Clone, Default)]
struct Sink {
    received: Arc<Mutex<Vec<Received>>>,
    refusals: Arc<AtomicUsize>,
}

const REFUSED: &str = "refused@example.com";

impl Sink {
    async fn start(refusals: usize) -> (Self, SocketAddr) {
        let sink = Self::default();
        sink.refusals.store(refusals, Ordering::SeqCst);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let serving = sink.clone();
        tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                tokio::spawn(serving.clone().session(socket));
            }
        });
        (sink, addr)
    }

    async fn session(self, socket: tokio::net::TcpStream) {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink.test ESMTP\r\n").await.unwrap();
        let (mut from, mut to) = (String::new(), Vec::new());
        while let Ok(Some(line)) = lines.next_line().await {
            let upper = line.to_ascii_uppercase();
            let answer = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                "250 sink.test"
            } else if let Some(rest) = upper.strip_prefix("MAIL FROM:") {
                from = line[line.len() - rest.len()..].to_owned();
                "250 OK"
            } else if let Some(rest) = upper.strip_prefix("RCPT TO:") {
                to.push(line[line.len() - rest.len()..].to_owned());
                if line.contains(REFUSED) {
                    "550 5.1.1 no such mailbox"
                } else {
                    "250 OK"
                }
            } else if upper == "DATA" {
                write.write_all(b"354 go ahead\r\n").await.unwrap();
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                    // A client doubles a line's leading dot (RFC 5321, 4.5.2).
                    data.push_str(
                        line.strip_prefix('.')
                            .filter(|l| l.starts_with('.'))
                            .unwrap_or(&line),
                    );
                    data.push('\n');
                }
                let refused = self
                    .refusals
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if refused {
                    "451 4.3.0 try again later"
                } else {
                    self.received.lock().unwrap().push(Received {
                        from: std::mem::take(&mut from),
                        to: std::mem::take(&mut to),
                        data,
                    });
                    "250 OK queued"
                }
            } else if upper == "QUIT" {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else {
                "250 OK"
            };
            if write
                .write_all(format!("{answer}\r\n").as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
    }

    /// Waits (at most ten seconds) until `n` messages have come.
    async fn until(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.received.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.received.lock().unwrap().clone()
    }
}

fn mailing_to(sink: SocketAddr) -> Settings {
    Settings {
        core: latchkey_core::Settings {
            mail: Some(MailSettings {
                smtp: SmtpUrl::parse(&format!("smtp://{sink}")).unwrap(),
                from: mail::parse_sender("Latchkey <latchkey@example.com>").unwrap(),
            }),
            ..latchkey_core::Settings::default()
        },
        ..Settings::default()
    }
}

/// A token made through the API by the administrator, expiring in `days`.
async fn token_expiring(
    app: &TestApp,
    admin_token: &str,
    owner: i64,
    name: &str,
    days: i64,
) -> Value {
    let response = app
        .api_post(
            "/tokens",
            admin_token,
            json!({ "name": name, "owner_id": owner, "scopes": ["tokens:read"],
                    "expires_at": Utc::now() + Days::days(days) }),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// The outbox's rows: recipient, status, attempts, last error.
type Row = (String, String, i32, Option<String>);

async fn outbox(app: &TestApp) -> Vec<Row> {
    sqlx::query_as("SELECT recipient, status, attempts, last_error FROM mail_outbox ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

/// The outbox once `done` holds of it (the worker writes an attempt after the sink has
/// answered), waiting at most ten seconds.
async fn outbox_when(app: &TestApp, done: impl Fn(&[Row]) -> bool) -> Vec<Row> {
    for _ in 0..200 {
        let rows = outbox(app).await;
        if done(&rows) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    outbox(app).await
}

/// One round of expiry warnings now; how many it sent.
async fn warn_now(app: &TestApp) -> usize {
    warn(&app.pool, &app.state.settings, Utc::now())
        .await
        .unwrap()
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn expiry_warnings_are_mailed_to_the_owner_or_to_whoever_made_a_service_account_s_token(
    pool: PgPool,
) {
    let (sink, addr) = Sink::start(0).await;
    let app = TestApp::spawn_with(pool, mailing_to(addr)).await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let mia = app.member(&admin_token, "mia@example.com", "Mia").await;
    let reader = app.role(&admin_token, "Reader", &["tokens:read"]).await;
    let erp = app.service_account(&admin_token, "SAP ERP", reader).await;
    let mias = token_expiring(&app, &admin_token, mia, "Mia's report", 5).await;
    let erps = token_expiring(&app, &admin_token, erp, "SAP Integration", 20).await;
    token_expiring(&app, &admin_token, admin, "Far off", 300).await;

    assert_eq!(warn_now(&app).await, 2);
    let mut received = sink.until(2).await;
    assert_eq!(received.len(), 2);
    received.sort_by_key(|m| m.to.clone());
    let (to_ada, to_mia) = (&received[0], &received[1]);

    assert_eq!(to_mia.to, ["<mia@example.com>"]);
    assert_eq!(to_mia.from, "<latchkey@example.com>");
    let (subject, body) = to_mia.read();
    assert_eq!(subject, "API token “Mia's report” expires in 5 days");
    let mia_id = mias["id"].as_str().unwrap();
    assert!(
        body.contains(&format!(
            "The API token “Mia's report” (lk_{mia_id}_••••••), owned by Mia, expires on "
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!("http://127.0.0.1:3000/tokens/{mia_id}")),
        "{body}"
    );
    assert!(
        !to_mia.data.contains(mias["token"].as_str().unwrap()),
        "never the secret"
    );
    assert!(
        !body.contains(mias["token"].as_str().unwrap()),
        "never the secret"
    );

    // The service account has no address: its token's maker, the administrator, is told.
    assert_eq!(to_ada.to, [format!("<{ADMIN_EMAIL}>")]);
    let (subject, body) = to_ada.read();
    assert_eq!(subject, "API token “SAP Integration” expires in 20 days");
    let erp_id = erps["id"].as_str().unwrap();
    assert!(
        body.contains("owned by the service account SAP ERP"),
        "{body}"
    );
    assert!(body.contains(&format!("/tokens/{erp_id}")), "{body}");

    // Each is written as sent once the sink has answered.
    let rows = outbox_when(&app, |rows| rows.iter().all(|r| r.1 == "sent")).await;
    assert!(rows
        .iter()
        .all(|(_, status, attempts, _)| status == "sent" && *attempts == 1));
    // The same round again sends nothing more.
    assert_eq!(warn_now(&app).await, 0);
    assert_eq!(outbox(&app).await.len(), 2);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_message_the_mail_server_puts_off_is_sent_again_later(pool: PgPool) {
    let (sink, addr) = Sink::start(1).await;
    let app = TestApp::spawn_with(pool, mailing_to(addr)).await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    token_expiring(&app, &admin_token, admin, "Nightly backup", 2).await;
    assert_eq!(warn_now(&app).await, 1);

    // The first attempt is answered 451: the message waits for its retry, 5 seconds on.
    let rows = outbox_when(&app, |rows| rows[0].2 == 1).await;
    let (to, status, attempts, error) = &rows[0];
    assert_eq!(
        (to.as_str(), status.as_str(), *attempts),
        (ADMIN_EMAIL, "pending", 1)
    );
    assert_eq!(
        error.as_deref(),
        Some("the mail server asked to try again later (451)")
    );
    assert!(sink.received.lock().unwrap().is_empty());

    // When it falls due, the worker sends it, once.
    sqlx::query("UPDATE mail_outbox SET next_attempt_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
    let received = sink.until(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].read().0,
        "API token “Nightly backup” expires in 2 days"
    );
    let rows = outbox_when(&app, |rows| rows[0].1 == "sent").await;
    assert_eq!((rows[0].1.as_str(), rows[0].2), ("sent", 2));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.until(2).await.len(), 1, "sent once");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn without_smtp_no_mail_is_written(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    token_expiring(&app, &admin_token, admin, "Nightly backup", 2).await;
    assert_eq!(warn_now(&app).await, 1);
    assert!(outbox(&app).await.is_empty());
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_message_the_mail_server_refuses_for_good_is_not_tried_again(pool: PgPool) {
    let (sink, addr) = Sink::start(0).await;
    let app = TestApp::spawn_with(pool, mailing_to(addr)).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let gone = app.member(&admin_token, REFUSED, "Gone").await;
    token_expiring(&app, &admin_token, gone, "Old laptop", 3).await;
    assert_eq!(warn_now(&app).await, 1);
    let rows = outbox_when(&app, |rows| rows[0].1 != "pending").await;
    let (to, status, attempts, error) = &rows[0];
    assert_eq!(
        (to.as_str(), status.as_str(), *attempts),
        (REFUSED, "failed", 1)
    );
    assert_eq!(
        error.as_deref(),
        Some("the mail server refused the message (550)")
    );
    assert!(sink.received.lock().unwrap().is_empty());
}
