//! Hostile input, generated (proptest): the CSV invitation reader, the course importer,
//! the credential verifier, the PDF reader of `/verify`, course pictures and drawings, and
//! the forms. No panic, no 5xx, nothing written by a refused
//! form, and a reason for every refusal. The numbers of cases are in `docs/testing.md`.

use std::collections::HashSet;
use std::io::Write;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sala::cohorts::roster::{self, Known};
use sala::courses::source::SourceFiles;
use sala::organisations::{OrgKind, Organisation, OrganisationId, Province, ProvinceId};

use crate::final_assessment::fixtures;
use crate::helpers::{Backend, TestApp, csrf_token};

fn config(cases: u32) -> Config {
    Config {
        cases,
        // The failing input is printed; nothing is written into the source tree.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text as people and attackers type it: Khmer, Latin, digits, separators, quotes,
/// control characters, and the odd character from anywhere in Unicode.
fn messy_text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range('\u{1780}', '\u{17FF}'),
            4 => proptest::char::range('a', 'z'),
            2 => Just('@'),
            2 => prop_oneof![Just(','), Just(';'), Just('\t'), Just('"'), Just('\n'), Just('\r')],
            1 => proptest::char::range('\0', '\u{1F}'),
            1 => any::<char>(),
        ],
        0..max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn provinces() -> Vec<Province> {
    vec![Province {
        id: ProvinceId(10),
        name_en: "Kratié".into(),
        name_km: "ក្រចេះ".into(),
        is_capital: false,
    }]
}

fn offices() -> Vec<Organisation> {
    vec![Organisation {
        id: OrganisationId(7),
        parent_id: None,
        slug: "pdrd-kratie".into(),
        kind: OrgKind::ProvincialOffice,
        name_km: "មន្ទីរអភិវឌ្ឍន៍ជនបទខេត្តក្រចេះ".into(),
        name_en: "PDRD Kratie".into(),
        province_id: Some(ProvinceId(10)),
    }]
}

const ROSTER_CASES: u32 = 2_000;

#[test]
fn the_invitation_reader_takes_any_bytes_and_gives_every_row_a_verdict() {
    let (p, o, invited) = (provinces(), offices(), HashSet::new());
    let known = Known {
        provinces: &p,
        offices: &o,
        invited: &invited,
    };
    let header = "name_km,name_latin,email,office,province,position\n";
    let rows = proptest::collection::vec(
        proptest::collection::vec(messy_text(24), 0..8).prop_map(|cells| cells.join(",")),
        0..12,
    );
    let input = prop_oneof![
        // Arbitrary bytes, valid UTF-8 or not.
        proptest::collection::vec(any::<u8>(), 0..600),
        // A real header, then rows of messy cells, sometimes behind a BOM.
        (any::<bool>(), rows).prop_map(move |(bom, rows)| {
            let mut text = String::new();
            if bom {
                text.push('\u{feff}');
            }
            text.push_str(header);
            text.push_str(&rows.join("\n"));
            text.into_bytes()
        }),
    ];
    TestRunner::new(config(ROSTER_CASES))
        .run(&input, |bytes| {
            if let Ok(rows) = roster::read(&bytes, &known) {
                for row in rows {
                    if row.accepted() {
                        prop_assert!(row.email.contains('@'), "{row:?}");
                        prop_assert!(!row.email.contains(char::is_whitespace), "{row:?}");
                        prop_assert_eq!(row.province_id, Some(sala::model::ids::ProvinceId(10)));
                        prop_assert!(
                            !row.name_latin.trim().is_empty() || !row.name_km.trim().is_empty()
                        );
                    } else {
                        prop_assert!(!row.rejections.is_empty());
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

/// The minimal course's files, as an uploaded zip would hold them.
fn course_files() -> Vec<(String, Vec<u8>)> {
    let root = fixtures().join("minimal");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        for (name, data) in files {
            if zip
                .start_file(name.as_str(), zip::write::SimpleFileOptions::default())
                .is_ok()
            {
                zip.write_all(data).unwrap();
            }
        }
        zip.finish().unwrap();
    }
    buffer.into_inner()
}

/// One thing done to a course: a file's bytes overwritten, cut short or dropped, a file
/// renamed (to a path that may try to leave the folder), or a stray file added.
#[derive(Debug, Clone)]
enum Damage {
    Overwrite {
        file: usize,
        at: usize,
        bytes: Vec<u8>,
    },
    Truncate {
        file: usize,
        keep: usize,
    },
    Drop {
        file: usize,
    },
    Rename {
        file: usize,
        name: String,
    },
    Add {
        name: String,
        bytes: Vec<u8>,
    },
}

fn damage() -> impl Strategy<Value = Damage> {
    let name = prop_oneof![
        Just("../escape.md".to_owned()),
        Just("/etc/passwd".to_owned()),
        Just("chapters/03-new.en.md".to_owned()),
        Just("quizzes/final.toml".to_owned()),
        "[a-z./]{1,30}",
    ];
    prop_oneof![
        (
            any::<usize>(),
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..40)
        )
            .prop_map(|(file, at, bytes)| Damage::Overwrite { file, at, bytes }),
        (any::<usize>(), any::<usize>()).prop_map(|(file, keep)| Damage::Truncate { file, keep }),
        any::<usize>().prop_map(|file| Damage::Drop { file }),
        (any::<usize>(), name.clone()).prop_map(|(file, name)| Damage::Rename { file, name }),
        (name, messy_text(200)).prop_map(|(name, text)| Damage::Add {
            name,
            bytes: text.into_bytes()
        }),
    ]
}

fn apply(files: &mut Vec<(String, Vec<u8>)>, damage: &Damage) {
    let count = files.len().max(1);
    match damage {
        Damage::Overwrite { file, at, bytes } => {
            let data = &mut files[file % count].1;
            let at = at % (data.len() + 1);
            data.splice(
                at..(at + bytes.len()).min(data.len()),
                bytes.iter().copied(),
            );
        }
        Damage::Truncate { file, keep } => {
            let data = &mut files[file % count].1;
            data.truncate(keep % (data.len() + 1));
        }
        Damage::Drop { file } => {
            files.remove(file % count);
        }
        Damage::Rename { file, name } => files[file % count].0.clone_from(name),
        Damage::Add { name, bytes } => files.push((name.clone(), bytes.clone())),
    }
}

const COURSE_CASES: u32 = 300;

#[test]
fn the_course_importer_refuses_damaged_courses_with_reasons_and_never_panics() {
    let original = course_files();
    let strategy = prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..400).prop_map(|b| (b, Vec::new())),
        4 => proptest::collection::vec(damage(), 1..4).prop_map(|d| (Vec::new(), d)),
    ];
    TestRunner::new(config(COURSE_CASES))
        .run(&strategy, |(raw, damages)| {
            let bytes = if damages.is_empty() {
                raw
            } else {
                let mut files = original.clone();
                for d in &damages {
                    if !files.is_empty() {
                        apply(&mut files, d);
                    }
                }
                zip_of(&files)
            };
            let Ok(files) = SourceFiles::from_zip(&bytes) else {
                return Ok(());
            };
            match sala::courses::check::check(&files, None) {
                Ok(source) => {
                    if let Err(problems) = sala::courses::prepare::prepare(&source) {
                        prop_assert!(!problems.is_empty());
                    }
                }
                Err(problems) => {
                    prop_assert!(!problems.is_empty());
                    for problem in problems {
                        prop_assert!(!problem.describe(sala::i18n::Lang::Km).is_empty());
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

const VERIFIER_CASES: u32 = 2_000;

#[test]
fn the_verifier_accepts_only_the_credential_as_signed() {
    use sala::certificates::keys::{Jwk, generate};
    use sala::certificates::verify::check_offline;

    let key = generate();
    let kid = "did:web:example.org:issuers:ministry#key-1";
    let payload = serde_json::json!({
        "id": "urn:uuid:5b1e1d1e-1111-4222-8333-444455556666",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "iss": "did:web:example.org:issuers:ministry",
        "issuer": {"id": "did:web:example.org:issuers:ministry"},
        "name": "WASH",
    });
    let serde_json::Value::Object(payload) = payload else {
        unreachable!()
    };
    let token = sala::certificates::jws::sign(&payload, &key, kid);
    let jwks = [Jwk::ed25519(&key.verifying_key(), Some(kid.to_owned()))];
    assert!(
        check_offline(&token, &jwks).is_ok(),
        "the genuine one verifies"
    );

    let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
        .chars()
        .collect();
    let length = token.len();
    let strategy = prop_oneof![
        // Any text at all.
        messy_text(300),
        // The genuine token with one character changed.
        (0..length, proptest::sample::select(alphabet.clone())).prop_map({
            let token = token.clone();
            move |(at, c)| {
                let mut chars: Vec<char> = token.chars().collect();
                chars[at] = c;
                chars.into_iter().collect()
            }
        }),
        // Cut short, or with something appended.
        (0..length).prop_map({
            let token = token.clone();
            move |keep| token[..keep].to_owned()
        }),
        proptest::collection::vec(proptest::sample::select(alphabet), 1..20).prop_map({
            let token = token.clone();
            move |tail| format!("{token}{}", tail.into_iter().collect::<String>())
        }),
    ];
    TestRunner::new(config(VERIFIER_CASES))
        .run(&strategy, |candidate| {
            let verdict = check_offline(&candidate, &jwks);
            prop_assert_eq!(verdict.is_ok(), candidate == token, "{}", candidate);
            prop_assert!(
                sala::certificates::embedded::credential_in(candidate.as_bytes())
                    .is_none_or(|found| candidate.contains(&found))
            );
            Ok(())
        })
        .unwrap();
}

const FORM_CASES: u32 = 48;

/// Every form, posted with generated fields (known names with hostile values, and unknown
/// names): never a 5xx, and a refused form changes nothing.
#[test]
fn every_form_refuses_hostile_input_clearly_and_writes_nothing() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = runtime
        .block_on(TestApp::spawn_with(Backend::Sqlite, |s| {
            s.courses_dir = fixtures();
        }))
        .expect("SQLite always runs");
    // A learner in the middle of the final assessment, and an admin (the app's browser).
    let learner = app.new_browser();
    let attempt = runtime.block_on(async {
        app.signed_in_admin("admin@example.org").await;
        learner.get("/lang/en?next=/").await;
        learner.register("learner@example.org", "Learner").await;
        crate::final_assessment::complete_chapters(&learner).await;
        let started = learner
            .submit(
                "/courses/minimal/final",
                "/courses/minimal/final/start",
                &[],
            )
            .await;
        crate::helpers::location(&started)
            .trim_end_matches("/q/1")
            .to_owned()
    });
    let admin = &app.browser;

    let q1 = format!("{attempt}/q/1");
    // (the browser that may post it, the page that carries the form, the action, field names)
    let forms: Vec<(bool, String, String, &[&str])> = vec![
        (
            false,
            "/register".into(),
            "/register".into(),
            &[
                "name_km",
                "name_latin",
                "email",
                "position",
                "province",
                "organisation",
            ],
        ),
        (
            false,
            "/sign-in".into(),
            "/sign-in".into(),
            &["email", "password", "next"],
        ),
        (
            false,
            "/password-reset".into(),
            "/password-reset".into(),
            &["email"],
        ),
        (
            false,
            "/courses/minimal/water".into(),
            "/courses/minimal/water/check".into(),
            &["q.q1", "q.q2"],
        ),
        (
            false,
            "/courses/minimal/latrines".into(),
            "/courses/minimal/latrines/read".into(),
            &["chapter"],
        ),
        (false, q1.clone(), q1, &["answer", "back"]),
        (
            false,
            "/account".into(),
            "/account".into(),
            &[
                "name_km",
                "name_latin",
                "position",
                "province",
                "organisation",
            ],
        ),
        (
            true,
            "/admin/organisations".into(),
            "/admin/organisations".into(),
            &["kind", "slug", "name_km", "name_en", "parent", "province"],
        ),
    ];
    let tables = [
        "users",
        "chapter_progress",
        "attempts",
        "attempt_answers",
        "organisations",
        "email_outbox",
    ];
    let form_count = forms.len();
    let field = (0..8usize, messy_text(40), "[a-z_.]{1,12}");
    let strategy = (0..form_count, proptest::collection::vec(field, 0..8));
    let seen = std::sync::Mutex::new(std::collections::BTreeMap::<u16, usize>::new());
    let mut runner = TestRunner::new(config(FORM_CASES * u32::try_from(form_count).unwrap()));
    runner
        .run(&strategy, |(which, fields)| {
            let (as_admin, page, action, names) = &forms[which];
            let browser = if *as_admin { admin } else { &learner };
            runtime.block_on(async {
                let before = counts(&app, &tables).await;
                let (_, html) = browser.get_html(page).await;
                let token = csrf_token(&html).unwrap_or_default();
                let mut posted: Vec<(String, String)> = vec![("csrf".into(), token)];
                for (name, value, stray) in &fields {
                    let name = names.get(*name).map_or(stray.clone(), |n| (*n).to_owned());
                    posted.push((name, value.clone()));
                }
                let response = browser
                    .client
                    .post(browser.url(action))
                    .form(&posted)
                    .send()
                    .await
                    .expect("POST");
                let status = response.status();
                *seen.lock().unwrap().entry(status.as_u16()).or_default() += 1;
                let body = response.text().await.unwrap_or_default();
                prop_assert!(
                    !status.is_server_error(),
                    "{action} {posted:?} → {status}: {body}"
                );
                if status.is_client_error() {
                    prop_assert!(body.contains("<main"), "a page that says why: {body}");
                    let after = counts(&app, &tables).await;
                    prop_assert_eq!(before, after, "{} {:?} → {}", action, posted, status);
                }
                Ok(())
            })
        })
        .unwrap();
    // The generated forms reached the handlers: some were taken, many refused for their
    // content (not merely for a missing token).
    let seen = seen.into_inner().unwrap();
    eprintln!("form statuses: {seen:?}");
    let taken: usize = seen.iter().filter(|(s, _)| **s < 400).map(|(_, n)| n).sum();
    let refused: usize = seen
        .iter()
        .filter(|(s, _)| (400..500).contains(*s) && **s != 403)
        .map(|(_, n)| n)
        .sum();
    assert!(taken > 0 && refused > 0, "{seen:?}");
    runtime.block_on(async move { drop(app) });
}

async fn counts(app: &TestApp, tables: &[&'static str]) -> Vec<i64> {
    let mut found = Vec::new();
    for table in tables {
        found.push(app.rows(table).await);
    }
    found
}

const PDF_CASES: u32 = 200;

/// What `/verify` does with an uploaded file, generated: `%PDF` and pieces of PDFs, token
/// starts, dots and base64url runs, decoys shaped like tokens, bytes of anything, and the
/// genuine credential on a line of its own. No panic; the work is one pass (a file made of
/// nothing but token starts is among the cases); the genuine credential is found when it
/// comes before the sixteenth decoy, and nothing but a credential is ever taken out.
#[test]
fn the_verify_reader_takes_any_pdf_and_finds_only_the_credential() {
    use sala::certificates::embedded::MAX_CANDIDATES;

    let key = sala::certificates::keys::generate();
    let serde_json::Value::Object(payload) = serde_json::json!({"name": "WASH"}) else {
        unreachable!()
    };
    let token = sala::certificates::jws::sign(&payload, &key, "did:web:example.org#key-1");
    #[derive(Debug, Clone)]
    enum Piece {
        Bytes(Vec<u8>),
        Text(&'static str),
        TokenStarts(usize),
        Decoy,
        Genuine,
    }
    let piece = prop_oneof![
        3 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Piece::Bytes),
        3 => proptest::sample::select(vec![
            "\n", " ", ".", "..", "eyJ", "eyJ.", "eyJhbGciOiJFZERTQSJ9", "stream\n",
            "\nendstream\n", "obj <<", "/EmbeddedFile", "%%EOF", "-_", "=",
        ])
        .prop_map(Piece::Text),
        1 => (1usize..20_000).prop_map(Piece::TokenStarts),
        2 => Just(Piece::Decoy),
        1 => Just(Piece::Genuine),
    ];
    let strategy = proptest::collection::vec(piece, 0..40);
    TestRunner::new(config(PDF_CASES))
        .run(&strategy, |pieces| {
            let mut pdf = b"%PDF-1.7\n".to_vec();
            let mut decoys_before = 0;
            let mut genuine_at = None;
            for piece in &pieces {
                match piece {
                    Piece::Bytes(bytes) => pdf.extend(bytes),
                    Piece::Text(text) => pdf.extend(text.as_bytes()),
                    Piece::TokenStarts(n) => pdf.extend(b"eyJ".repeat(*n)),
                    Piece::Decoy => {
                        pdf.extend(b"\neyJhbGciOiJFZERTQSJ9.eyJ4Ijox.AAAA\n");
                        if genuine_at.is_none() {
                            decoys_before += 1;
                        }
                    }
                    Piece::Genuine => {
                        genuine_at.get_or_insert(decoys_before);
                        pdf.extend(format!("\n{token}\n").as_bytes());
                    }
                }
            }
            let found = sala::certificates::token_from_file(&pdf);
            if let Ok(found) = &found {
                prop_assert!(sala::certificates::jws::parse(found).is_ok());
                prop_assert!(
                    pdf.windows(found.len()).any(|w| w == found.as_bytes()),
                    "only bytes of the file are taken out"
                );
            }
            // Random bytes next to the line can join a decoy to it, so only a clean count
            // of decoys is a promise.
            if let Some(before) = genuine_at
                && before < MAX_CANDIDATES
                && pieces
                    .iter()
                    .all(|p| matches!(p, Piece::Decoy | Piece::Genuine))
            {
                prop_assert_eq!(found, Ok(token.clone()));
            }
            Ok(())
        })
        .unwrap();
}

const PICTURE_CASES: u32 = 60;

/// A small picture of stripes, encoded as `format`.
fn picture(format: image::ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7) as u8, (y * 5) as u8, ((x + y) * 3) as u8])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut bytes, format)
        .unwrap();
    bytes.into_inner()
}

/// The pictures of a course, generated: real PNG, JPEG and GIF files damaged (bytes
/// overwritten, cut short), their headers claiming any size, and drawings holding every
/// spelling of a script, an event and a link. Each is prepared or refused with a message
/// key the interface knows, the check and the preparation agree, every variant fits its
/// width, and no drawing served holds a script, an event attribute or an outside link.
#[test]
fn pictures_are_prepared_within_bounds_or_refused_with_a_reason() {
    let known = [
        "check-image-not-image",
        "check-image-too-large",
        "check-image-svg-unsafe",
        "check-image-svg-size",
        "check-image-svg-too-large",
    ];
    let raster = (
        proptest::sample::select(vec![
            image::ImageFormat::Png,
            image::ImageFormat::Jpeg,
            image::ImageFormat::Gif,
        ]),
        1u32..1200,
        1u32..300,
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        proptest::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(|(format, width, height, writes, cut)| {
            let mut bytes = picture(format, width, height);
            for (at, value) in writes {
                let at = at.index(bytes.len());
                bytes[at] = value;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len()));
            }
            ("media/p.png".to_owned(), bytes)
        });
    let hostile = proptest::sample::select(vec![
        "<svg:script>alert(1)</svg:script>",
        "<script>alert(1)</script>",
        "<g\nonload=\"alert(1)\"/>",
        "<g\tonclick='alert(1)'/>",
        "<a href=\"//evil.example/\"><rect width=\"5\" height=\"5\"/></a>",
        "<a xlink:href=\"https://evil.example/\"><circle r=\"3\"/></a>",
        "<image href=\"https://evil.example/p.png\" width=\"9\" height=\"9\"/>",
        "<image href=\"data:image/svg+xml;base64,PHN2Zy8+\" width=\"9\" height=\"9\"/>",
        "<use href=\"https://evil.example/s.svg#a\"/>",
        "<style>@import url(https://evil.example/s.css); rect { fill: red }</style>",
        "<foreignObject><div>x</div></foreignObject>",
        "<rect width=\"10\" height=\"10\" fill=\"url(https://evil.example/#g)\"/>",
        "<text x=\"5\" y=\"20\">ទឹកស្អាត clean water</text>",
        "<path d=\"M0 0 L 10 10 Z\" stroke=\"#000\"/>",
        "<animate attributeName=\"href\" to=\"javascript:alert(1)\"/>",
        "<set attributeName=\"onload\" to=\"alert(1)\"/>",
        "",
    ]);
    let drawing = (proptest::collection::vec(hostile, 0..5), 1u32..2000).prop_map(
        |(parts, side)| {
            let svg = format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:svg=\"http://www.w3.org/2000/svg\" \
                 xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"{side}\" height=\"{side}\">{}\
                 <circle cx=\"5\" cy=\"5\" r=\"4\"/></svg>",
                parts.concat()
            );
            ("media/d.svg".to_owned(), svg.into_bytes())
        },
    );
    let strategy = prop_oneof![raster, drawing];
    TestRunner::new(config(PICTURE_CASES))
        .run(&strategy, |(path, bytes)| {
            let checked = sala::courses::images::inspect(&path, &bytes);
            let prepared = sala::courses::images::process(&path, &bytes);
            match (&checked, &prepared) {
                (Ok(()), Ok((picture, files))) => {
                    prop_assert!(!files.is_empty());
                    for file in files {
                        // Raster copies are made at phone widths; a drawing keeps its size.
                        let widest = if file.content_type == "image/svg+xml" {
                            10_000
                        } else {
                            960
                        };
                        prop_assert!(file.width <= widest && file.width >= 1);
                        if file.content_type == "image/svg+xml" {
                            let text = String::from_utf8_lossy(&file.bytes).to_lowercase();
                            for banned in [
                                "script",
                                "onload",
                                "onclick",
                                "evil.example",
                                "javascript:",
                                "foreignobject",
                                "<style",
                                "<animate",
                                "<set",
                            ] {
                                prop_assert!(!text.contains(banned), "{} in {}", banned, text);
                            }
                        }
                    }
                    prop_assert!(picture.width >= 1 && picture.width <= 10_000);
                }
                (Err(a), Err(b)) => {
                    prop_assert_eq!(a, b);
                    prop_assert!(known.contains(a), "{}", a);
                }
                _ => prop_assert!(false, "check and preparation disagree: {checked:?}"),
            }
            Ok(())
        })
        .unwrap();
}
