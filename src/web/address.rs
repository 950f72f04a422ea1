//! The client's network address, for sign-in throttling and the audit log.
//!
//! Without a trusted reverse proxy it is the TCP peer. Behind one (`SALA_TRUST_PROXY`), it is
//! the address *the proxy* added: the right-most `X-Forwarded-For` entry, since every entry to
//! its left came from the client and can say anything. RFC 7239's `Forwarded` header is read
//! only when the proxy is said to set it (`SALA_PROXY_FORWARDED`), and then its last element.
//! actix-web's `realip_remote_addr` takes the left-most value, which the client chooses, so
//! this is written out here: a few lines, tested below.

use std::net::{IpAddr, SocketAddr};

use actix_web::HttpRequest;
use actix_web::http::header::{FORWARDED, HeaderMap, X_FORWARDED_FOR};

/// Which header the trusted proxy sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyHeader {
    XForwardedFor,
    Forwarded,
}

/// The client's address as the trusted proxy (if any) reports it, else the TCP peer's.
pub fn client_address(req: &HttpRequest, proxy: Option<ProxyHeader>) -> Option<IpAddr> {
    proxy
        .and_then(|header| reported(req.headers(), header))
        .or_else(|| req.peer_addr().map(|a| a.ip()))
}

/// The right-most entry of the header's values, across all its lines in order.
fn reported(headers: &HeaderMap, header: ProxyHeader) -> Option<IpAddr> {
    let name = match header {
        ProxyHeader::XForwardedFor => X_FORWARDED_FOR,
        ProxyHeader::Forwarded => FORWARDED,
    };
    let last = headers
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .last()?;
    let value = match header {
        ProxyHeader::XForwardedFor => last,
        ProxyHeader::Forwarded => last.split(';').find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("for")
                .then_some(value.trim())
        })?,
    };
    parse_node(value)
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`, quoted or not.
fn parse_node(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim_matches('"');
    raw.parse::<IpAddr>()
        .ok()
        .or_else(|| raw.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            raw.strip_prefix('[')
                .and_then(|r| r.split_once(']'))
                .and_then(|(ip, _)| ip.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    fn headers(lines: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in lines {
            map.append(
                actix_web::http::header::HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn the_proxy_appended_entry_counts_not_the_clients() {
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.5")]);
        assert_eq!(reported(&h, ProxyHeader::XForwardedFor), ip("203.0.113.5"));
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "203.0.113.5"),
        ]);
        assert_eq!(reported(&h, ProxyHeader::XForwardedFor), ip("203.0.113.5"));
        let h = headers(&[("x-forwarded-for", "6.6.6.6, [2001:db8::1]:4711")]);
        assert_eq!(reported(&h, ProxyHeader::XForwardedFor), ip("2001:db8::1"));
        let h = headers(&[("x-forwarded-for", "6.6.6.6, not-an-address")]);
        assert_eq!(reported(&h, ProxyHeader::XForwardedFor), None);
    }

    #[test]
    fn forwarded_is_read_only_when_configured_and_then_its_last_element() {
        let h = headers(&[
            ("forwarded", "for=6.6.6.6"),
            ("x-forwarded-for", "203.0.113.5"),
        ]);
        assert_eq!(reported(&h, ProxyHeader::XForwardedFor), ip("203.0.113.5"));
        let h = headers(&[(
            "forwarded",
            "for=6.6.6.6;proto=https, for=\"[2001:db8::7]:80\";by=10.0.0.1",
        )]);
        assert_eq!(reported(&h, ProxyHeader::Forwarded), ip("2001:db8::7"));
        let h = headers(&[("forwarded", "for=6.6.6.6, proto=https")]);
        assert_eq!(reported(&h, ProxyHeader::Forwarded), None);
    }
}
