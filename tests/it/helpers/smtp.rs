//! A real SMTP server on loopback that keeps every message it accepts, so that tests
//! check what an SMTP client actually delivered. It can be told to be down (it answers
//! "421 not available" and hangs up) or to refuse the next messages with "451 try again
//! later", as a busy or broken mail server does. Written for the tests because it must run
//! inside the test process, on a random port, with no outside program.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::Email;

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    received: Received,
    mood: Arc<Mood>,
}

/// The raw messages a sink accepted.
pub type Received = Arc<Mutex<Vec<Vec<u8>>>>;

/// Every sink of this test process by its URL, so that a server's browsers read the mail
/// its settings send there.
static SINKS: Mutex<Vec<(String, Received)>> = Mutex::new(Vec::new());

/// The messages of the sink at `url` (started by `SmtpSink::start`).
pub fn received_at(url: &str) -> Received {
    SINKS
        .lock()
        .expect("lock")
        .iter()
        .find(|(at, _)| at == url)
        .map(|(_, received)| received.clone())
        .unwrap_or_else(|| panic!("no SMTP sink at {url}"))
}

pub fn parse_all(received: &Received) -> Vec<Email> {
    received
        .lock()
        .expect("lock")
        .iter()
        .filter_map(|raw| Email::parse(raw))
        .collect()
}

#[derive(Default)]
struct Mood {
    down: AtomicBool,
    refuse: AtomicUsize,
    /// Conversations that reached MAIL FROM, refused or not.
    attempts: AtomicUsize,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind SMTP sink");
        let port = listener.local_addr().expect("address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let mood = Arc::new(Mood::default());
        let (store, shared) = (received.clone(), mood.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, store.clone(), shared.clone()));
            }
        });
        let sink = Self {
            port,
            received,
            mood,
        };
        SINKS
            .lock()
            .expect("lock")
            .push((sink.url(), sink.received.clone()));
        sink
    }

    /// While down, every connection is answered "421" and closed.
    pub fn set_down(&self, down: bool) {
        self.mood.down.store(down, Ordering::SeqCst);
    }

    /// Refuses the next `n` messages with "451 try again later".
    pub fn refuse_next(&self, n: usize) {
        self.mood.refuse.store(n, Ordering::SeqCst);
    }

    /// How many times a client tried to hand over a message.
    pub fn attempts(&self) -> usize {
        self.mood.attempts.load(Ordering::SeqCst)
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits (up to 10 s) for `count` messages and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<Email> {
        for _ in 0..200 {
            if self.messages().len() >= count {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.messages()
    }

    /// The messages received, but for registration letters (see `TestApp::outbox`).
    pub fn messages(&self) -> Vec<Email> {
        let mut all = self.all_messages();
        all.retain(|mail| !mail.is_registration());
        all
    }

    pub fn all_messages(&self) -> Vec<Email> {
        parse_all(&self.received)
    }
}

async fn session(
    stream: TcpStream,
    store: Arc<Mutex<Vec<Vec<u8>>>>,
    mood: Arc<Mood>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if mood.down.load(Ordering::SeqCst) {
        write
            .write_all(b"421 4.3.2 service not available\r\n")
            .await?;
        return Ok(());
    }
    write.write_all(b"220 sink ESMTP ready\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => {
                write
                    .write_all(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                    .await?
            }
            "MAIL" => {
                mood.attempts.fetch_add(1, Ordering::SeqCst);
                let refused = mood
                    .refuse
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if refused {
                    write.write_all(b"451 4.3.0 try again later\r\n").await?
                } else {
                    write.write_all(b"250 ok\r\n").await?
                }
            }
            "DATA" => {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut message = Vec::new();
                loop {
                    let mut data = String::new();
                    if lines.read_line(&mut data).await? == 0 {
                        return Ok(());
                    }
                    if data == ".\r\n" {
                        break;
                    }
                    let unstuffed = data.strip_prefix('.').unwrap_or(&data);
                    message.extend_from_slice(unstuffed.as_bytes());
                }
                store.lock().expect("lock").push(message);
                write.write_all(b"250 queued\r\n").await?;
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => write.write_all(b"250 ok\r\n").await?,
        }
    }
}
