//! The email outbox: a message is kept until a real SMTP server on loopback has taken it,
//! through refusals, an outage and a restart, and of two senders only one sends it.

use chrono::Duration;
use sala::db::outbox::Summary;
use sala::email::outbox::Sender;
use sala::email::{MailKind, Mailer, Outgoing};

use crate::helpers::smtp::SmtpSink;
use crate::helpers::{Backend, TestApp, now, texts};
use crate::{both_backends, spawn};

both_backends!(
    a_refusing_server_gets_the_message_on_a_later_attempt,
    nothing_is_lost_while_the_mail_server_is_down_and_sala_restarts,
    two_senders_share_the_queue_and_send_each_message_once,
);

/// The outbox as admins see it, newest first, but for the registration letters the test
/// helper read when it registered people.
async fn messages(app: &TestApp) -> Vec<Summary> {
    let mut rows = app
        .db
        .read(|conn| sala::db::outbox::list(conn, None, 100))
        .await
        .expect("outbox rows");
    rows.retain(|row| row.kind != "registration");
    rows
}

/// Waits (up to 10 s) until the outbox satisfies `done`.
async fn outbox_until(
    app: &TestApp,
    what: &str,
    done: impl Fn(&[Summary]) -> bool,
) -> Vec<Summary> {
    for _ in 0..200 {
        let rows = messages(app).await;
        if done(&rows) {
            return rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "outbox never reached: {what}; it has {:?}",
        messages(app).await
    );
}

async fn ask_for_reset(app: &TestApp, email: &str) {
    let response = app
        .submit("/password-reset", "/password-reset", &[("email", email)])
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
}

async fn a_refusing_server_gets_the_message_on_a_later_attempt(backend: Backend) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn!(backend, move |s| s.smtp_url = Some(url));
    app.register("dara@example.org", "Dara").await;
    app.sign_out().await;
    // The registration letter is delivered before the server starts refusing.
    while sink.all_messages().is_empty() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let earlier = sink.attempts();
    sink.refuse_next(2);

    ask_for_reset(&app, "dara@example.org").await;
    let rows = outbox_until(&app, "one failed attempt", |m| {
        m.len() == 1 && m[0].attempts == 1
    })
    .await;
    assert_eq!(rows[0].status, "queued");
    assert_eq!(rows[0].kind, "password_reset");
    let error = rows[0].last_error.clone().unwrap_or_default();
    assert!(
        error.contains("451"),
        "the server's answer is kept: {error}"
    );
    assert!(sink.messages().is_empty());

    // The retry waits 30 s: moving the clock 10 s changes nothing.
    app.advance(Duration::seconds(10));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.attempts() - earlier, 1);

    app.advance(Duration::seconds(25));
    outbox_until(&app, "a second failed attempt", |m| m[0].attempts == 2).await;
    app.advance(Duration::seconds(61));
    let rows = outbox_until(&app, "sent", |m| m[0].status == "sent").await;
    assert_eq!(rows[0].attempts, 3);
    assert_eq!(rows[0].last_error, None);
    let received = sink.wait_for(1).await;
    assert_eq!(received.len(), 1, "delivered once");
    assert_eq!(received[0].to, "dara@example.org");
    assert!(received[0].link_path("/password-reset/").is_some());

    // Admins see the message, its state and its attempts, never its text.
    app.signed_in_admin("admin@example.org").await;
    app.get("/lang/en?next=/").await;
    let (_, html) = app.get_html("/admin/email?status=sent").await;
    let rows = texts(&html, r#"#outbox tbody tr:not([data-kind="registration"])"#);
    assert_eq!(rows.len(), 1, "{html}");
    assert!(rows[0].contains("dara@example.org"), "{}", rows[0]);
    assert!(rows[0].contains("3 attempts"), "{}", rows[0]);
    assert!(!html.contains("/password-reset/"), "the link is not shown");
}

async fn nothing_is_lost_while_the_mail_server_is_down_and_sala_restarts(backend: Backend) {
    let sink = SmtpSink::start().await;
    sink.set_down(true);
    let url = sink.url();
    let mut app = spawn!(backend, move |s| s.smtp_url = Some(url));
    for name in ["sok", "chan", "vanna"] {
        // The letter cannot arrive while the server is down: the account waits unconfirmed.
        app.new_browser()
            .register_request(&format!("{name}@example.org"), name)
            .await;
        ask_for_reset(&app, &format!("{name}@example.org")).await;
    }
    let rows = outbox_until(&app, "three failed attempts", |m| {
        m.len() == 3 && m.iter().all(|r| r.attempts == 1)
    })
    .await;
    assert!(rows.iter().all(|r| r.status == "queued"));
    assert!(
        rows.iter()
            .all(|r| r.last_error.as_deref().unwrap_or_default().contains("421")),
        "{rows:?}"
    );

    // Sala restarts while the server is still down, then the server comes back.
    app.restart().await;
    app.advance(Duration::seconds(31));
    outbox_until(&app, "second attempts", |m| {
        m.iter().all(|r| r.attempts == 2)
    })
    .await;
    sink.set_down(false);
    app.advance(Duration::seconds(61));
    outbox_until(&app, "all sent", |m| m.iter().all(|r| r.status == "sent")).await;
    let mut to: Vec<_> = sink.wait_for(3).await.into_iter().map(|m| m.to).collect();
    to.sort();
    assert_eq!(
        to,
        ["chan@example.org", "sok@example.org", "vanna@example.org"]
    );
}

async fn two_senders_share_the_queue_and_send_each_message_once(backend: Backend) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn!(backend, move |s| s.smtp_url = Some(url));
    let at = now();
    app.db
        .write(move |conn| {
            for n in 0..40 {
                let mail = Outgoing {
                    kind: MailKind::Reminder,
                    to: format!("person{n}@example.org"),
                    subject: format!("Message {n}"),
                    body: "Hello".into(),
                };
                sala::db::outbox::enqueue(conn, &mail, at)?;
            }
            Ok::<_, sala::db::DbError>(())
        })
        .await
        .expect("queued");
    // Two more instances' senders beside the app's own, on one database, sending to one
    // server at the same time.
    let settings = sala::config::Settings::from_raw(sala::config::RawSettings {
        smtp_url: Some(sink.url()),
        data_dir: app.data_dir.clone(),
        ..Default::default()
    })
    .expect("settings");
    let sender = |owner: &str| Sender {
        db: app.db.clone(),
        mailer: Mailer::from_settings(&settings).expect("mailer"),
        from: settings.mail_from.clone(),
        owner: owner.to_owned(),
        host: "test".into(),
        clock: sala::clock::Clock::default(),
    };
    let (one, two) = (sender("one"), sender("two"));
    let (a, b) = tokio::join!(one.deliver_due(), two.deliver_due());
    let (a, b) = (a.expect("first sender"), b.expect("second sender"));
    // The app's own sender may have taken some too: together, every message once.
    let received = sink.wait_for(40).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut subjects: Vec<_> = sink.messages().into_iter().map(|m| m.subject).collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(received.len(), 40);
    assert_eq!(subjects.len(), 40, "no message twice");
    assert_eq!(sink.messages().len(), 40, "no message twice");
    assert!(a.sent + b.sent <= 40);
    let rows = messages(&app).await;
    assert!(rows.iter().all(|r| r.status == "sent" && r.attempts == 1));
}
