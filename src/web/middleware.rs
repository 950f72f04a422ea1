//! Response headers for every page, and error pages for every error.

use actix_web::HttpMessage;
use actix_web::Result;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, RETRY_AFTER};
use actix_web::middleware::{DefaultHeaders, ErrorHandlerResponse, ErrorHandlers};

use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

use super::error::ErrorPage;
use super::render::error_page;

/// A strict Content Security Policy: only our own stylesheet, images and (later) scripts;
/// no inline code, no framing, forms post only to us.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
     script-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CSP))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        // Reset links carry a token in the path: never send it to another site.
        .add(("Referrer-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ))
        .add(("Cross-Origin-Opener-Policy", "same-origin"));
    if https {
        headers.add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        headers
    }
}

/// Replaces the body of every 4xx/5xx response that is not already a page of ours with the
/// error page in the visitor's language (actix's own errors included: unknown routes,
/// oversized bodies, malformed forms).
pub fn error_pages<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(render_error)
}

fn render_error<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> Result<ErrorHandlerResponse<B>> {
    let is_page = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_page {
        return Ok(ErrorHandlerResponse::Response(
            response.map_into_left_body(),
        ));
    }
    let status = response.status();
    let error = response.response().extensions().get::<ErrorPage>().cloned();
    let retry_after = response.headers().get(RETRY_AFTER).cloned();
    let (req, _) = response.into_parts();
    let mut page = error_page(&req, status, error);
    if let Some(value) = retry_after {
        page.headers_mut().insert(RETRY_AFTER, value);
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, page).map_into_right_body::<B>(),
    ))
}

/// The span of one request, logged once when it ends (with its duration). It names the
/// route pattern (`/password-reset/{token}`), never the path itself, so tokens in links,
/// email addresses in queries and client addresses stay out of the logs.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "(no route)".to_owned());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            method = %request.method(),
            route = %route,
            request_id = %request_id,
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
    }
}
