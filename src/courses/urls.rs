//! Every address an author writes (a video's url, a Markdown link, an `href` or `src` in a
//! chapter's HTML) must be http(s), mailto, or a path inside the course folder. Anything
//! else (`javascript:`, `data:`, `vbscript:`, a link to another site's scheme, an absolute
//! path into Sala itself, `../../` out of the course) is refused by the checker, naming
//! file and line, before it can be published as a link.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use url::Url;

/// Where a chapter file sits, for resolving its relative links: the course folder is
/// `/course/` on a host no real link can name.
const COURSE_ROOT: &str = "https://course.invalid/course/";

/// Whether `raw`, written in the file at `file` (a path inside the course folder, such as
/// `chapters/01-water.en.md`), is an address an author may give.
pub fn allowed(raw: &str, file: &str) -> bool {
    // Browsers drop leading and trailing spaces and control characters and every tab or
    // line break inside a URL before reading it ("java\tscript:" is "javascript:"), so
    // the address is judged as they will read it.
    let cleaned: String = raw
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    match Url::parse(&cleaned) {
        Ok(url) => match url.scheme() {
            "http" | "https" => url.host_str().is_some_and(|h| !h.is_empty()),
            "mailto" => true,
            _ => false,
        },
        Err(url::ParseError::RelativeUrlWithoutBase) => inside_course(&cleaned, file),
        Err(_) => false,
    }
}

/// A relative address that, read from `file`, stays inside the course folder.
fn inside_course(relative: &str, file: &str) -> bool {
    let Ok(root) = Url::parse(COURSE_ROOT) else {
        return false;
    };
    let Ok(base) = root.join(file) else {
        return false;
    };
    match base.join(relative) {
        Ok(target) => {
            target.host_str() == root.host_str() && target.path().starts_with(root.path())
        }
        Err(_) => false,
    }
}

/// Attributes whose value a browser follows or loads as an address.
const URL_ATTRIBUTES: [&str; 10] = [
    "href",
    "src",
    "cite",
    "action",
    "formaction",
    "poster",
    "background",
    "longdesc",
    "data",
    "xlink:href",
];

/// The addresses in a piece of a chapter's raw HTML, as a browser reads its attributes
/// (html5ever's tokenizer, the one ammonia sanitises with, so `&#x09;` and friends are
/// decoded exactly as they would be).
pub fn in_html(html: &str) -> Vec<String> {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(UrlSink::default(), TokenizerOpts::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.found.take()
}

#[derive(Default)]
struct UrlSink {
    found: RefCell<Vec<String>>,
}

impl TokenSink for UrlSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if let Token::TagToken(tag) = token {
            let mut found = self.found.borrow_mut();
            for attribute in &tag.attrs {
                let name = match &attribute.name.prefix {
                    Some(prefix) => format!("{}:{}", &**prefix, &*attribute.name.local),
                    None => attribute.name.local.to_string(),
                };
                if URL_ATTRIBUTES.contains(&name.to_ascii_lowercase().as_str()) {
                    found.push(attribute.value.to_string());
                }
            }
        }
        TokenSinkResult::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAPTER: &str = "chapters/01-water.en.md";

    #[test]
    fn web_and_mail_addresses_and_course_paths_are_allowed() {
        for url in [
            "https://example.org/videos/ramp.mp4",
            "http://example.org",
            "mailto:wash@example.org",
            "../media/pump.svg",
            "#section-2",
            "02-sanitation",
            "./notes.pdf",
        ] {
            assert!(allowed(url, CHAPTER), "{url}");
        }
    }

    #[test]
    fn scripts_other_schemes_and_paths_out_of_the_course_are_refused() {
        for url in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "ftp://example.org/x",
            "https://",
            "//evil.example/x",
            "\\\\evil.example/x",
            "/admin/users",
            "../../etc",
            "../../../x",
        ] {
            assert!(!allowed(url, CHAPTER), "{url:?}");
        }
    }

    #[test]
    fn addresses_are_found_in_raw_html() {
        let found = in_html(
            r#"<a href="jav&#x09;ascript:alert(1)">x</a><img src="../media/a.png" alt="a"><p title="javascript:x">"#,
        );
        assert_eq!(found, ["jav\tascript:alert(1)", "../media/a.png"]);
    }
}
