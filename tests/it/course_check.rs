//! The course checker: each rule, shown with a broken copy of the minimal course in
//! `tests/fixtures/courses/minimal`, and the shipped courses pass.

use std::path::Path;

use sala::courses::Problem;
use sala::courses::check::check;
use sala::courses::source::SourceFiles;

fn fixture(name: &str) -> SourceFiles {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    SourceFiles::from_dir(&dir).unwrap()
}

fn minimal() -> SourceFiles {
    fixture("tests/fixtures/courses/minimal")
}

fn problems_of(files: &SourceFiles) -> Vec<Problem> {
    check(files, Some("minimal")).err().unwrap_or_default()
}

/// A change to the minimal course.
enum Change {
    Set(&'static str, &'static str),
    SetBytes(&'static str, Vec<u8>),
    Remove(&'static str),
    Edit(&'static str, &'static str, &'static str),
}

fn apply(files: &mut SourceFiles, change: &Change) {
    match change {
        Change::Set(path, text) => {
            files
                .files
                .insert((*path).to_owned(), text.as_bytes().to_vec());
        }
        Change::SetBytes(path, bytes) => {
            files.files.insert((*path).to_owned(), bytes.clone());
        }
        Change::Remove(path) => {
            assert!(files.files.remove(*path).is_some(), "no {path} to remove");
        }
        Change::Edit(path, from, to) => {
            let text = files.text(path).unwrap().to_owned();
            assert!(text.contains(from), "{path} has no {from:?}");
            files
                .files
                .insert((*path).to_owned(), text.replacen(from, to, 1).into_bytes());
        }
    }
}

const COURSE: &str = "course.toml";
const WATER_EN: &str = "chapters/01-water.en.md";
const WATER_KM: &str = "chapters/01-water.km.md";
const RAMP_EN: &str = "chapters/02-latrines.en.md";
const RAMP_KM: &str = "chapters/02-latrines.km.md";
const WATER_QUIZ: &str = "quizzes/01-water.toml";
const RAMP_QUIZ: &str = "quizzes/02-latrines.toml";
const FINAL: &str = "quizzes/final.toml";

/// A PNG header that claims 8000 × 8000 pixels (64 million), with a correct checksum.
fn huge_png_header() -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for byte in data {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&8000u32.to_be_bytes());
    ihdr.extend_from_slice(&8000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (length, chunk) in [(13u32, ihdr), (0, b"IDAT".to_vec()), (0, b"IEND".to_vec())] {
        png.extend_from_slice(&length.to_be_bytes());
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    png
}

fn cases() -> Vec<(&'static str, Vec<Change>, &'static str)> {
    use Change::*;
    let ramp_with = |extra: &'static str| {
        vec![
            Edit(RAMP_EN, "minutes = 5\n", extra),
            Edit(RAMP_KM, "minutes = 5\n", extra),
        ]
    };
    vec![
        ("check-course-missing", vec![Remove(COURSE)], COURSE),
        (
            "check-not-utf8",
            vec![SetBytes(COURSE, vec![0xff, 0xfe, 0x00])],
            COURSE,
        ),
        (
            "check-toml",
            vec![Edit(COURSE, "minutes = 10", "minutes = ")],
            COURSE,
        ),
        (
            "check-toml",
            vec![Edit(COURSE, "minutes = 10", "colour = \"red\"")],
            COURSE,
        ),
        (
            "check-course-id",
            vec![Edit(COURSE, "id = \"minimal\"", "id = \"Not Valid\"")],
            COURSE,
        ),
        (
            "check-course-slug",
            vec![Edit(COURSE, "slug = \"minimal\"", "slug = \"Bad Slug\"")],
            COURSE,
        ),
        (
            "check-slug-folder",
            vec![Edit(COURSE, "slug = \"minimal\"", "slug = \"elsewhere\"")],
            COURSE,
        ),
        (
            "check-languages",
            vec![Edit(COURSE, "[\"km\", \"en\"]", "[\"en\"]")],
            COURSE,
        ),
        (
            "check-minutes",
            vec![Edit(COURSE, "minutes = 10", "minutes = 0")],
            COURSE,
        ),
        (
            "check-licence",
            vec![Edit(COURSE, "licence = \"CC BY 4.0\"", "licence = \"\"")],
            COURSE,
        ),
        (
            "check-pass-mark",
            vec![Edit(COURSE, "pass_mark = 80", "pass_mark = 101")],
            COURSE,
        ),
        (
            "check-attempts",
            vec![Edit(COURSE, "attempts = 3", "attempts = 0")],
            COURSE,
        ),
        (
            "check-wait",
            vec![Edit(
                COURSE,
                "attempts = 3",
                "attempts = 3\nwait_minutes = -5",
            )],
            COURSE,
        ),
        (
            "check-missing-language",
            vec![Edit(COURSE, "km = \"វគ្គសាកល្បង\"\n", "")],
            COURSE,
        ),
        (
            "check-publisher-missing",
            vec![Edit(COURSE, "publisher = \"test-ministry\"\n", "")],
            COURSE,
        ),
        (
            "check-org-slug",
            vec![Edit(
                COURSE,
                "cosigner = \"test-ngo\"",
                "cosigner = \"Test NGO\"",
            )],
            COURSE,
        ),
        (
            "check-org-from-records",
            vec![Edit(
                COURSE,
                "publisher = \"test-ministry\"",
                "publisher = { slug = \"test-ministry\", en = \"Ministry of Health\" }",
            )],
            COURSE,
        ),
        (
            "check-signatory-organisation",
            vec![Edit(
                COURSE,
                "\"test-ministry/director-general\"",
                "\"other/director-general\"",
            )],
            COURSE,
        ),
        (
            "check-signatory-from-records",
            vec![Edit(
                COURSE,
                "\"test-ministry/director-general\"",
                "{ organisation = \"test-ministry\", name = { en = \"Invented\" } }",
            )],
            COURSE,
        ),
        (
            "check-signatory-handle",
            vec![Edit(
                COURSE,
                "\"test-ministry/director-general\"",
                "\"Director General\"",
            )],
            COURSE,
        ),
        (
            "check-signatory-twice",
            vec![Edit(
                COURSE,
                "\"test-ngo/director\"",
                "\"test-ministry/director-general\"",
            )],
            COURSE,
        ),
        (
            "check-signatories-too-many",
            vec![Edit(
                COURSE,
                "\"test-ngo/director\"",
                "\"test-ngo/director\", \"test-ngo/deputy\"",
            )],
            COURSE,
        ),
        (
            "check-cosigner-is-publisher",
            vec![Edit(
                COURSE,
                "cosigner = \"test-ngo\"",
                "cosigner = \"test-ministry\"",
            )],
            COURSE,
        ),
        (
            "check-chapter-name",
            vec![Set("chapters/1-water.en.md", "x")],
            "chapters/1-water.en.md",
        ),
        (
            "check-chapter-reserved",
            vec![Set("chapters/03-final.en.md", "x")],
            "chapters/03-final.en.md",
        ),
        (
            "check-chapter-lang",
            vec![Set("chapters/01-water.fr.md", "x")],
            "chapters/01-water.fr.md",
        ),
        (
            "check-no-chapters",
            vec![
                Remove(WATER_EN),
                Remove(WATER_KM),
                Remove(RAMP_EN),
                Remove(RAMP_KM),
                Remove(WATER_QUIZ),
                Remove(RAMP_QUIZ),
            ],
            "chapters",
        ),
        (
            "check-chapter-number-twice",
            vec![
                Set(
                    "chapters/01-other.en.md",
                    "+++\ntitle = \"O\"\nminutes = 1\n+++\ntext",
                ),
                Set(
                    "chapters/01-other.km.md",
                    "+++\ntitle = \"អ\"\nminutes = 1\n+++\ntext",
                ),
            ],
            "chapters",
        ),
        (
            "check-chapter-id-twice",
            vec![
                Set(
                    "chapters/03-water.en.md",
                    "+++\ntitle = \"W\"\nminutes = 1\n+++\ntext",
                ),
                Set(
                    "chapters/03-water.km.md",
                    "+++\ntitle = \"ទ\"\nminutes = 1\n+++\ntext",
                ),
            ],
            "chapters",
        ),
        ("check-chapter-missing-lang", vec![Remove(RAMP_KM)], RAMP_KM),
        (
            "check-section-missing-lang",
            vec![Edit(RAMP_KM, "{#ramp}", "{#slope}")],
            RAMP_KM,
        ),
        (
            "check-front-matter",
            vec![Set(RAMP_EN, "# Latrines\n\nNo settings.")],
            RAMP_EN,
        ),
        (
            "check-chapter-title",
            vec![Edit(RAMP_EN, "title = \"Latrines\"\n", "")],
            RAMP_EN,
        ),
        (
            "check-minutes",
            vec![Edit(RAMP_EN, "minutes = 5", "minutes = -1")],
            RAMP_EN,
        ),
        (
            "check-toml",
            vec![Edit(RAMP_EN, "minutes = 5", "minutes = five")],
            RAMP_EN,
        ),
        (
            "check-video",
            ramp_with("minutes = 5\n[video]\ntranscript = \"text\"\n"),
            RAMP_EN,
        ),
        (
            "check-video-transcript",
            ramp_with("minutes = 5\n[video]\nurl = \"https://example.org/v.mp4\"\nsize_mb = 3\n"),
            RAMP_EN,
        ),
        (
            "check-video-one-lang",
            vec![Edit(
                RAMP_EN,
                "minutes = 5\n",
                "minutes = 5\n[video]\nurl = \"https://example.org/v.mp4\"\nsize_mb = 3\ntranscript = \"t\"\n",
            )],
            RAMP_KM,
        ),
        (
            "check-section-id",
            vec![Edit(RAMP_EN, "{#ramp}", "{#ramp}\n\n## Other {#Bad_Id}")],
            RAMP_EN,
        ),
        (
            "check-section-twice",
            vec![Edit(RAMP_EN, "{#ramp}", "{#ramp}\n\n## Again {#ramp}")],
            RAMP_EN,
        ),
        (
            "check-image-alt",
            vec![Edit(WATER_EN, "![A hand pump next to a path]", "![]")],
            WATER_EN,
        ),
        (
            "check-image-missing",
            vec![Edit(WATER_EN, "../media/pump.svg", "../media/none.png")],
            WATER_EN,
        ),
        (
            "check-image-outside-media",
            vec![Edit(
                WATER_EN,
                "../media/pump.svg",
                "https://example.org/a.png",
            )],
            WATER_EN,
        ),
        (
            "check-image-not-image",
            vec![
                Set("media/fake.png", "hello"),
                Edit(WATER_EN, "../media/pump.svg", "../media/fake.png"),
            ],
            WATER_EN,
        ),
        (
            "check-image-too-large",
            vec![
                SetBytes("media/huge.png", huge_png_header()),
                Edit(WATER_EN, "../media/pump.svg", "../media/huge.png"),
            ],
            WATER_EN,
        ),
        (
            "check-image-svg-unsafe",
            vec![Edit(
                "media/pump.svg",
                "<rect",
                "<script>alert(1)</script><rect",
            )],
            WATER_EN,
        ),
        (
            "check-image-svg-size",
            vec![Edit(
                "media/pump.svg",
                " width=\"200\" height=\"120\" viewBox=\"0 0 200 120\"",
                "",
            )],
            WATER_EN,
        ),
        (
            "check-unsafe-html",
            vec![Edit(
                WATER_EN,
                "Ask the users.",
                "<script>alert(1)</script>",
            )],
            WATER_EN,
        ),
        (
            "check-unsafe-html",
            vec![Edit(
                WATER_EN,
                "Ask the users.",
                "<img src=x onerror=\"alert(1)\">",
            )],
            WATER_EN,
        ),
        (
            "check-url",
            vec![Edit(
                WATER_EN,
                "Ask the users.",
                "Ask [the users](javascript:alert(1)).",
            )],
            WATER_EN,
        ),
        (
            "check-url",
            vec![Edit(
                WATER_EN,
                "Ask the users.",
                "<a href=\"data:text/html,x\">Ask</a> the users.",
            )],
            WATER_EN,
        ),
        (
            "check-quiz-name",
            vec![Set("quizzes/water.toml", "")],
            "quizzes/water.toml",
        ),
        (
            "check-quiz-unknown-chapter",
            vec![Set("quizzes/05-nothing.toml", "")],
            "quizzes/05-nothing.toml",
        ),
        ("check-quiz-missing", vec![Remove(RAMP_QUIZ)], RAMP_QUIZ),
        ("check-quiz-empty", vec![Set(RAMP_QUIZ, "")], RAMP_QUIZ),
        ("check-final-missing", vec![Remove(FINAL)], FINAL),
        (
            "check-per-attempt",
            vec![Edit(
                FINAL,
                "questions_per_attempt = 2",
                "questions_per_attempt = 5",
            )],
            FINAL,
        ),
        (
            "check-question-id",
            vec![Edit(WATER_QUIZ, "id = \"q1\"", "id = \"Q 1\"")],
            WATER_QUIZ,
        ),
        (
            "check-question-twice",
            vec![Edit(FINAL, "id = \"f2\"", "id = \"f1\"")],
            FINAL,
        ),
        (
            "check-question-kind",
            vec![Edit(WATER_QUIZ, "kind = \"single\"", "kind = \"essay\"")],
            WATER_QUIZ,
        ),
        (
            "check-question-chapter",
            vec![Edit(FINAL, "chapter = \"water\"", "chapter = \"nowhere\"")],
            FINAL,
        ),
        (
            "check-question-section",
            vec![Edit(
                WATER_QUIZ,
                "section = \"water-point\"",
                "section = \"nowhere\"",
            )],
            WATER_QUIZ,
        ),
        (
            "check-question-no-section",
            vec![Edit(WATER_QUIZ, "section = \"water-point\"\n", "")],
            WATER_QUIZ,
        ),
        (
            "check-missing-language",
            vec![Edit(
                WATER_QUIZ,
                "explanation = { km = \"ផ្លូវគ្មានជណ្តើរ។\", ",
                "explanation = { ",
            )],
            WATER_QUIZ,
        ),
        (
            "check-true-false-answer",
            vec![Edit(RAMP_QUIZ, "answer = true\n", "")],
            RAMP_QUIZ,
        ),
        (
            "check-true-false-options",
            vec![Edit(
                RAMP_QUIZ,
                "answer = true\n",
                "answer = true\noptions = [{ id = \"a\", km = \"ក\", en = \"A\", correct = true }]\n",
            )],
            RAMP_QUIZ,
        ),
        (
            "check-answer-not-true-false",
            vec![Edit(
                WATER_QUIZ,
                "kind = \"single\"\n",
                "kind = \"single\"\nanswer = true\n",
            )],
            WATER_QUIZ,
        ),
        (
            "check-options-few",
            vec![Edit(
                WATER_QUIZ,
                "  { id = \"b\", km = \"ជណ្តើរខ្ពស់\", en = \"High steps\" },\n",
                "",
            )],
            WATER_QUIZ,
        ),
        (
            "check-option-id",
            vec![Edit(WATER_QUIZ, "id = \"b\"", "id = \"B B\"")],
            WATER_QUIZ,
        ),
        (
            "check-option-twice",
            vec![Edit(WATER_QUIZ, "id = \"b\"", "id = \"a\"")],
            WATER_QUIZ,
        ),
        (
            "check-option-same-text",
            vec![Edit(WATER_QUIZ, "en = \"High steps\"", "en = \"No steps\"")],
            WATER_QUIZ,
        ),
        (
            "check-no-correct",
            vec![Edit(WATER_QUIZ, ", correct = true", "")],
            WATER_QUIZ,
        ),
        (
            "check-single-many-correct",
            vec![Edit(
                WATER_QUIZ,
                "en = \"High steps\" }",
                "en = \"High steps\", correct = true }",
            )],
            WATER_QUIZ,
        ),
    ]
}

#[test]
fn the_minimal_course_passes() {
    let files = minimal();
    let course = check(&files, Some("minimal")).unwrap();
    assert_eq!(course.chapters.len(), 2);
    assert_eq!(course.final_questions.len(), 2);
    assert_eq!(course.meta.questions_per_attempt, Some(2));
    // True/false questions carry two options, exactly one correct.
    let tf = &course.chapters[1].practice[0];
    assert_eq!(tf.options.iter().filter(|o| o.correct).count(), 1);
}

#[test]
fn every_rule_reports_its_problem_with_file_and_sentence() {
    for (message, changes, file) in cases() {
        let mut files = minimal();
        for change in &changes {
            apply(&mut files, change);
        }
        let problems = problems_of(&files);
        let found = problems
            .iter()
            .find(|p| p.message == message && p.file == file);
        assert!(found.is_some(), "{message} in {file}: got {problems:#?}");
        // Every problem reads as a sentence in both languages, never as a bare key.
        for problem in &problems {
            for lang in sala::i18n::Lang::ALL {
                let text = problem.describe(lang);
                assert!(!text.contains("check-"), "{text}");
                assert!(!text.contains("{ $"), "{text}");
            }
        }
    }
}

#[test]
fn problems_in_toml_have_line_numbers() {
    let mut files = minimal();
    apply(
        &mut files,
        &Change::Edit(COURSE, "pass_mark = 80", "pass_mark = "),
    );
    let problems = problems_of(&files);
    assert_eq!(problems[0].line, Some(6), "{problems:?}");
    let mut files = minimal();
    apply(
        &mut files,
        &Change::Edit(WATER_EN, "Ask the users.", "<script>x</script>"),
    );
    let problems = problems_of(&files);
    assert_eq!(problems[0].line, Some(16), "{problems:?}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut files = minimal();
    for change in [
        Change::Remove(FINAL),
        Change::Remove(RAMP_KM),
        Change::Edit(COURSE, "pass_mark = 80", "pass_mark = 0"),
        Change::Edit(WATER_QUIZ, ", correct = true", ""),
    ] {
        apply(&mut files, &change);
    }
    let problems = problems_of(&files);
    for message in [
        "check-final-missing",
        "check-chapter-missing-lang",
        "check-pass-mark",
        "check-no-correct",
    ] {
        assert!(
            problems.iter().any(|p| p.message == message),
            "{message}: {problems:#?}"
        );
    }
}

#[test]
fn the_shipped_courses_pass_the_checker() {
    for name in ["getting-started", "inclusive-wash"] {
        let files = fixture(&format!("courses/{name}"));
        let result = check(&files, Some(name));
        let problems: Vec<String> = result
            .as_ref()
            .err()
            .map(|p| p.iter().map(|p| p.describe(sala::i18n::Lang::En)).collect())
            .unwrap_or_default();
        assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
    }
}
