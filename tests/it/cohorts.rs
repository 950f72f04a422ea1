//! Cohorts: a coordinator invites a province's staff from a CSV with a few bad rows, the
//! invitees join in one step, and reminders go out on schedule (the server's clock moved
//! forward), once each, never to those who finished or asked to stop.

use chrono::Duration;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::final_assessment::{complete_chapters, fixtures, take};
use crate::helpers::smtp::SmtpSink;
use crate::helpers::{Backend, Browser, Email, PASSWORD, TestApp, csrf_token, location, texts};
use crate::{both_backends, spawn};

both_backends!(
    a_coordinator_invites_a_province_from_a_csv_with_a_few_bad_rows,
    reminders_go_out_on_schedule_once_and_never_to_those_done_or_opted_out,
    the_report_counts_exactly_who_started_progressed_and_finished,
);

/// A province office under the test ministry, and a coordinator of the ministry signed in
/// on the app's browser. Returns the office's id.
pub(crate) async fn coordinator_with_office(app: &TestApp) -> String {
    let parent: sala::organisations::OrganisationId = ministry(app).await.parse().unwrap();
    let created = sala::organisations::create(
        &app.db,
        sala::organisations::NewOrganisation::parse(
            "pdrd-kratie",
            "provincial_office",
            "មន្ទីរអភិវឌ្ឍន៍ជនបទខេត្តក្រចេះ",
            "PDRD Kratie",
            Some(parent),
            Some(10),
        )
        .expect("valid organisation"),
        crate::helpers::now(),
    )
    .await;
    assert!(created.is_ok(), "{created:?}");
    app.get("/lang/en?next=/").await;
    app.register("coordinator@example.org", "Coordinator").await;
    let email = sala::accounts::Email::parse("coordinator@example.org").unwrap();
    let (user, org) = app
        .db
        .read(move |conn| {
            let user = sala::db::users::find_by_email(conn, &email)?.unwrap().0;
            let org = sala::db::organisations::find_by_slug(conn, "test-ministry")?.unwrap();
            Ok::<_, sala::db::DbError>((user.id, org.id))
        })
        .await
        .unwrap();
    let actor = sala::audit::Actor {
        user: Some(user),
        label: "test".into(),
        address: None,
    };
    sala::accounts::roles::grant(
        &app.db,
        user,
        sala::accounts::Role::Coordinator,
        org,
        actor,
        crate::helpers::now(),
    )
    .await
    .unwrap();
    org_id(app, "pdrd-kratie").await
}

async fn org_id(app: &TestApp, slug: &'static str) -> String {
    app.db
        .read(move |conn| sala::db::organisations::find_by_slug(conn, slug))
        .await
        .unwrap()
        .unwrap()
        .id
        .0
        .to_string()
}

async fn ministry(app: &TestApp) -> String {
    org_id(app, "test-ministry").await
}

/// Creates a cohort for the minimal course through the form; returns its page.
pub(crate) async fn create_cohort(app: &TestApp, office: &str, due_in_days: i64) -> String {
    let course = app
        .db
        .read(|conn| sala::db::courses::by_source_id(conn, "minimal"))
        .await
        .unwrap()
        .expect("the minimal course is published")
        .id
        .to_string();
    let today = app.clock.now().date();
    let (start, due) = (
        today.to_string(),
        (today + Duration::days(due_in_days)).to_string(),
    );
    let response = app
        .submit(
            "/coordinate/test-ministry/cohorts/new",
            "/coordinate/test-ministry/cohorts",
            &[
                ("name", "PDRD Kratié — December 2026"),
                ("course", &course),
                ("starts_on", &start),
                ("due_on", &due),
                ("office", office),
                ("remind_not_started", "3"),
                ("remind_idle", "7"),
                ("remind_before_due", "5"),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{}",
        response.text().await.unwrap()
    );
    location(&response)
}

/// Posts a roster to the cohort, as a file; `confirm` invites instead of previewing.
pub(crate) async fn send_roster(
    browser: &Browser,
    cohort: &str,
    csv: &str,
    confirm: bool,
) -> reqwest::Response {
    let (_, html) = browser.get_html(cohort).await;
    let token = csrf_token(&html).expect("csrf");
    let mut form = Form::new().text("csrf", token).part(
        "file",
        Part::bytes(csv.as_bytes().to_vec())
            .file_name("staff.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    if confirm {
        form = form.text("confirm", "1");
    }
    browser
        .client
        .post(browser.url(&format!("{cohort}/roster")))
        .multipart(form)
        .send()
        .await
        .expect("POST roster")
}

pub(crate) const ROSTER: &str = "\u{feff}ឈ្មោះជាភាសាខ្មែរ,ឈ្មោះជាអក្សរឡាតាំង,អ៊ីមែល,ការិយាល័យ,ខេត្ត,តួនាទី\n\
    សុខ ចាន់ធា,Sok Chantha,sok@example.org,PDRD Kratie,ក្រចេះ,Officer\n\
    ស្រី ពៅ,Srey Pov,pov@example.org,pdrd-kratie,Kratie,\"Chief, WASH\"\n\
    វណ្ណា ឌី,Vanna Dy,vanna@example.org,,Kratie,Officer\n\
    ចាន់ ណា,Chan Na,chan.na@example,PDRD Kratie,Kratie,Officer\n\
    គឹម លី,Kim Ly,kim@example.org,PDRD Kratie,Atlantis,Officer\n\
    សុខ ចាន់ធា,Sok Chantha,SOK@example.org,PDRD Kratie,Kratie,Officer\n";

pub(crate) async fn invitations(app: &TestApp) -> Vec<sala::cohorts::Invitation> {
    let id = app
        .db
        .read(|conn| {
            use diesel::prelude::*;
            sala::db::schema::cohorts::table
                .select(sala::db::schema::cohorts::id)
                .first::<i64>(conn)
                .map_err(sala::db::DbError::from)
        })
        .await
        .unwrap();
    app.db
        .read(move |conn| sala::db::cohorts::invitations_of(conn, sala::model::ids::CohortId(id)))
        .await
        .unwrap()
}

fn join_link(mail: &Email) -> String {
    mail.link_path("/join/").expect("a join link")
}

async fn a_coordinator_invites_a_province_from_a_csv_with_a_few_bad_rows(backend: Backend) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn!(backend, move |s| {
        s.courses_dir = fixtures();
        s.smtp_url = Some(url);
    });
    let office = coordinator_with_office(&app).await;
    // Pov already has an account; Sok and Vanna do not.
    app.new_browser()
        .register("pov@example.org", "Srey Pov")
        .await;
    let cohort = create_cohort(&app, &office, 30).await;

    // The preview: three accepted, three rejected with their reasons, nobody invited yet.
    let response = send_roster(&app, &cohort, ROSTER, false).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert_eq!(texts(&html, "#roster tr.accepted").len(), 3, "{html}");
    let rejected = texts(&html, "#roster tr.rejected");
    assert_eq!(rejected.len(), 3);
    assert!(
        rejected[0].contains("email address like"),
        "{}",
        rejected[0]
    );
    assert!(rejected[1].contains("unknown province"), "{}", rejected[1]);
    assert!(
        rejected[2].contains("same email as line 2"),
        "{}",
        rejected[2]
    );
    assert_eq!(app.rows("invitations").await, 0);

    // Invite: three people, three emails, through the outbox.
    let response = send_roster(&app, &cohort, ROSTER, true).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).ends_with("?invited=3"));
    assert_eq!(app.rows("invitations").await, 3);
    let mail = sink.wait_for(3).await;
    assert_eq!(mail.len(), 3);
    let to_sok = mail.iter().find(|m| m.to == "sok@example.org").unwrap();
    assert!(to_sok.subject.contains("អ្នកត្រូវបានអញ្ជើញ") && to_sok.subject.contains("You are invited"));
    assert!(to_sok.text.contains("សុខ ចាន់ធា") && to_sok.text.contains("Sok Chantha"));

    // The same file again invites nobody twice.
    let response = send_roster(&app, &cohort, ROSTER, false).await;
    let html = response.text().await.unwrap();
    assert_eq!(texts(&html, "#roster tr.accepted").len(), 0);
    assert!(html.contains("already invited"));
    let response = send_roster(&app, &cohort, ROSTER, true).await;
    assert!(location(&response).ends_with("?invited=0"));
    assert_eq!(app.rows("invitations").await, 3);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 3);

    // The coordinator sees who was invited; the audit log says who invited them.
    let (_, html) = app.get_html(&cohort).await;
    let people = texts(&html, "#invited tbody tr");
    assert_eq!(people.len(), 3);
    assert!(people.iter().any(|p| p.contains("PDRD Kratie")));
    let entries = app
        .db
        .read(|conn| sala::db::audit::list(conn, Some("people.invited"), "", 10))
        .await
        .unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].detail, "3 invited, 3 rejected");
    assert_eq!(entries[1].actor, "coordinator@example.org");

    // Sok has no account: one form, then the first chapter.
    let sok = app.new_browser();
    let link = join_link(to_sok);
    let (status, html) = sok.get_html(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("sok@example.org"));
    let response = sok.submit(&link, &link, &[("password", PASSWORD)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/courses/minimal/water");
    assert_eq!(
        sok.get("/courses/minimal/water").await.status(),
        StatusCode::OK
    );
    let (_, html) = sok.get_html("/account").await;
    assert!(
        html.contains("Sok Chantha"),
        "the names the coordinator gave"
    );

    // Pov has an account: signing in takes up the invitation and lands in the course.
    let pov = app.new_browser();
    let to_pov = mail.iter().find(|m| m.to == "pov@example.org").unwrap();
    let link = join_link(to_pov);
    let response = pov.get(&link).await;
    assert_eq!(location(&response), format!("/sign-in?next={link}"));
    let response = pov
        .submit(
            &location(&response),
            "/sign-in",
            &[
                ("email", "pov@example.org"),
                ("password", PASSWORD),
                ("next", &link),
            ],
        )
        .await;
    assert_eq!(location(&response), link);
    assert_eq!(location(&pov.get(&link).await), "/courses/minimal/water");

    let joined: Vec<_> = invitations(&app)
        .await
        .into_iter()
        .filter(|i| i.accepted_at.is_some())
        .map(|i| i.email)
        .collect();
    assert_eq!(joined, ["sok@example.org", "pov@example.org"]);

    // A forged or altered link is refused, and changes nothing.
    let forged = link.replace("/join/", "/join/9").to_owned();
    assert_eq!(
        app.new_browser().get(&forged).await.status(),
        StatusCode::GONE
    );
}

async fn reminders_go_out_on_schedule_once_and_never_to_those_done_or_opted_out(backend: Backend) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn!(backend, move |s| {
        s.courses_dir = fixtures();
        s.smtp_url = Some(url);
    });
    let office = coordinator_with_office(&app).await;
    let cohort = create_cohort(&app, &office, 30).await;
    let roster = "name_km,name_latin,email,office\n\
        អា,Idle Never,never@example.org,pdrd-kratie\n\
        ប៊ី,Stalls Early,stalls@example.org,pdrd-kratie\n\
        ស៊ី,Finishes Fast,finishes@example.org,pdrd-kratie\n\
        ឌី,Opts Out,optout@example.org,pdrd-kratie\n";
    send_roster(&app, &cohort, roster, true).await;
    let invited = sink.wait_for(4).await;
    assert_eq!(invited.len(), 4);
    let mail_to = |who: &str| invited.iter().find(|m| m.to == who).unwrap().clone();

    // Stalls opens the first chapter and stops; Finishes completes the course; Opts Out
    // follows the stop link in the invitation.
    for (who, finish) in [
        ("stalls@example.org", false),
        ("finishes@example.org", true),
    ] {
        let browser = app.new_browser();
        let link = join_link(&mail_to(who));
        browser.get(&link).await;
        browser
            .submit(&link, &link, &[("password", PASSWORD)])
            .await;
        if finish {
            complete_chapters(&browser).await;
            take(&browser, true).await;
        } else {
            assert_eq!(
                browser.get("/courses/minimal/water").await.status(),
                StatusCode::OK
            );
        }
    }
    let stop = mail_to("optout@example.org")
        .link_path("/reminders/stop/")
        .expect("a stop link");
    let optout = app.new_browser();
    let (status, _) = optout.get_html(&stop).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "opening the link alone stops nothing"
    );
    let response = optout.submit(&stop, &stop, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);

    let reminders = |sink: &SmtpSink| {
        let mut list: Vec<(String, String)> = sink
            .messages()
            .into_iter()
            .filter(|m| m.subject.contains("Reminder"))
            .map(|m| {
                let rule = if m.text.contains("not started") {
                    "not started"
                } else if m.text.contains("waiting where you left it") {
                    "idle"
                } else {
                    "due"
                };
                (m.to, rule.to_owned())
            })
            .collect();
        list.sort();
        list
    };
    let settle = || tokio::time::sleep(std::time::Duration::from_millis(700));

    // Day 2: nothing yet.
    app.advance(Duration::days(2));
    settle().await;
    assert!(reminders(&sink).is_empty());
    // Day 3: the one who never started (not the one who opted out).
    app.advance(Duration::days(1) + Duration::hours(1));
    settle().await;
    assert_eq!(
        reminders(&sink),
        [("never@example.org".into(), "not started".into())]
    );
    // Waking again sends nothing twice.
    app.advance(Duration::minutes(10));
    settle().await;
    assert_eq!(reminders(&sink).len(), 1);
    // Day 8: the one who stalled a week ago. Two more instances' schedulers look at the
    // same moment on the same database (and this instance's own may too): one email.
    app.clock.advance(Duration::days(5));
    let letters = std::sync::Arc::new(sala::cohorts::letters::Letters {
        templates: sala::templates::load().unwrap(),
        base_url: "http://localhost/".parse().unwrap(),
        links: sala::cohorts::links::Links::new(b"another instance"),
    });
    let at = app.clock.now();
    let (one, two) = tokio::join!(
        sala::cohorts::reminders::send_due(&app.db, letters.clone(), at),
        sala::cohorts::reminders::send_due(&app.db, letters, at),
    );
    assert!(one.unwrap() + two.unwrap() <= 1);
    app.jobs.wake();
    settle().await;
    assert_eq!(reminders(&sink).len(), 2);
    assert!(reminders(&sink).contains(&("stalls@example.org".into(), "idle".into())));
    assert_eq!(app.rows("reminders_sent").await, 2);
    // Day 25, five days before the due date: everyone not finished and not opted out.
    app.advance(Duration::days(17));
    settle().await;
    let all = reminders(&sink);
    assert_eq!(all.len(), 4, "{all:?}");
    assert!(all.contains(&("never@example.org".into(), "due".into())));
    assert!(all.contains(&("stalls@example.org".into(), "due".into())));
    assert!(
        all.iter()
            .all(|(to, _)| to != "finishes@example.org" && to != "optout@example.org")
    );
    assert_eq!(app.rows("reminders_sent").await, 4);
    // And every reminder carries the links to continue and to stop.
    let one = sink
        .messages()
        .into_iter()
        .find(|m| m.subject.contains("Reminder"))
        .unwrap();
    assert!(one.link_path("/join/").is_some() && one.link_path("/reminders/stop/").is_some());
}

/// The numbers of a column of a report table, by row.
fn column(html: &str, table: &str, class: &str) -> Vec<String> {
    texts(html, &format!("#{table} tbody td.{class}"))
}

async fn the_report_counts_exactly_who_started_progressed_and_finished(backend: Backend) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn!(backend, move |s| {
        s.courses_dir = fixtures();
        s.smtp_url = Some(url);
    });
    let office = coordinator_with_office(&app).await;
    let cohort = create_cohort(&app, &office, 30).await;
    let roster = "name_km,name_latin,email,office,province\n\
        អា,Alpha Invited,a@example.org,pdrd-kratie,12\n\
        ប៊ី,Bravo Joined,b@example.org,pdrd-kratie,10\n\
        ស៊ី,Charlie Started,c@example.org,pdrd-kratie,10\n\
        ឌី,Delta Halfway,d@example.org,pdrd-kratie,10\n\
        អ៊ី,Echo Certified,e@example.org,pdrd-kratie,10\n";
    send_roster(&app, &cohort, roster, true).await;
    let mail = sink.wait_for(5).await;
    let link = |who: &str| join_link(mail.iter().find(|m| m.to == who).unwrap());
    for who in [
        "b@example.org",
        "c@example.org",
        "d@example.org",
        "e@example.org",
    ] {
        let browser = app.new_browser();
        let join = link(who);
        browser.get(&join).await;
        // Joining answers with a redirect to the first chapter, not yet followed.
        let response = browser
            .submit(&join, &join, &[("password", PASSWORD)])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        match who {
            "c@example.org" => {
                browser.get("/courses/minimal/water").await;
            }
            "d@example.org" => {
                let page = "/courses/minimal/water";
                browser
                    .submit(page, &format!("{page}/check"), &[("q.q1", "a")])
                    .await;
            }
            "e@example.org" => {
                complete_chapters(&browser).await;
                take(&browser, false).await;
                take(&browser, true).await;
            }
            _ => {}
        }
    }

    // Echo was told by email that the certificate is ready, with the link to check it.
    let notices: Vec<Email> = sink
        .wait_for(6)
        .await
        .into_iter()
        .filter(|m| m.subject.contains("Your certificate is ready"))
        .collect();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].to, "e@example.org");
    assert!(
        notices[0].link_path("/verify/").is_some(),
        "{}",
        notices[0].text
    );
    assert!(notices[0].text.contains("Echo Certified"));

    let id = cohort.rsplit('/').next().unwrap();
    let (status, html) = app
        .get_html(&format!("/coordinate/test-ministry/report?cohort={id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        column(&html, "funnel", "count"),
        ["5", "4", "3", "2", "1", "1"]
    );
    assert_eq!(
        column(&html, "funnel", "percent"),
        ["100", "80", "60", "40", "20", "20"]
    );
    assert_eq!(column(&html, "reach", "count"), ["3", "1"]);
    assert_eq!(column(&html, "reach", "percent"), ["60", "20"]);
    let missed = column(&html, "missed", "count");
    assert!(
        !missed.is_empty() && missed.iter().all(|m| m == "1 / 2"),
        "{missed:?}"
    );
    assert!(html.contains("<svg") && !html.contains("<script"));
    assert!(texts(&html, "#median")[0].contains("days"));
    let stages: Vec<String> = texts(&html, "#people-list tbody tr")
        .into_iter()
        .map(|row| row.split_whitespace().next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(stages, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]);
    assert_eq!(texts(&html, "#people-count"), ["People 1 to 5 of 5"]);

    // Asked for four times at once (the figures of the same population are computed once
    // and shared), each page has the same figures and its own people list.
    let urls: Vec<String> = ["name", "stage", "last", "name"]
        .iter()
        .map(|order| format!("/coordinate/test-ministry/report?cohort={id}&sort={order}"))
        .collect();
    let pages = futures_util::future::join_all(urls.iter().map(|url| app.get_html(url))).await;
    for (status, page) in &pages {
        assert_eq!(*status, StatusCode::OK);
        assert_eq!(
            column(page, "funnel", "count"),
            ["5", "4", "3", "2", "1", "1"]
        );
        assert_eq!(column(page, "reach", "count"), ["3", "1"]);
        assert_eq!(column(page, "missed", "count"), missed);
    }
    let first_names = |page: &str| {
        texts(page, "#people-list tbody tr")
            .into_iter()
            .map(|row| row.split_whitespace().next().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(first_names(&pages[1].1)[0], "Echo", "sorted by stage");

    // Narrowed to a stage, and to a province (Alpha is in Phnom Penh).
    let (_, html) = app
        .get_html(&format!(
            "/coordinate/test-ministry/report?cohort={id}&stage=half_way"
        ))
        .await;
    assert_eq!(texts(&html, "#people-list tbody tr").len(), 1);
    let (_, html) = app
        .get_html(&format!(
            "/coordinate/test-ministry/report?cohort={id}&province=12"
        ))
        .await;
    assert_eq!(
        column(&html, "funnel", "count"),
        ["1", "0", "0", "0", "0", "0"]
    );
    // The other four, in Kratie: the same questions missed. The whole cohort (5 people,
    // more than twice the 2 attempts made) was counted from the attempts; these 4 are
    // counted from their accounts (`db::reports::missed` chooses by size).
    let (_, html) = app
        .get_html(&format!(
            "/coordinate/test-ministry/report?cohort={id}&province=10"
        ))
        .await;
    assert_eq!(column(&html, "funnel", "count")[0], "4");
    assert_eq!(column(&html, "missed", "count"), missed);
    // The form as a browser sends it, with "—" chosen for office: the whole course.
    let (status, html) = app
        .get_html("/coordinate/test-ministry/report?cohort=&course=minimal&office=&province=")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        column(&html, "funnel", "count"),
        ["5", "4", "3", "2", "1", "1"]
    );
    let (_, html) = app
        .get_html(&format!(
            "/coordinate/test-ministry/report?course=minimal&office={office}"
        ))
        .await;
    assert_eq!(column(&html, "funnel", "count")[0], "5");

    // The CSV: UTF-8 with a byte-order mark, one line a person, and an audit entry.
    let response = app
        .get(&format!(
            "/coordinate/test-ministry/report.csv?cohort={id}&sort=stage"
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}name_km,name_latin".as_bytes()));
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6);
    assert!(
        lines[1].starts_with("អ៊ី,Echo Certified,e@example.org,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains(",certified,2,"));
    let exports = app
        .db
        .read(|conn| sala::db::audit::list(conn, Some("personal_data.exported"), "", 10))
        .await
        .unwrap();
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].actor, "coordinator@example.org");

    // The search finds a name whatever its case, or an office; sorted by last activity,
    // those who never opened the course come last.
    let report = format!("/coordinate/test-ministry/report?cohort={id}");
    let (_, html) = app.get_html(&format!("{report}&q=ECHO")).await;
    assert_eq!(texts(&html, "#people-count"), ["People 1 to 1 of 1"]);
    let (_, html) = app
        .get_html(&format!("{report}&q=pdrd%20kratie&sort=last"))
        .await;
    assert_eq!(texts(&html, "#people-count"), ["People 1 to 5 of 5"]);
    let names: Vec<String> = texts(&html, "#people-list tbody tr")
        .into_iter()
        .map(|row| row.split_whitespace().next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names[3..], ["Alpha", "Bravo"]);
    // A page past the end shows the last page.
    let (_, html) = app.get_html(&format!("{report}&page=7")).await;
    assert_eq!(texts(&html, "#people-count"), ["People 1 to 5 of 5"]);

    // A revoked certificate takes Echo back to "finished".
    let serial = app
        .db
        .read(|conn| {
            let echo = sala::accounts::Email::parse("e@example.org").unwrap();
            let user = sala::db::users::find_by_email(conn, &echo)?.unwrap().0;
            sala::db::certificates::of_user(conn, user.id)
        })
        .await
        .unwrap()[0]
        .serial
        .clone();
    let staff_page = "/issuers/test-ministry/certificates";
    let response = app
        .submit(
            staff_page,
            &format!("{staff_page}/{serial}/revoke"),
            &[("reason", "Issued in error")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html(&report).await;
    assert_eq!(
        column(&html, "funnel", "count"),
        ["5", "4", "3", "2", "1", "0"]
    );

    // Upgrading a database that has progress but no summaries yet (migrations 000011 on:
    // the summary, the chapters opened, the tally of each attempt) computes the same
    // summaries and the same report from the rows.
    let summaries =
        |db: sala::db::Db| async move { db.read(sala::db::reports::summaries).await.unwrap() };
    let kept = summaries(app.db.clone()).await;
    assert_eq!(kept.0.len(), 3, "{kept:?}");
    assert_eq!(kept.1.len(), 2, "Echo's two attempts");
    assert!(
        kept.1
            .iter()
            .all(|(_, answered, missed)| answered.is_some() && missed.is_some())
    );
    app.db
        .blocking(|conn| {
            sala::db::migrations::revert_from(conn, "2026-12-05-000011_learner_summary")
        })
        .unwrap();
    app.db.migrate().unwrap();
    assert_eq!(summaries(app.db.clone()).await, kept);
    // Reverting that far also reverts the sessions table: everyone signs in again.
    app.sign_in("coordinator@example.org", PASSWORD).await;
    let (_, html) = app.get_html(&report).await;
    assert_eq!(
        column(&html, "funnel", "count"),
        ["5", "4", "3", "2", "1", "0"]
    );
    assert_eq!(column(&html, "reach", "count"), ["3", "1"]);
    assert_eq!(column(&html, "missed", "count"), missed);

    // What has no bit or no tally (a chapter beyond a course's 63, an attempt at a final
    // assessment of more than 63 questions) is counted from its rows: the same report.
    app.db
        .blocking(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute(
                "DELETE FROM chapter_bits; \
                 UPDATE attempts SET answered_bits = NULL, missed_bits = NULL \
                 WHERE id = (SELECT MIN(id) FROM attempts)",
            )
            .map_err(sala::db::DbError::from)
        })
        .unwrap();
    let (_, html) = app.get_html(&report).await;
    assert_eq!(column(&html, "reach", "count"), ["3", "1"]);
    assert_eq!(column(&html, "missed", "count"), missed);

    // A learner cannot see the report.
    let learner = app.new_browser();
    learner.sign_in("e@example.org", PASSWORD).await;
    let response = learner
        .get(&format!("/coordinate/test-ministry/report?cohort={id}"))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
