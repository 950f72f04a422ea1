//! Admins, organisations and scoped roles: who may do what, decided in one place.

use reqwest::StatusCode;

use crate::helpers::{Backend, TestApp, location, texts};
use crate::{both_backends, spawn};

both_backends!(
    learners_and_strangers_cannot_open_admin_pages,
    an_admin_builds_the_organisation_tree,
    a_publisher_acts_for_their_ministry_and_below_but_not_another,
    bad_organisation_input_changes_nothing,
    the_last_admin_stays,
);

async fn learners_and_strangers_cannot_open_admin_pages(backend: Backend) {
    let app = spawn!(backend);
    let response = app.get("/admin/users").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/sign-in?next="));

    app.register("learner@example.org", "Learner").await;
    for path in ["/admin/users", "/admin/organisations", "/admin/users/1"] {
        let (status, html) = app.get_html(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(html.contains("មិនអនុញ្ញាត"), "a page in Khmer: {html}");
    }
    let response = app
        .submit(
            "/account",
            "/admin/organisations",
            &[("slug", "x"), ("kind", "ministry")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

async fn create_org(
    app: &TestApp,
    slug: &str,
    name: &str,
    kind: &str,
    parent: &str,
) -> reqwest::Response {
    app.submit(
        "/admin/organisations",
        "/admin/organisations",
        &[
            ("name_km", "ក្រសួងអភិវឌ្ឍន៍ជនបទ"),
            ("name_en", name),
            ("slug", slug),
            ("kind", kind),
            ("parent", parent),
            ("province", ""),
        ],
    )
    .await
}

async fn org_id(app: &TestApp, slug: &str) -> String {
    let db = app.db.clone();
    let slug = slug.to_owned();
    db.read(move |conn| sala::db::organisations::find_by_slug(conn, &slug))
        .await
        .unwrap()
        .map(|o| o.id.0.to_string())
        .expect("organisation exists")
}

async fn user_id(app: &TestApp, email: &str) -> String {
    let db = app.db.clone();
    let email = sala::accounts::Email::parse(email).unwrap();
    db.read(move |conn| sala::db::users::find_by_email(conn, &email))
        .await
        .unwrap()
        .map(|(u, _)| u.id.0.to_string())
        .expect("user exists")
}

/// Submits the admin's "give a role" form on the person's page.
async fn grant(app: &TestApp, user: &str, role: &str, organisation: &str) -> reqwest::Response {
    let page = format!("/admin/users/{user}");
    app.submit(
        &page,
        &format!("{page}/roles"),
        &[("role", role), ("organisation", organisation)],
    )
    .await
}

async fn an_admin_builds_the_organisation_tree(backend: Backend) {
    let app = spawn!(backend);
    app.signed_in_admin("admin@example.org").await;
    let response = create_org(&app, "mrd", "Ministry of Rural Development", "ministry", "").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let mrd = org_id(&app, "mrd").await;
    let response = create_org(
        &app,
        "pdrd-kratie",
        "PDRD Kratie",
        "provincial_office",
        &mrd,
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let (status, html) = app.get_html("/admin/organisations").await;
    assert_eq!(status, StatusCode::OK);
    let rows = texts(&html, ".tree li");
    assert_eq!(rows.len(), 2);
    assert!(rows[0].contains("mrd"));
    assert!(html.contains(r#"class="depth-1""#));
}

async fn a_publisher_acts_for_their_ministry_and_below_but_not_another(backend: Backend) {
    let app = spawn!(backend);
    app.signed_in_admin("admin@example.org").await;
    create_org(&app, "mrd", "Ministry of Rural Development", "ministry", "").await;
    let mrd = org_id(&app, "mrd").await;
    create_org(
        &app,
        "pdrd-kratie",
        "PDRD Kratie",
        "provincial_office",
        &mrd,
    )
    .await;
    create_org(&app, "moh", "Ministry of Health", "ministry", "").await;

    let publisher = app.new_browser();
    publisher.register("pub@example.org", "Publisher").await;
    let id = user_id(&app, "pub@example.org").await;
    let page = format!("/admin/users/{id}");
    let response = grant(&app, &id, "publisher", &mrd).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = grant(&app, &id, "coordinator", &mrd).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    assert_eq!(publisher.get("/publish/mrd").await.status(), StatusCode::OK);
    assert_eq!(
        publisher.get("/publish/pdrd-kratie").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        publisher.get("/publish/moh").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        publisher.get("/coordinate/moh").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        publisher.get("/publish/nowhere").await.status(),
        StatusCode::NOT_FOUND
    );
    // The publisher puts themselves in the provincial office: as coordinator they see it.
    let kratie = org_id(&app, "pdrd-kratie").await;
    let profile = [
        ("name_km", "សុខ ចាន់ធា"),
        ("name_latin", "Publisher Person"),
        ("position", "Officer"),
        ("province", "10"),
        ("organisation", kratie.as_str()),
        ("lang", "km"),
    ];
    let response = publisher.submit("/account", "/account", &profile).await;
    assert_eq!(location(&response), "/account?saved=1");
    let (status, html) = publisher.get_html("/coordinate/mrd").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        texts(&html, "td").contains(&"Publisher Person".to_owned()),
        "{html}"
    );

    // The admin is not a publisher just by being an admin.
    assert_eq!(
        app.get("/publish/mrd").await.status(),
        StatusCode::FORBIDDEN
    );

    // Removing the role takes the right away at once.
    let (_, html) = app.get_html(&page).await;
    let doc = scraper::Html::parse_document(&html);
    let selector = scraper::Selector::parse("form[action*='/remove']").unwrap();
    let actions: Vec<String> = doc
        .select(&selector)
        .filter_map(|f| f.value().attr("action").map(str::to_owned))
        .collect();
    assert_eq!(actions.len(), 2);
    for action in &actions {
        let response = app.submit(&page, action, &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(
        publisher.get("/publish/mrd").await.status(),
        StatusCode::FORBIDDEN
    );
}

async fn bad_organisation_input_changes_nothing(backend: Backend) {
    let app = spawn!(backend);
    app.signed_in_admin("admin@example.org").await;
    create_org(&app, "mrd", "Ministry", "ministry", "").await;
    let cases = [
        ("Bad Slug!", "ministry", "", "slug"),
        ("mrd", "ministry", "", "slug"),
        ("new-one", "castle", "", "kind"),
        ("new-two", "department", "999999", "parent"),
        ("new-three", "department", "not-a-number", "parent"),
    ];
    for (slug, kind, parent, field) in cases {
        let response = create_org(&app, slug, "Another", kind, parent).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{slug} {kind} {parent}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"class="field invalid""#), "{field}: {html}");
    }
    let (_, html) = app.get_html("/admin/organisations").await;
    assert_eq!(texts(&html, ".tree li").len(), 1);

    let id = user_id(&app, "admin@example.org").await;
    let response = grant(&app, &id, "emperor", "1").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = grant(&app, &id, "publisher", "424242").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get("/admin/users/999999").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn the_last_admin_stays(backend: Backend) {
    let app = spawn!(backend);
    app.signed_in_admin("admin@example.org").await;
    let id = user_id(&app, "admin@example.org").await;
    let page = format!("/admin/users/{id}");
    let response = app
        .submit(&page, &format!("{page}/admin"), &[("is_admin", "false")])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/admin/users").await.status(), StatusCode::OK);
}

both_backends!(the_audit_log_records_who_did_what_and_cannot_be_changed);

async fn the_audit_log_records_who_did_what_and_cannot_be_changed(backend: Backend) {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/courses");
    let app = spawn!(backend, move |s| s.courses_dir = fixtures);
    // A learner completes the test course (a certificate is issued), then an admin gives
    // someone a role and takes it away again.
    let learner = app.new_browser();
    learner.register("dara@example.org", "Dara Sok").await;
    crate::final_assessment::complete_chapters(&learner).await;
    crate::final_assessment::take(&learner, true).await;
    app.signed_in_admin("admin@example.org").await;
    let (_, html) = app.get_html("/admin/users?q=dara").await;
    let id = crate::helpers::href(&html, "table a")
        .trim_start_matches("/admin/users/")
        .to_owned();
    let org = app
        .db
        .read(|conn| sala::db::organisations::find_by_slug(conn, "test-ministry"))
        .await
        .unwrap()
        .unwrap()
        .id
        .0
        .to_string();
    let response = grant(&app, &id, "coordinator", &org).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let (status, html) = app.get_html("/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<String> = crate::helpers::texts(&html, "#audit tbody tr td:nth-child(3)");
    // The organisations' seed added two signatories; publishing asked test-ngo to co-sign.
    assert_eq!(actions.len(), 6, "{html}");
    assert!(html.contains("data-action=\"signatory.added\""));
    assert!(html.contains("data-action=\"cosign.requested\""));
    assert!(html.contains("data-action=\"role.granted\""));
    assert!(html.contains("data-action=\"certificate.issued\""));
    assert!(html.contains("data-action=\"course.published\""));
    assert!(html.contains("admin@example.org"), "who granted the role");
    assert!(html.contains("127.0.0.1"), "from where");
    let (_, html) = app.get_html("/admin/audit?action=role.granted").await;
    assert_eq!(crate::helpers::texts(&html, "#audit tbody tr").len(), 1);
    let (_, html) = app.get_html("/admin/audit?q=dara").await;
    assert_eq!(
        crate::helpers::texts(&html, "#audit tbody tr").len(),
        2,
        "{html}"
    );
    // Learners may not read it.
    let (status, _) = learner.get_html("/admin/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Append-only: the database itself refuses to change or remove an entry.
    let refused = app
        .db
        .write(|conn| {
            use diesel::RunQueryDsl;
            let update =
                diesel::sql_query("UPDATE audit_log SET actor = 'someone else'").execute(conn);
            Ok::<_, sala::db::DbError>(update.is_err())
        })
        .await
        .unwrap();
    assert!(refused, "an update is refused");
    let refused = app
        .db
        .write(|conn| {
            use diesel::RunQueryDsl;
            let delete = diesel::sql_query("DELETE FROM audit_log").execute(conn);
            Ok::<_, sala::db::DbError>(delete.is_err())
        })
        .await
        .unwrap();
    assert!(refused, "a delete is refused");
    assert_eq!(app.rows("audit_log").await, 6);
}
