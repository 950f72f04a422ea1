//! The one CSV writer for every file Sala hands out: UTF-8 with a byte-order mark (so that
//! spreadsheet programs show Khmer rather than mojibake), quoted by the `csv` crate, and
//! every cell that a spreadsheet would read as a formula neutralised as OWASP recommends
//! (<https://owasp.org/www-community/attacks/CSV_Injection>): a cell that starts with `=`,
//! `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so `=HYPERLINK(…)` typed
//! as a name is shown as text and never run. No maintained crate does this one rule, so it
//! is written here, in one place.

use std::borrow::Cow;

const BOM: &str = "\u{feff}";

/// Characters that make a spreadsheet read a cell as a formula (or that hide one after them).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV file being written in memory.
pub struct CsvSheet {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for CsvSheet {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvSheet {
    pub fn new() -> Self {
        CsvSheet {
            writer: csv::Writer::from_writer(BOM.as_bytes().to_vec()),
        }
    }

    /// Writes one row; every cell is neutralised first.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> Result<(), csv::Error> {
        let cells: Vec<Cow<'a, str>> = cells.into_iter().map(neutralise).collect();
        self.writer
            .write_record(cells.iter().map(|cell| cell.as_bytes()))
    }

    /// The finished file's bytes.
    pub fn finish(self) -> Result<Vec<u8>, csv::Error> {
        self.writer
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// A cell as a spreadsheet will show it, never run it.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_shown_as_text() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
        for cell in ["Sok", "សុខ", "", "1", "a=b", "'=1"] {
            assert_eq!(neutralise(cell), cell);
        }
    }

    #[test]
    fn a_sheet_starts_with_a_bom_and_quotes_as_csv_does() -> Result<(), csv::Error> {
        let mut sheet = CsvSheet::new();
        sheet.row(["name", "note"])?;
        sheet.row(["=HYPERLINK(\"http://x\",\"y\")", "សុខ, Sok"])?;
        let text = String::from_utf8(sheet.finish()?).unwrap_or_default();
        assert_eq!(
            text,
            "\u{feff}name,note\n\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"សុខ, Sok\"\n"
        );
        Ok(())
    }
}
