//! The invitation list a coordinator uploads or pastes: CSV in UTF-8 (with or without a
//! byte-order mark), comma-, semicolon- or tab-separated, with a header row in Khmer or
//! English. Each row is accepted or rejected with a reason; nothing here touches the
//! database, so the preview and the confirmed invitation read the file the same way.

use std::collections::{HashMap, HashSet};

use crate::accounts::{Email, PersonNames, fields::short_text};
use crate::model::ids::{OrganisationId, ProvinceId};
use crate::organisations::{Organisation, Province};

/// A roster larger than this is refused whole: split it by office.
pub const MAX_ROWS: usize = 5_000;
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    NameKm,
    NameLatin,
    Email,
    Office,
    Province,
    Position,
}

/// Header names, compared after lower-casing and removing spaces, `_`, `-`, `(`, `)`
/// and `:`, so "Name (Khmer)", "name_km" and "NAME KM" are one name.
const HEADERS: &[(&str, Column)] = &[
    ("namekm", Column::NameKm),
    ("nameinkhmer", Column::NameKm),
    ("khmername", Column::NameKm),
    ("namekhmer", Column::NameKm),
    ("ឈ្មោះ", Column::NameKm),
    ("ឈ្មោះខ្មែរ", Column::NameKm),
    ("ឈ្មោះជាភាសាខ្មែរ", Column::NameKm),
    ("ឈ្មោះជាអក្សរខ្មែរ", Column::NameKm),
    ("namelatin", Column::NameLatin),
    ("nameinlatin", Column::NameLatin),
    ("nameinlatinscript", Column::NameLatin),
    ("latinname", Column::NameLatin),
    ("nameenglish", Column::NameLatin),
    ("englishname", Column::NameLatin),
    ("ឈ្មោះឡាតាំង", Column::NameLatin),
    ("ឈ្មោះជាអក្សរឡាតាំង", Column::NameLatin),
    ("email", Column::Email),
    ("emailaddress", Column::Email),
    ("អ៊ីមែល", Column::Email),
    ("អ៉ីមែល", Column::Email),
    ("office", Column::Office),
    ("ការិយាល័យ", Column::Office),
    ("អង្គភាព", Column::Office),
    ("province", Column::Province),
    ("ខេត្ត", Column::Province),
    ("រាជធានីខេត្ត", Column::Province),
    ("ខេត្តរាជធានី", Column::Province),
    ("position", Column::Position),
    ("តួនាទី", Column::Position),
    ("មុខតំណែង", Column::Position),
];

fn column(header: &str) -> Option<Column> {
    let key: String = header
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && !"_-():/".contains(*c))
        .collect();
    HEADERS
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, c)| *c)
}

/// Why a whole file is refused. Each is a message key the page shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error("roster-empty")]
    Empty,
    #[error("roster-not-utf8")]
    NotUtf8,
    #[error("roster-too-big")]
    TooBig,
    /// The header lacks these columns (message keys of the column names).
    #[error("roster-missing-columns")]
    MissingColumns(Vec<&'static str>),
    #[error("roster-unreadable")]
    Unreadable(String),
}

/// Why one row is not invited: a message key, and for duplicates the earlier line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    pub reason: &'static str,
    pub line: Option<usize>,
}

impl Rejection {
    fn new(reason: &'static str) -> Self {
        Self { reason, line: None }
    }
}

/// One person, as checked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub name_km: String,
    pub name_latin: String,
    pub email: String,
    pub office: String,
    pub province: String,
    pub position: String,
    #[serde(skip)]
    pub office_id: Option<OrganisationId>,
    #[serde(skip)]
    pub province_id: Option<ProvinceId>,
    pub rejections: Vec<Rejection>,
}

impl Row {
    pub fn accepted(&self) -> bool {
        self.rejections.is_empty()
    }
}

/// What rows are checked against: the provinces, the offices the cohort covers, and who
/// is already invited to it.
pub struct Known<'a> {
    pub provinces: &'a [Province],
    pub offices: &'a [Organisation],
    pub invited: &'a HashSet<String>,
}

/// Reads a roster and checks every row. A file-level problem refuses the whole file.
pub fn read(bytes: &[u8], known: &Known<'_>) -> Result<Vec<Row>, RosterError> {
    if bytes.len() > MAX_BYTES {
        return Err(RosterError::TooBig);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| RosterError::NotUtf8)?;
    let text = text.trim_start_matches('\u{feff}');
    let first_line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .ok_or(RosterError::Empty)?;
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| RosterError::Unreadable(e.to_string()))?
        .clone();
    let mut positions: HashMap<Column, usize> = HashMap::new();
    for (i, header) in headers.iter().enumerate() {
        if let Some(c) = column(header) {
            // The first of two same columns wins.
            positions.entry(c).or_insert(i);
        }
    }
    let missing: Vec<&'static str> = [
        (Column::NameKm, "field-name-km"),
        (Column::NameLatin, "field-name-latin"),
        (Column::Email, "field-email"),
    ]
    .into_iter()
    .filter(|(c, _)| !positions.contains_key(c))
    .map(|(_, key)| key)
    .collect();
    if !missing.is_empty() {
        return Err(RosterError::MissingColumns(missing));
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| RosterError::Unreadable(e.to_string()))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(RosterError::TooBig);
        }
        let line = record
            .position()
            .map_or(rows.len() + 2, |p| p.line() as usize);
        let cell = |c: Column| {
            positions
                .get(&c)
                .and_then(|i| record.get(*i))
                .unwrap_or_default()
                .to_owned()
        };
        let mut row = check_row(line, &cell, known);
        if !row.email.is_empty() {
            match seen.get(&row.email) {
                Some(first) => row.rejections.push(Rejection {
                    reason: "roster-duplicate",
                    line: Some(*first),
                }),
                None => {
                    seen.insert(row.email.clone(), line);
                }
            }
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(RosterError::Empty);
    }
    Ok(rows)
}

fn check_row(line: usize, cell: &dyn Fn(Column) -> String, known: &Known<'_>) -> Row {
    let mut rejections = Vec::new();
    let raw_email = cell(Column::Email);
    let email = match Email::parse(&raw_email) {
        Ok(email) => email.as_str().to_owned(),
        Err(error) => {
            rejections.push(Rejection::new(error.message));
            raw_email.trim().to_lowercase()
        }
    };
    let (name_km, name_latin) = (cell(Column::NameKm), cell(Column::NameLatin));
    match PersonNames::parse(&name_km, &name_latin) {
        Ok(_) => {}
        Err(errors) => rejections.extend(errors.iter().map(|e| Rejection::new(e.message))),
    }
    let position = cell(Column::Position);
    if let Err(error) = short_text(&position, "position", 100) {
        rejections.push(Rejection::new(error.message));
    }
    let province = cell(Column::Province);
    let province_id = if province.is_empty() {
        None
    } else {
        let found = find_province(known.provinces, &province);
        if found.is_none() {
            rejections.push(Rejection::new("roster-unknown-province"));
        }
        found
    };
    let office = cell(Column::Office);
    let office_id = if office.is_empty() {
        None
    } else {
        match find_office(known.offices, &office) {
            Ok(id) => Some(id),
            Err(reason) => {
                rejections.push(Rejection::new(reason));
                None
            }
        }
    };
    if rejections.is_empty() && known.invited.contains(&email) {
        rejections.push(Rejection::new("roster-already-invited"));
    }
    Row {
        line,
        name_km,
        name_latin,
        email,
        office,
        province,
        position,
        office_id,
        province_id,
        rejections,
    }
}

/// Names compared without case, spaces or accents: "Kratie" is "Kratié". (Khmer is left
/// as it is: its combining signs are letters, not accents.)
fn same_name(a: &str, b: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let squash = |s: &str| {
        s.nfd()
            .filter(|c| !c.is_whitespace() && (!is_combining_mark(*c) || is_khmer_sign(*c)))
            .collect::<String>()
            .to_lowercase()
    };
    squash(a) == squash(b)
}

fn is_khmer_sign(c: char) -> bool {
    ('\u{1780}'..='\u{17FF}').contains(&c)
}

/// A province by its Khmer or English name ("Phnom Penh", "ភ្នំពេញ") or its number.
fn find_province(provinces: &[Province], raw: &str) -> Option<ProvinceId> {
    let number = raw.parse::<i32>().ok();
    provinces
        .iter()
        .find(|p| {
            Some(p.id.0) == number || same_name(&p.name_en, raw) || same_name(&p.name_km, raw)
        })
        .map(|p| p.id)
}

/// An office by its code (slug), Khmer or English name, among the cohort's offices.
fn find_office(offices: &[Organisation], raw: &str) -> Result<OrganisationId, &'static str> {
    let matches: Vec<&Organisation> = offices
        .iter()
        .filter(|o| {
            o.slug.eq_ignore_ascii_case(raw.trim())
                || same_name(&o.name_en, raw)
                || same_name(&o.name_km, raw)
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.id),
        [] => Err("roster-unknown-office"),
        _ => Err("roster-ambiguous-office"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::organisations::{OrgKind, OrganisationId, ProvinceId};

    fn provinces() -> Vec<Province> {
        vec![
            Province {
                id: ProvinceId(10),
                name_en: "Kratié".into(),
                name_km: "ក្រចេះ".into(),
                is_capital: false,
            },
            Province {
                id: ProvinceId(12),
                name_en: "Phnom Penh".into(),
                name_km: "ភ្នំពេញ".into(),
                is_capital: true,
            },
        ]
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

    fn read_with(text: &str, invited: &[&str]) -> Result<Vec<Row>, RosterError> {
        let invited: HashSet<String> = invited.iter().map(|s| (*s).to_owned()).collect();
        let (p, o) = (provinces(), offices());
        read(
            text.as_bytes(),
            &Known {
                provinces: &p,
                offices: &o,
                invited: &invited,
            },
        )
    }

    fn reasons(rows: &[Row]) -> Vec<Vec<&'static str>> {
        rows.iter()
            .map(|r| r.rejections.iter().map(|x| x.reason).collect())
            .collect()
    }

    #[test]
    fn reads_english_headers_with_a_bom_and_checks_each_row() {
        let text = "\u{feff}Name in Khmer,Name in Latin script,Email,Office,Province,Position\n\
            សុខ ចាន់ធា,Sok Chantha,Sok@Example.org,PDRD Kratie,Kratie,Officer\n\
            ស្រី ពៅ,Srey Pov,not-an-email,pdrd-kratie,ក្រចេះ,\n\
            វណ្ណា,Vanna,vanna@example.org,,Atlantis,\n\
            ចាន់,Chan,sok@example.org,Nowhere,,\n";
        let rows = read_with(text, &[]).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].email, "sok@example.org");
        assert_eq!(
            (rows[0].office_id, rows[0].province_id),
            (Some(OrganisationId(7)), Some(ProvinceId(10)))
        );
        assert_eq!(rows[0].line, 2);
        assert_eq!(
            reasons(&rows),
            vec![
                vec![],
                vec!["error-email-invalid"],
                vec!["roster-unknown-province"],
                vec!["roster-unknown-office", "roster-duplicate"],
            ]
        );
        assert_eq!(rows[3].rejections[1].line, Some(2));
    }

    #[test]
    fn reads_khmer_headers_semicolons_and_quoted_commas() {
        let text = "ឈ្មោះជាភាសាខ្មែរ;ឈ្មោះជាអក្សរឡាតាំង;អ៊ីមែល;ការិយាល័យ;ខេត្ត;តួនាទី\n\
            សុខ;Sok;sok@example.org;;ភ្នំពេញ;\"Chief, WASH\"\n";
        let rows = read_with(text, &[]).unwrap();
        assert!(rows[0].accepted(), "{:?}", rows[0].rejections);
        assert_eq!(rows[0].position, "Chief, WASH");
        assert_eq!(rows[0].province_id, Some(ProvinceId(12)));
    }

    #[test]
    fn already_invited_people_are_rejected_so_a_second_upload_invites_nobody() {
        let text = "name_km,name_latin,email\nសុខ,Sok,sok@example.org\n";
        let rows = read_with(text, &["sok@example.org"]).unwrap();
        assert_eq!(reasons(&rows), vec![vec!["roster-already-invited"]]);
    }

    #[test]
    fn refuses_files_it_cannot_read_whole() {
        assert_eq!(read_with("", &[]).unwrap_err(), RosterError::Empty);
        assert_eq!(
            read_with("name_km,name_latin,email\n", &[]).unwrap_err(),
            RosterError::Empty
        );
        assert_eq!(
            read_with("Name,Email\nA,a@example.org\n", &[]).unwrap_err(),
            RosterError::MissingColumns(vec!["field-name-km", "field-name-latin"])
        );
        let latin1 = b"name_km,name_latin,email\n\xe9,x,x@example.org\n";
        let (p, o, i) = (provinces(), offices(), HashSet::new());
        let known = Known {
            provinces: &p,
            offices: &o,
            invited: &i,
        };
        assert_eq!(read(latin1, &known).unwrap_err(), RosterError::NotUtf8);
    }
}
