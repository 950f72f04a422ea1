//! Taking the signed credential back out of a certificate PDF, where it travels as an
//! embedded file, `credential.jwt`, stored uncompressed.
//!
//! Written by hand rather than with a PDF parser: the file comes from anyone, and a parser
//! inflates compressed streams without a bound (a 2 MB upload can expand to gigabytes).
//! Our PDFs store the token as plain bytes between line breaks, so one pass over the file
//! finds it: the file is cut into runs of token characters (base64url and `.`), each byte is
//! looked at once, and only a run that looks like a compact JWS (`eyJ…`, two dots, not too
//! long) is parsed — at most [`MAX_CANDIDATES`] of them. A PDF re-saved with the attachment
//! compressed is refused as "not a certificate" (the learner can download it again).

/// The name the credential has inside the PDF.
pub const FILE_NAME: &str = "credential.jwt";

/// The longest token taken out of a PDF.
const MAX_TOKEN_BYTES: usize = 256 * 1024;

/// How many runs that look like a token are parsed before the file is given up on. Our
/// PDFs hold one; a file made to hold thousands gets no more work than this.
pub const MAX_CANDIDATES: usize = 16;

/// The most bytes looked at: more than any upload `/verify` takes (2 MB).
pub const MAX_SCANNED_BYTES: usize = 4 * 1024 * 1024;

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'
}

/// Does this run of token characters have the shape of a compact JWS? A JOSE header
/// always begins `eyJ`, the base64url of `{"`; three parts, none empty.
fn looks_like_a_token(run: &[u8]) -> bool {
    run.len() <= MAX_TOKEN_BYTES
        && run.starts_with(b"eyJ")
        && run.iter().filter(|b| **b == b'.').count() == 2
        && !run.ends_with(b".")
        && !run.windows(2).any(|w| w == b"..")
}

/// The first compact JWS in the PDF's bytes, if any: linear in the file's size.
pub fn credential_in(pdf: &[u8]) -> Option<String> {
    let pdf = &pdf[..pdf.len().min(MAX_SCANNED_BYTES)];
    pdf.split(|b| !is_token_byte(*b))
        .filter(|run| looks_like_a_token(run))
        .take(MAX_CANDIDATES)
        .find_map(|run| {
            let token = std::str::from_utf8(run).ok()?;
            super::jws::parse(token).ok().map(|_| token.to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed() -> String {
        let key = crate::certificates::keys::generate();
        let payload = match serde_json::json!({"a": 1}) {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        crate::certificates::jws::sign(&payload, &key, "k")
    }

    #[test]
    fn finds_the_token_among_pdf_bytes_and_nothing_in_other_files() {
        let token = signed();
        let pdf = format!("%PDF-1.7\n1 0 obj\n<< /Length 5 >>\nstream\n{token}\nendstream\n%%EOF");
        assert_eq!(credential_in(pdf.as_bytes()), Some(token));
        assert_eq!(credential_in(b"%PDF-1.7 eyJhbGciOi. eyJ.x"), None);
        assert_eq!(credential_in(b""), None);
    }

    #[test]
    fn many_decoys_before_the_token_are_given_up_on() {
        let token = signed();
        let decoy = "eyJhbGciOiJFZERTQSJ9.eyJ4Ijox.AAAA\n".repeat(MAX_CANDIDATES);
        let pdf = format!("%PDF-1.7\n{decoy}{token}\n");
        assert_eq!(credential_in(pdf.as_bytes()), None);
        let pdf = format!("%PDF-1.7\n{token}\n{decoy}");
        assert_eq!(credential_in(pdf.as_bytes()), Some(token));
    }

    #[test]
    fn a_file_of_token_starts_is_one_run_looked_at_once() {
        // The file from the security review: `%PDF` and `eyJ` repeated to 2 MB. Before,
        // every `eyJ` started a scan of up to 256 KB (226 s of CPU); now it is one run.
        let mut pdf = b"%PDF".to_vec();
        pdf.extend(b"eyJ".repeat(700_000));
        assert_eq!(credential_in(&pdf), None);
    }
}
