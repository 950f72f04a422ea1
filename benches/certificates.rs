//! How long one certificate PDF takes, its PNG preview, and a cohort of 500 in one PDF
//! (budgets: ≤ 100 ms and ≤ 150 KB each; 500 in one PDF ≤ 30 s). No database: the sheet is
//! what `Authority::sheet` gathers for a WASH certificate, with two signatories and their
//! signature pictures.
//!
//! Run with `cargo bench --bench certificates`; figures go to docs/benchmarks.md.

#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports on standard output"
)]

use std::time::{Duration, Instant};

use sala::certificates::pdf::{self, Sheet, SignatoryBlock};
use sala::courses::Bilingual;

fn both(km: &str, en: &str) -> Bilingual {
    Bilingual {
        km: km.into(),
        en: en.into(),
    }
}

fn sheet(n: usize, signature_bytes: &[u8]) -> Sheet {
    let signature = pdf::normalise_signature(signature_bytes);
    Sheet {
        serial: format!("KH-7Q4M-2XP{}-9", n % 10),
        verify_url: "https://sala.example.gov.kh/verify/KH-7Q4M-2XPD-9".into(),
        learner_km: "សុខ ចាន់ធា".into(),
        learner_latin: format!("Sok Chantha {n}"),
        title: both(
            "ទឹកស្អាត អនាម័យ និងអនាម័យបរិស្ថាន សម្រាប់ក្រុមជនងាយរងគ្រោះ",
            "Inclusive water, sanitation and hygiene for marginalised groups",
        ),
        version: 3,
        score: 87,
        completed_at: chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .and_then(|d| d.and_hms_opt(9, 30, 0))
            .unwrap_or_default(),
        issuer: both("ក្រសួងអភិវឌ្ឍន៍ជនបទ", "Ministry of Rural Development"),
        signatories: vec![
            SignatoryBlock {
                name: both("ឯកឧត្តម ជា សុភា", "H.E. Chea Sophea"),
                title: both("អគ្គនាយក", "Director General"),
                organisation: both("ក្រសួងអភិវឌ្ឍន៍ជនបទ", "Ministry of Rural Development"),
                signature: signature.clone(),
            },
            SignatoryBlock {
                name: both("លោកស្រី ម៉ៅ ស្រីនាង", "Ms Mao Sreyneang"),
                title: both("នាយិកាប្រតិបត្តិ", "Executive Director"),
                organisation: both("អង្គការ WASH Access", "WASH Access"),
                signature,
            },
        ],
        logos: [pdf::normalise_logo(signature_bytes), None],
        credential: "eyJhbGciOiJFZERTQSJ9.".repeat(120),
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let signature = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/courses/minimal/media/signature.png"),
    )
    .unwrap_or_default();
    let now = chrono::Utc::now().naive_utc();
    let one = sheet(0, &signature);
    // Warm up: fonts are parsed once per process.
    let _ = pdf::certificate(&one, now);

    let mut pdf_times = Vec::new();
    let mut png_times = Vec::new();
    let mut bytes = (0, 0);
    for _ in 0..30 {
        let start = Instant::now();
        let pdf_bytes = pdf::certificate(&one, now).unwrap_or_default();
        pdf_times.push(start.elapsed());
        let start = Instant::now();
        let png = pdf::preview(&pdf_bytes).unwrap_or_default();
        png_times.push(start.elapsed());
        bytes = (pdf_bytes.len(), png.len());
    }
    println!(
        "one certificate PDF: median {:.1} ms, {} KB",
        median(pdf_times).as_secs_f64() * 1000.0,
        bytes.0 / 1024
    );
    println!(
        "its PNG preview:     median {:.1} ms, {} KB",
        median(png_times).as_secs_f64() * 1000.0,
        bytes.1 / 1024
    );

    let sheets: Vec<Sheet> = (0..500).map(|n| sheet(n, &signature)).collect();
    let start = Instant::now();
    let cohort = pdf::cohort(&sheets, "Cohort", now).unwrap_or_default();
    println!(
        "cohort of 500:       {:.2} s, {} KB",
        start.elapsed().as_secs_f64(),
        cohort.len() / 1024
    );
}
