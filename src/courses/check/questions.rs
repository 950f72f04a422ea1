//! Practice checks and the final assessment: questions, options and right answers in both languages.

use std::collections::{BTreeSet, HashMap};

use super::chapters::{ChapterDraft, chapter_name};
use super::{FINAL_FILE, both, find_line, line_at, non_empty, parse_toml, valid_key};
use crate::courses::format::{QuestionToml, QuizToml, Texts};
use crate::courses::source::SourceFiles;
use crate::courses::{AnswerOption, Bilingual, Problem, Question, QuestionKind};

// --- Quizzes ------------------------------------------------------------------------------

pub(super) fn check_practice_quizzes(
    files: &SourceFiles,
    chapters: &[ChapterDraft],
    sections: &HashMap<String, BTreeSet<String>>,
    problems: &mut Vec<Problem>,
) -> HashMap<String, Vec<Question>> {
    let mut quizzes = HashMap::new();
    for path in files.under("quizzes") {
        if path == FINAL_FILE {
            continue;
        }
        let name = &path["quizzes/".len()..];
        let parsed = name
            .strip_suffix(".toml")
            .and_then(|stem| chapter_name(&format!("{stem}.en.md")));
        let Some((position, key, _)) = parsed else {
            problems.push(Problem::new(path, None, "check-quiz-name"));
            continue;
        };
        if !chapters
            .iter()
            .any(|c| c.key == key && c.position == position)
        {
            problems
                .push(Problem::new(path, None, "check-quiz-unknown-chapter").with("chapter", key));
            continue;
        }
        let Some(text) = files.text(path) else {
            problems.push(Problem::new(path, None, "check-not-utf8"));
            continue;
        };
        let Some(quiz) = parse_toml::<QuizToml>(text, path, 0, problems) else {
            continue;
        };
        if quiz.questions.is_empty() {
            problems.push(Problem::new(path, None, "check-quiz-empty"));
        }
        let questions =
            check_questions(&quiz.questions, path, text, Some(&key), sections, problems);
        quizzes.insert(key, questions);
    }
    for chapter in chapters {
        let expected = format!("quizzes/{:02}-{}.toml", chapter.position, chapter.key);
        if files.get(&expected).is_none() {
            problems.push(
                Problem::new(&expected, None, "check-quiz-missing")
                    .with("chapter", chapter.key.clone()),
            );
        }
    }
    quizzes
}

pub(super) fn check_final(
    files: &SourceFiles,
    sections: &HashMap<String, BTreeSet<String>>,
    problems: &mut Vec<Problem>,
) -> (Option<usize>, Vec<Question>) {
    let Some(text) = files.text(FINAL_FILE) else {
        problems.push(Problem::new(FINAL_FILE, None, "check-final-missing"));
        return (None, Vec::new());
    };
    let Some(quiz) = parse_toml::<QuizToml>(text, FINAL_FILE, 0, problems) else {
        return (None, Vec::new());
    };
    let questions = check_questions(&quiz.questions, FINAL_FILE, text, None, sections, problems);
    let per_attempt = match quiz.questions_per_attempt {
        None => None,
        Some(n) if n >= 1 && (n as usize) <= quiz.questions.len() => Some(n as usize),
        Some(_) => {
            problems.push(Problem::new(
                FINAL_FILE,
                find_line(text, "questions_per_attempt"),
                "check-per-attempt",
            ));
            None
        }
    };
    if quiz.questions.is_empty() {
        problems.push(Problem::new(FINAL_FILE, None, "check-quiz-empty"));
    }
    (per_attempt, questions)
}

pub(super) fn check_questions(
    raw: &[QuestionToml],
    file: &str,
    text: &str,
    chapter: Option<&str>,
    sections: &HashMap<String, BTreeSet<String>>,
    problems: &mut Vec<Problem>,
) -> Vec<Question> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (index, question) in raw.iter().enumerate() {
        let id = non_empty(&question.id);
        let line = id
            .as_ref()
            .and_then(|id| find_line(text, &format!("\"{id}\"")))
            .or_else(|| {
                text.match_indices("[[questions]]")
                    .nth(index)
                    .map(|(o, _)| line_at(text, o))
            });
        let Some(id) = id.filter(|id| valid_key(id)) else {
            problems.push(Problem::new(file, line, "check-question-id"));
            continue;
        };
        if !seen.insert(id.clone()) {
            problems.push(
                Problem::new(file, line, "check-question-twice").with("question", id.clone()),
            );
        }
        let before = problems.len();
        let kind = question.kind.as_deref().and_then(QuestionKind::parse);
        if kind.is_none() {
            problems
                .push(Problem::new(file, line, "check-question-kind").with("question", id.clone()));
        }
        let chapter_key = match (chapter, &question.chapter) {
            (Some(own), _) => Some(own.to_owned()),
            (None, Some(named)) if sections.contains_key(named) => Some(named.clone()),
            (None, named) => {
                problems.push(
                    Problem::new(file, line, "check-question-chapter")
                        .with("question", id.clone())
                        .with("chapter", named.clone().unwrap_or_default()),
                );
                None
            }
        };
        let section = non_empty(&question.section);
        if let (Some(chapter_key), Some(section)) = (&chapter_key, &section) {
            if !sections
                .get(chapter_key)
                .is_some_and(|s| s.contains(section))
            {
                problems.push(
                    Problem::new(file, line, "check-question-section")
                        .with("question", id.clone())
                        .with("section", section.clone())
                        .with("chapter", chapter_key.clone()),
                );
            }
        } else if section.is_none() {
            problems.push(
                Problem::new(file, line, "check-question-no-section").with("question", id.clone()),
            );
        }
        let prompt = both(&question.prompt, file, line, "prompt", problems);
        let explanation = both(&question.explanation, file, line, "explanation", problems);
        let options = match kind {
            Some(QuestionKind::TrueFalse) => {
                true_false_options(question, file, line, &id, problems)
            }
            Some(kind) => check_options(question, kind, file, line, &id, problems),
            None => Vec::new(),
        };
        if problems.len() > before {
            continue;
        }
        if let (Some(kind), Some(chapter), Some(section), Some(prompt), Some(explanation)) =
            (kind, chapter_key, section, prompt, explanation)
        {
            out.push(Question {
                key: id,
                kind,
                chapter,
                section,
                prompt,
                explanation,
                options,
            });
        }
    }
    out
}

pub(super) fn true_false_options(
    question: &QuestionToml,
    file: &str,
    line: Option<usize>,
    id: &str,
    problems: &mut Vec<Problem>,
) -> Vec<AnswerOption> {
    let Some(answer) = question.answer else {
        problems.push(Problem::new(file, line, "check-true-false-answer").with("question", id));
        return Vec::new();
    };
    if !question.options.is_empty() {
        problems.push(Problem::new(file, line, "check-true-false-options").with("question", id));
    }
    vec![
        AnswerOption {
            key: "true".into(),
            text: Bilingual {
                km: "ត្រូវ".into(),
                en: "True".into(),
            },
            correct: answer,
        },
        AnswerOption {
            key: "false".into(),
            text: Bilingual {
                km: "ខុស".into(),
                en: "False".into(),
            },
            correct: !answer,
        },
    ]
}

pub(super) fn check_options(
    question: &QuestionToml,
    kind: QuestionKind,
    file: &str,
    line: Option<usize>,
    id: &str,
    problems: &mut Vec<Problem>,
) -> Vec<AnswerOption> {
    if question.answer.is_some() {
        problems.push(Problem::new(file, line, "check-answer-not-true-false").with("question", id));
    }
    if question.options.len() < 2 {
        problems.push(Problem::new(file, line, "check-options-few").with("question", id));
    }
    let mut keys = BTreeSet::new();
    let mut texts: [BTreeSet<String>; 2] = [BTreeSet::new(), BTreeSet::new()];
    let mut out = Vec::new();
    for option in &question.options {
        let Some(key) = non_empty(&option.id).filter(|k| valid_key(k)) else {
            problems.push(Problem::new(file, line, "check-option-id").with("question", id));
            continue;
        };
        if !keys.insert(key.clone()) {
            problems.push(
                Problem::new(file, line, "check-option-twice")
                    .with("question", id)
                    .with("option", key.clone()),
            );
        }
        let text = Texts {
            km: option.km.clone(),
            en: option.en.clone(),
        };
        let Some(text) = both(&text, file, line, "option", problems) else {
            continue;
        };
        for (seen, value) in texts.iter_mut().zip([&text.km, &text.en]) {
            if !seen.insert(value.to_lowercase()) {
                problems.push(
                    Problem::new(file, line, "check-option-same-text")
                        .with("question", id)
                        .with("option", key.clone()),
                );
            }
        }
        out.push(AnswerOption {
            key,
            text,
            correct: option.correct,
        });
    }
    let correct = question.options.iter().filter(|o| o.correct).count();
    if correct == 0 {
        problems.push(Problem::new(file, line, "check-no-correct").with("question", id));
    } else if kind == QuestionKind::Single && correct > 1 {
        problems.push(Problem::new(file, line, "check-single-many-correct").with("question", id));
    }
    out
}
