//! The course studio (issue 29): a publisher starts a draft from a published version,
//! corrects a chapter with its Khmer and English side by side, is told of problems beside
//! the fields without losing a word, and publishes the draft through the same check and
//! preview as an upload. Two people saving one chapter: the second is told.

use reqwest::StatusCode;
use scraper::{Html, Selector};

use crate::course_upload::{minimal_zip, published_versions, publisher_of_test_ministry, upload};
use crate::helpers::{Backend, Browser, TestApp, attribute, location, texts};
use crate::{both_backends, spawn};

both_backends!(
    a_publisher_corrects_a_chapter_in_the_browser_and_publishes_it,
    a_save_with_problems_keeps_every_word_and_names_each_problem_beside_its_field,
    the_second_of_two_saves_of_one_chapter_is_told_and_overwrites_nothing,
    drafts_belong_to_their_organisation,
    the_settings_are_edited_in_a_form_and_checked_as_saved,
    chapters_are_added_moved_and_removed_keeping_their_keys,
);

/// Version 1 of the minimal course, published by test-ministry's publisher.
async fn published(app: &TestApp) -> Browser {
    let publisher = publisher_of_test_ministry(app).await;
    let (status, report) = upload(&publisher, "test-ministry", minimal_zip(None), "First").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let action = attribute(&report, "form[action$='/publish']", "action");
    publisher
        .submit("/publish/test-ministry", &action, &[])
        .await;
    assert_eq!(published_versions(app).await, 1);
    publisher
}

/// "Edit" on the published version: the draft's address.
async fn edit(publisher: &Browser) -> String {
    let (_, workspace) = publisher.get_html("/publish/test-ministry").await;
    let action = attribute(&workspace, "form[action$='/edit']", "action");
    let response = publisher
        .submit("/publish/test-ministry", &action, &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    location(&response)
}

/// The fields of the chapter form as the page fills them: inputs and textareas.
fn fields(html: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(html);
    let form = Selector::parse("main form input, main form textarea").unwrap();
    doc.select(&form)
        .filter_map(|e| {
            let name = e.value().attr("name")?.to_owned();
            // A box not ticked is not sent.
            if e.value().attr("type") == Some("checkbox") && e.value().attr("checked").is_none() {
                return None;
            }
            let value = match e.value().name() {
                "textarea" => e.text().collect::<String>(),
                _ => e.value().attr("value").unwrap_or_default().to_owned(),
            };
            Some((name, value))
        })
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Posts the chapter form as filled, with `changes` made to it.
async fn save(
    browser: &Browser,
    page: &str,
    filled: &[(String, String)],
    changes: &[(&str, &str)],
) -> reqwest::Response {
    let mut sent: Vec<(String, String)> = filled.to_vec();
    for (name, value) in changes {
        let slot = sent
            .iter_mut()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no field {name}"));
        slot.1 = (*value).to_owned();
    }
    let borrowed: Vec<(&str, &str)> = sent.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    browser.post_raw(page, &borrowed).await
}

async fn a_publisher_corrects_a_chapter_in_the_browser_and_publishes_it(backend: Backend) {
    let app = spawn!(backend);
    let publisher = published(&app).await;
    let draft = edit(&publisher).await;
    assert!(
        draft.starts_with("/publish/test-ministry/studio/"),
        "{draft}"
    );

    // The draft lists its chapters and finds no problem in a published course.
    let (status, html) = publisher.get_html(&draft).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&html, "ol.chapters a").len(), 2, "{html}");
    assert!(html.contains(&sala::i18n::translate(sala::i18n::Lang::Km, "studio-clean")));
    let chapter = format!("{draft}/chapters/latrines");
    assert_eq!(
        attribute(&html, "ol.chapters li:nth-child(2) a", "href"),
        chapter
    );

    // The chapter's Khmer and English, side by side, as the files hold them.
    let (status, html) = publisher.get_html(&chapter).await;
    assert_eq!(status, StatusCode::OK);
    let filled = fields(&html);
    assert_eq!(field(&filled, "title_en"), "Latrines");
    assert!(
        field(&filled, "body_en").contains("A gentle slope"),
        "{filled:?}"
    );
    assert!(!field(&filled, "body_km").is_empty());
    let corrected = field(&filled, "body_en").replace("A gentle slope", "A gentle, firm slope");
    let response = save(&publisher, &chapter, &filled, &[("body_en", &corrected)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("{chapter}?saved=1"));
    let (_, html) = publisher.get_html(&format!("{chapter}?saved=1")).await;
    assert!(field(&fields(&html), "body_en").contains("A gentle, firm slope"));
    assert_eq!(texts(&html, ".notice").len(), 1);

    // Check and preview makes the draft version; publishing it is version 2, and the
    // learner's chapter has the corrected words.
    let response = publisher
        .submit(
            &draft,
            &format!("{draft}/preview"),
            &[("note", "Firm slope")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report = response.text().await.unwrap();
    let action = attribute(&report, "form[action$='/publish']", "action");
    let response = publisher
        .submit("/publish/test-ministry", &action, &[])
        .await;
    assert_eq!(location(&response), "/publish/test-ministry?published=2");
    let reader = app.new_browser();
    reader.get("/lang/en?next=/").await;
    let (_, page) = reader.get_html("/courses/minimal/latrines").await;
    assert!(page.contains("A gentle, firm slope"), "{page}");
    // Only the changed file differs from version 1: the Khmer file is byte for byte the same.
    let km = |n: i64| {
        let db = app.db.clone();
        async move {
            db.read(move |conn| {
                let course = sala::db::courses::by_slug(conn, "minimal")?.unwrap();
                let v = sala::db::courses::published_id(conn, course.id, n as i32)?.unwrap();
                Ok::<_, sala::db::DbError>(
                    sala::db::sources::folder(conn, v)?["chapters/02-latrines.km.md"].clone(),
                )
            })
            .await
            .unwrap()
        }
    };
    assert_eq!(km(1).await, km(2).await);
    assert_eq!(app.rows("drafts").await, 1);
    let log = audit_actions(&app).await;
    assert!(log.contains(&"draft.created".to_owned()), "{log:?}");

    // Discarding the draft removes it, and it is said in the audit log.
    let response = publisher
        .submit(&draft, &format!("{draft}/discard"), &[])
        .await;
    assert_eq!(location(&response), "/publish/test-ministry");
    assert_eq!(app.rows("drafts").await, 0);
    assert_eq!(publisher.get(&draft).await.status(), StatusCode::NOT_FOUND);
    assert!(
        audit_actions(&app)
            .await
            .contains(&"draft.discarded".to_owned())
    );
}

async fn a_save_with_problems_keeps_every_word_and_names_each_problem_beside_its_field(
    backend: Backend,
) {
    let app = spawn!(backend);
    let publisher = published(&app).await;
    let draft = edit(&publisher).await;
    let chapter = format!("{draft}/chapters/water");
    let (_, html) = publisher.get_html(&chapter).await;
    let filled = fields(&html);
    let typed = format!(
        "{}\n\n<script>alert(1)</script>\n\nស្ពានឈើ",
        field(&filled, "body_km")
    );
    let response = save(
        &publisher,
        &chapter,
        &filled,
        &[("title_en", ""), ("minutes", "five"), ("body_km", &typed)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    let kept = fields(&html);
    assert_eq!(field(&kept, "minutes"), "five");
    assert!(field(&kept, "body_km").contains("<script>alert(1)</script>"));
    assert!(field(&kept, "body_km").contains("ស្ពានឈើ"));
    for name in ["title_en", "minutes", "body_km"] {
        assert!(
            !texts(&html, &format!("#{name}-problems .error")).is_empty(),
            "no problem beside {name}: {html}"
        );
    }
    assert!(texts(&html, "#body_en-problems .error").is_empty());
    // What the files could hold was saved: the page read again has the Khmer text.
    let (_, again) = publisher.get_html(&chapter).await;
    assert!(field(&fields(&again), "body_km").contains("ស្ពានឈើ"));
    // Publishing needs a clean check: the report lists the problems, no version is made.
    let response = publisher
        .submit(&draft, &format!("{draft}/preview"), &[("note", "")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!texts(&response.text().await.unwrap(), ".report li").is_empty());
    assert_eq!(published_versions(&app).await, 1);
}

async fn the_second_of_two_saves_of_one_chapter_is_told_and_overwrites_nothing(backend: Backend) {
    let app = spawn!(backend);
    let first = published(&app).await;
    let draft = edit(&first).await;
    let second = app
        .publisher_of("test-ministry", "second@example.org")
        .await;
    let chapter = format!("{draft}/chapters/water");
    let (_, one) = first.get_html(&chapter).await;
    let (_, two) = second.get_html(&chapter).await;
    let (one, two) = (fields(&one), fields(&two));

    let response = save(&first, &chapter, &one, &[("title_en", "Water for all")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = save(&second, &chapter, &two, &[("title_en", "Clean water")]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    // The second sees the first's text and still has their own in the form.
    assert!(
        texts(&html, ".theirs").len() == 2 && html.contains("Water for all"),
        "{html}"
    );
    let mine = fields(&html);
    assert_eq!(field(&mine, "title_en"), "Clean water");
    let (_, now) = first.get_html(&chapter).await;
    assert_eq!(field(&fields(&now), "title_en"), "Water for all");
    // Saving again after seeing both is the second's decision, and is taken.
    let response = save(&second, &chapter, &mine, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, now) = first.get_html(&chapter).await;
    assert_eq!(field(&fields(&now), "title_en"), "Clean water");
}

async fn drafts_belong_to_their_organisation(backend: Backend) {
    let app = spawn!(backend);
    let publisher = published(&app).await;
    let draft = edit(&publisher).await;
    let id = draft.rsplit('/').next().unwrap().to_owned();
    let other = app
        .publisher_of("other-ministry", "other@example.org")
        .await;
    // Not through test-ministry's address, nor through their own.
    assert_eq!(other.get(&draft).await.status(), StatusCode::FORBIDDEN);
    let theirs = format!("/publish/other-ministry/studio/{id}");
    assert_eq!(other.get(&theirs).await.status(), StatusCode::NOT_FOUND);
    let (_, page) = other.get_html("/publish/other-ministry").await;
    let token = crate::helpers::csrf_token(&page).unwrap();
    for action in [
        format!("{theirs}/discard"),
        format!("{theirs}/preview"),
        format!("{theirs}/chapters/water"),
    ] {
        let response = other.post_raw(&action, &[("csrf", token.as_str())]).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{action}");
    }
    // Nor can they start a draft from test-ministry's version.
    let (_, workspace) = publisher.get_html("/publish/test-ministry").await;
    let edit = attribute(&workspace, "form[action$='/edit']", "action");
    let version = edit.split('/').nth(4).unwrap().to_owned();
    let response = other
        .post_raw(
            &format!("/publish/other-ministry/versions/{version}/edit"),
            &[("csrf", token.as_str())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // A form without its token changes nothing.
    let response = publisher.post_raw(&format!("{draft}/discard"), &[]).await;
    assert_ne!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.rows("drafts").await, 1);
}

/// The actions in the audit log, newest first.
async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.db
        .read(|conn| sala::db::audit::list(conn, None, "", 100))
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .collect()
}

async fn the_settings_are_edited_in_a_form_and_checked_as_saved(backend: Backend) {
    let app = spawn!(backend);
    let publisher = published(&app).await;
    let draft = edit(&publisher).await;
    let page = format!("{draft}/settings");
    let (status, html) = publisher.get_html(&page).await;
    assert_eq!(status, StatusCode::OK);
    let filled = fields(&html);
    assert_eq!(field(&filled, "title_en"), "A test course");
    assert_eq!(field(&filled, "pass_mark"), "80");

    // A pass mark that is not a number and a missing Khmer title: told beside each field,
    // the form as typed, the rest saved.
    let response = save(
        &publisher,
        &page,
        &filled,
        &[
            ("pass_mark", "eighty"),
            ("title_km", ""),
            ("summary_en", "Shorter."),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert_eq!(field(&fields(&html), "pass_mark"), "eighty");
    for name in ["pass_mark", "title_km"] {
        assert!(
            !texts(&html, &format!("#{name}-problems .error")).is_empty(),
            "no problem beside {name}: {html}"
        );
    }
    let (_, again) = publisher.get_html(&page).await;
    assert_eq!(field(&fields(&again), "summary_en"), "Shorter.");

    // Corrected: saved, and "Check and preview" carries the new pass mark.
    let again = fields(&again);
    let response = save(
        &publisher,
        &page,
        &again,
        &[("pass_mark", "70"), ("title_km", "វគ្គសាកល្បង")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = publisher
        .submit(&draft, &format!("{draft}/preview"), &[("note", "Easier")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report = response.text().await.unwrap();
    let action = attribute(&report, "form[action$='/publish']", "action");
    publisher
        .submit("/publish/test-ministry", &action, &[])
        .await;
    let (_, workspace) = publisher.get_html("/publish/test-ministry").await;
    let link = attribute(&workspace, "td a[download]", "href");
    let zip = publisher.get(&link).await.bytes().await.unwrap();
    let folder = sala::courses::source::SourceFiles::from_zip(&zip).unwrap();
    let toml = folder.text("course.toml").unwrap();
    assert!(toml.contains("pass_mark = 70"), "{toml}");
    assert!(toml.contains("# Who signs"), "the comments stay: {toml}");
    assert!(!toml.contains("final_from_start"), "{toml}");
}

async fn chapters_are_added_moved_and_removed_keeping_their_keys(backend: Backend) {
    let app = spawn!(backend);
    let publisher = published(&app).await;
    let draft = edit(&publisher).await;
    let keys = |html: &str| -> Vec<String> { texts(html, "ol.chapters li small") };
    let add = format!("{draft}/chapters");
    let response = publisher
        .submit(
            &draft,
            &add,
            &[
                ("key", "ramps"),
                ("title_km", "ជម្រាល"),
                ("title_en", "Ramps"),
            ],
        )
        .await;
    assert_eq!(location(&response), draft);
    let (_, html) = publisher.get_html(&draft).await;
    assert_eq!(keys(&html), ["water", "latrines", "ramps"]);

    // A key that is taken, or not a key: told beside the field, the titles kept.
    for (key, why) in [
        ("ramps", "studio-key-taken"),
        ("Ramps & paths", "studio-key-invalid"),
    ] {
        let response = publisher
            .submit(
                &draft,
                &add,
                &[("key", key), ("title_km", ""), ("title_en", "Paths")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert_eq!(
            texts(&html, "#key-error"),
            [sala::i18n::translate(sala::i18n::Lang::Km, why)]
        );
        assert_eq!(attribute(&html, "#title_en", "value"), "Paths");
    }

    // Moved one place earlier; removed with its practice check.
    let response = publisher
        .submit(
            &draft,
            &format!("{draft}/chapters/ramps/move"),
            &[("earlier", "1")],
        )
        .await;
    assert_eq!(location(&response), draft);
    let (_, html) = publisher.get_html(&draft).await;
    assert_eq!(keys(&html), ["water", "ramps", "latrines"]);
    publisher
        .submit(&draft, &format!("{draft}/chapters/water/remove"), &[])
        .await;
    let (_, html) = publisher.get_html(&draft).await;
    assert_eq!(keys(&html), ["ramps", "latrines"]);
    let files = app
        .db
        .read(|conn| {
            let ministry = sala::db::organisations::find_by_slug(conn, "test-ministry")?.unwrap();
            let drafts = sala::db::drafts::of_organisations(conn, &[ministry.id])?;
            sala::db::drafts::files(conn, drafts[0].id)
        })
        .await
        .unwrap();
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert!(names.contains(&"chapters/01-ramps.en.md"), "{names:?}");
    assert!(names.contains(&"chapters/02-latrines.km.md"), "{names:?}");
    assert!(names.contains(&"quizzes/02-latrines.toml"), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("water")), "{names:?}");
    // The new chapter opens in its editor with its titles.
    let (status, html) = publisher.get_html(&format!("{draft}/chapters/ramps")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(field(&fields(&html), "title_en"), "Ramps");
    // Moving or removing a chapter the draft does not have is refused.
    let response = publisher
        .submit(&draft, &format!("{draft}/chapters/nowhere/remove"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
