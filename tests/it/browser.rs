//! Browser tests (tests/browser/run.mjs) in Debian's Chromium against the real server with
//! the real courses. They need `chromium` and `npm ci --prefix tests/browser`; CI installs
//! both and sets SALA_BROWSER_TESTS=1, which makes them run (and fail, never skip, when
//! something is missing). Without it they are skipped with a note.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use crate::helpers::Backend;
use crate::{both_backends, spawn};

both_backends!(a_person_uses_sala_in_a_real_browser);

fn enabled() -> bool {
    let on = std::env::var("SALA_BROWSER_TESTS").is_ok_and(|v| !v.is_empty() && v != "0");
    if !on {
        let _ = writeln!(
            std::io::stderr(),
            "\nNOTE: browser tests are skipped: set SALA_BROWSER_TESTS=1 (needs chromium and \
             `npm ci --prefix tests/browser`).\n"
        );
    }
    on
}

/// One browser run at a time: two throttled Chromiums on a 2-core machine make each other's
/// timings flaky.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn a_person_uses_sala_in_a_real_browser(backend: Backend) {
    if !enabled() {
        return;
    }
    let _turn = ONE_AT_A_TIME.lock().await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let courses = root.join("courses");
    let app = spawn!(backend, move |s| s.courses_dir = courses);
    let outbox = app.data_dir.join("outbox");
    let address = app.address.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("run.mjs")
            .arg(&address)
            .arg(&outbox)
            .current_dir(root.join("tests/browser"))
            .output()
    })
    .await
    .unwrap()
    .expect("node runs (install Node.js and `npm ci --prefix tests/browser`)");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "browser tests failed:\n{report}");
    let _ = writeln!(std::io::stderr(), "{report}");
}
