//! Structured logs with `tracing`. `SALA_LOG` takes a filter such as `info` or
//! `sala=debug,actix_web=info`. Every request is one line when it ends: its request id,
//! method, route, status and how long it took (`time.busy` + `time.idle`).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Installs the global subscriber. Calling it twice (as tests do) is harmless.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .try_init();
}
