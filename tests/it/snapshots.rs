//! Snapshots (insta) of what people depend on, as they see it: a chapter page in Khmer, the
//! final assessment's results, a certificate's verify page, an invitation email and a
//! coordinator's report CSV. A change to any of them fails here until its snapshot under
//! `tests/it/snapshots/` is updated and reviewed (README, "Test it").
//!
//! Pages are snapshotted as their visible text, one line per block (see `visible`), never
//! as raw HTML; what changes from run to run (dates, serials, tokens, ids, ports, CSRF
//! values, hashes) is replaced by a placeholder (see `settings`). Both backends compare
//! against the same files.

use reqwest::StatusCode;
use scraper::{ElementRef, Html, Selector};

use crate::certificates::complete;
use crate::cohorts::{ROSTER, coordinator_with_office, create_cohort, send_roster};
use crate::final_assessment::{complete_chapters, fixtures, start, take};
use crate::helpers::{Backend, Browser, PASSWORD, location, texts};
use crate::{both_backends, spawn};

both_backends!(
    a_chapter_page_as_a_signed_in_learner_sees_it,
    the_final_assessment_results_failed_then_passed,
    the_verify_page_of_an_issued_certificate,
    an_invitation_email_and_the_coordinators_report_csv,
);

/// Compares `text` with the snapshot `name`, once the run-to-run details are redacted.
fn snapshot(name: &str, text: &str) {
    settings().bind(|| insta::assert_snapshot!(name, text));
}

/// The filters that replace what varies between runs, in the order they apply.
fn settings() -> insta::Settings {
    const KM_MONTHS: &str = "មករា|កុម្ភៈ|មីនា|មេសា|ឧសភា|មិថុនា|កក្កដា|សីហា|កញ្ញា|តុលា|វិច្ឆិកា|ធ្នូ";
    const EN_MONTHS: &str = "January|February|March|April|May|June|July|August|September|\
                             October|November|December";
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for (pattern, replacement) in [
        // The test server's random port.
        (r"127\.0\.0\.1:\d+".to_owned(), "127.0.0.1:[port]"),
        // Signed links: the token is the rest of the path.
        (
            r"/(join|reminders/stop|password-reset)/[^\s)\]]+".to_owned(),
            "/$1/[token]",
        ),
        (r"csrf=\S+".to_owned(), "csrf=[csrf]"),
        // Certificate serials: KH-7Q4M-2XPD-9.
        (
            r"\bKH-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]\b".to_owned(),
            "[serial]",
        ),
        // Ids in addresses: attempts, cohorts.
        (r"/final/\d+/".to_owned(), "/final/[attempt]/"),
        (r"/cohorts/\d+".to_owned(), "/cohorts/[id]"),
        (r"\bcohort=\d+".to_owned(), "cohort=[id]"),
        // Dates and times: ISO (CSV), English and Khmer long forms (pages, emails).
        (
            r"\b\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?".to_owned(),
            "[datetime]",
        ),
        (
            format!(r"\b\d{{1,2}} ({EN_MONTHS}) \d{{4}}( \d{{2}}:\d{{2}})?"),
            "[date]",
        ),
        (
            format!("[០-៩]{{1,2}} ({KM_MONTHS}) [០-៩]{{4}}( ម៉ោង [០-៩]{{2}}:[០-៩]{{2}})?"),
            "[date]",
        ),
        // Content hashes (asset names, fingerprints).
        (r"\b[0-9a-f]{16,}\b".to_owned(), "[hash]"),
        // The byte-order mark a spreadsheet needs, made visible.
        ("\u{feff}".to_owned(), "[BOM]"),
    ] {
        settings.add_filter(&pattern, replacement);
    }
    settings
}

/// The page as a person reads it: its title, then the text of `main` one block per line,
/// each line named by its blocks (`li > p: …`, with their classes), links as
/// `[text](href)`, form fields as `[radio q.q1=a]`, and each form's method and action.
fn visible(html: &str) -> String {
    let doc = Html::parse_document(html);
    let main = Selector::parse("main").expect("selector");
    let main = doc.select(&main).next().expect("a main element");
    let mut lines = Lines::default();
    lines
        .out
        .push(format!("title: {}", texts(html, "title").join(" ")));
    lines.walk(main);
    lines.flush();
    lines.out.join("\n") + "\n"
}

/// Elements that make a line of their own, named in the line.
const BLOCKS: &[&str] = &[
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "li",
    "dt",
    "dd",
    "legend",
    "label",
    "button",
    "summary",
    "th",
    "td",
    "caption",
    "figcaption",
    "pre",
    "blockquote",
];

/// Elements that end a line but are not named (their text goes on the lines within).
const CONTAINERS: &[&str] = &[
    "div", "section", "article", "nav", "ul", "ol", "dl", "fieldset", "table", "thead", "tbody",
    "tr", "details", "header", "footer", "aside", "figure", "main",
];

#[derive(Default)]
struct Lines {
    out: Vec<String>,
    line: String,
    /// The named blocks the line is in, outermost first.
    blocks: Vec<String>,
    /// The containers it is in, for text outside any block.
    containers: Vec<String>,
}

impl Lines {
    fn flush(&mut self) {
        let text = self.line.split_whitespace().collect::<Vec<_>>().join(" ");
        self.line.clear();
        if !text.is_empty() {
            let name = if self.blocks.is_empty() {
                self.containers.last().cloned().unwrap_or_default()
            } else {
                self.blocks.join(" > ")
            };
            self.out.push(format!("{name}: {text}"));
        }
    }

    fn walk(&mut self, element: ElementRef) {
        for child in element.children() {
            if let Some(text) = child.value().as_text() {
                self.line.push_str(text);
            } else if let Some(child) = ElementRef::wrap(child) {
                self.element(child);
            }
        }
    }

    fn element(&mut self, e: ElementRef) {
        let tag = e.value().name();
        let attr = |name: &str| e.value().attr(name).unwrap_or_default();
        match tag {
            "script" | "style" | "template" | "noscript" => {}
            // A line break within a block, as in a name in two scripts.
            "br" => self.line.push_str(" / "),
            "a" => {
                self.line.push('[');
                self.walk(e);
                self.line.push_str(&format!("]({})", attr("href")));
            }
            "img" => self
                .line
                .push_str(&format!(" ![{}]({}) ", attr("alt"), attr("src"))),
            "input" if attr("type") == "hidden" => {
                self.flush();
                self.out
                    .push(format!("hidden: {}={}", attr("name"), attr("value")));
            }
            "input" | "select" | "textarea" => {
                let kind = if tag == "input" { attr("type") } else { tag };
                let checked = if e.value().attr("checked").is_some() {
                    " checked"
                } else {
                    ""
                };
                self.line.push_str(&format!(
                    " [{kind} {}={}{checked}] ",
                    attr("name"),
                    attr("value")
                ));
            }
            "form" => {
                self.flush();
                let method = e.value().attr("method").unwrap_or("get").to_uppercase();
                self.out.push(format!("form: {method} {}", attr("action")));
                self.walk(e);
                self.flush();
            }
            _ if BLOCKS.contains(&tag) => {
                self.flush();
                let classes: String = e.value().classes().map(|c| format!(".{c}")).collect();
                self.blocks.push(format!("{tag}{classes}"));
                self.walk(e);
                self.flush();
                self.blocks.pop();
            }
            _ if CONTAINERS.contains(&tag) => {
                self.flush();
                self.containers.push(tag.to_owned());
                self.walk(e);
                self.flush();
                self.containers.pop();
            }
            _ => self.walk(e),
        }
    }
}

async fn page(browser: &Browser, path: &str) -> String {
    let (status, html) = browser.get_html(path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {html}");
    visible(&html)
}

async fn a_chapter_page_as_a_signed_in_learner_sees_it(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    // In Khmer, the default: the one snapshot that keeps Khmer rendering covered.
    app.register("learner@example.org", "Learner").await;
    snapshot(
        "chapter_page_km",
        &page(&app, "/courses/minimal/water").await,
    );
}

/// One attempt with the first question (by its Khmer prompt, "what helps?") answered
/// right and the other wrong: one question to revisit, whatever order they were drawn in.
async fn take_half_right(browser: &Browser) -> String {
    let attempt = start(browser).await;
    for n in 1..=2 {
        let question = format!("{attempt}/q/{n}");
        let (_, html) = browser.get_html(&question).await;
        let answers: &[(&str, &str)] = if texts(&html, "legend").join(" ").contains("ជួយ") {
            &[("answer", "a"), ("answer", "b")]
        } else {
            &[("answer", "true")]
        };
        let response = browser.submit(&question, &question, answers).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{question}");
    }
    let review = format!("{attempt}/review");
    let response = browser
        .submit(&review, &format!("{attempt}/submit"), &[])
        .await;
    assert_eq!(location(&response), format!("{attempt}/result"));
    attempt
}

async fn the_final_assessment_results_failed_then_passed(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    app.register("learner@example.org", "Learner").await;
    complete_chapters(&app).await;
    // Answered in Khmer (the helpers read the Khmer prompts), each result read in English
    // before the next attempt.
    let language = |code: &'static str| {
        let app = &app;
        async move {
            let response = app
                .submit(
                    "/account",
                    &format!("/lang/{code}"),
                    &[("next", "/account")],
                )
                .await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
        }
    };
    let failed = take_half_right(&app).await;
    language("en").await;
    snapshot(
        "final_result_failed_en",
        &page(&app, &format!("{failed}/result")).await,
    );
    language("km").await;
    let passed = take(&app, true).await;
    language("en").await;
    snapshot(
        "final_result_passed_en",
        &page(&app, &format!("{passed}/result")).await,
    );
}

async fn the_verify_page_of_an_issued_certificate(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    // Co-signed, as the minimal course asks.
    crate::cosigning::ngo_consents(&app).await;
    let serial = complete(&app, "dara@example.org", "Dara Sok").await;
    // Anyone, signed in or not, in English.
    let anyone = app.new_browser();
    anyone.get("/lang/en?next=/").await;
    let path = format!("/verify/{serial}");
    assert_eq!(
        crate::certificates::verdict(&anyone, &path).await,
        (StatusCode::OK, "genuine".to_owned())
    );
    snapshot("verify_page_en", &page(&anyone, &path).await);
}

async fn an_invitation_email_and_the_coordinators_report_csv(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    let office = coordinator_with_office(&app).await;
    let cohort = create_cohort(&app, &office, 30).await;
    let response = send_roster(&app, &cohort, ROSTER, true).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let mail = app.mail(3).await;
    let to = |who: &str| {
        mail.iter()
            .find(|m| m.to == who)
            .unwrap_or_else(|| panic!("no invitation to {who}: {mail:?}"))
    };
    let sok = to("sok@example.org");
    snapshot(
        "invitation_email",
        &format!("To: {}\nSubject: {}\n\n{}", sok.to, sok.subject, sok.text),
    );

    // Sok joins and completes the course, Pov joins and opens the first chapter, Vanna
    // does nothing yet.
    for (who, finish) in [("sok@example.org", true), ("pov@example.org", false)] {
        let join = to(who).link_path("/join/").expect("a join link");
        let learner = app.new_browser();
        learner.get(&join).await;
        let response = learner
            .submit(&join, &join, &[("password", PASSWORD)])
            .await;
        assert_eq!(location(&response), "/courses/minimal/water");
        if finish {
            complete_chapters(&learner).await;
            take(&learner, true).await;
        } else {
            page(&learner, "/courses/minimal/water").await;
        }
    }

    let id = cohort.rsplit('/').next().expect("the cohort's id");
    let response = app
        .get(&format!(
            "/coordinate/test-ministry/report.csv?cohort={id}&sort=name"
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    // As bytes: `text()` would drop the byte-order mark.
    let bytes = response.bytes().await.expect("the CSV");
    let csv = String::from_utf8(bytes.to_vec()).expect("UTF-8");
    snapshot("report_csv", &csv);
}
