//! Taking the signed credential back out of a certificate PDF, where it travels as an
//! embedded file, `credential.jwt`, stored uncompressed.
//!
//! Written by hand rather than with a PDF parser: the file comes from anyone, and a parser
//! inflates compressed streams without a bound (a 2 MB upload can expand to gigabytes).
//! Our PDFs store the token as plain bytes, so a bounded scan for the one compact JWT in
//! the file finds it; a PDF re-saved with the attachment compressed is refused as "not a
//! certificate" (the learner can download it again).

/// The name the credential has inside the PDF.
pub const FILE_NAME: &str = "credential.jwt";

/// The longest token taken out of a PDF.
const MAX_TOKEN_BYTES: usize = 256 * 1024;

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// The first compact JWS in the PDF's bytes (a JOSE header always begins `eyJ`, the
/// base64url of `{"`), if any.
pub fn credential_in(pdf: &[u8]) -> Option<String> {
    let mut from = 0;
    while let Some(offset) = pdf[from..].windows(3).position(|w| w == b"eyJ") {
        let start = from + offset;
        let mut end = start;
        let mut dots = 0;
        while end < pdf.len() && end - start < MAX_TOKEN_BYTES {
            match pdf[end] {
                b'.' if dots < 2 => dots += 1,
                b if is_base64url(b) => {}
                _ => break,
            }
            end += 1;
        }
        let candidate = &pdf[start..end];
        if dots == 2 && !candidate.ends_with(b".") {
            let token = String::from_utf8_lossy(candidate).into_owned();
            if super::jws::parse(&token).is_ok() {
                return Some(token);
            }
        }
        from = start + 3;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_among_pdf_bytes_and_nothing_in_other_files() {
        let key = crate::certificates::keys::generate();
        let payload = match serde_json::json!({"a": 1}) {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        let token = crate::certificates::jws::sign(&payload, &key, "k");
        let pdf = format!("%PDF-1.7\n1 0 obj\n<< /Length 5 >>\nstream\n{token}\nendstream\n%%EOF");
        assert_eq!(credential_in(pdf.as_bytes()), Some(token));
        assert_eq!(credential_in(b"%PDF-1.7 eyJhbGciOi. eyJ.x"), None);
        assert_eq!(credential_in(b""), None);
    }
}
