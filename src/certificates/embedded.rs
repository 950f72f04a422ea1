//! Taking the signed credential back out of a certificate PDF, where it travels as an
//! embedded file (the document catalogue's `/Names /EmbeddedFiles` tree).

use lopdf::{Dictionary, Document, Object};

/// The name the credential has inside the PDF.
pub const FILE_NAME: &str = "credential.jwt";

/// The credential embedded in a PDF, if there is one. Any PDF, however malformed, gives
/// `None` rather than an error: the caller says "not a certificate". The file comes from
/// anyone, so a panic in the PDF parser is caught here and counts as "not a certificate".
pub fn credential_in(pdf: &[u8]) -> Option<String> {
    std::panic::catch_unwind(|| read(pdf)).ok().flatten()
}

fn read(pdf: &[u8]) -> Option<String> {
    let doc = Document::load_mem(pdf).ok()?;
    let names = dict(&doc, doc.catalog().ok()?.get(b"Names").ok()?)?;
    let tree = dict(&doc, names.get(b"EmbeddedFiles").ok()?)?;
    let mut found = None;
    walk(&doc, tree, 0, &mut found);
    found
}

fn dict<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Dictionary> {
    doc.dereference(object).ok()?.1.as_dict().ok()
}

/// Walks a name tree (bounded depth) for our file.
fn walk(doc: &Document, node: &Dictionary, depth: usize, found: &mut Option<String>) {
    if depth > 8 || found.is_some() {
        return;
    }
    let entries = node
        .get(b"Names")
        .ok()
        .and_then(|o| doc.dereference(o).ok());
    if let Some((_, Object::Array(pairs))) = entries {
        for pair in pairs.chunks(2) {
            if let [_, spec] = pair
                && let Some(text) = file_of(doc, spec)
            {
                *found = Some(text);
                return;
            }
        }
    }
    if let Ok(Object::Array(kids)) = node.get(b"Kids") {
        for kid in kids {
            if let Some(kid) = dict(doc, kid) {
                walk(doc, kid, depth + 1, found);
            }
        }
    }
}

/// The contents of a file specification, if it names our credential file.
fn file_of(doc: &Document, spec: &Object) -> Option<String> {
    let spec = dict(doc, spec)?;
    let name = spec
        .get(b"UF")
        .or_else(|_| spec.get(b"F"))
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_str().ok().map(<[u8]>::to_vec))?;
    if !String::from_utf8_lossy(&name).ends_with(".jwt") {
        return None;
    }
    let ef = dict(doc, spec.get(b"EF").ok()?)?;
    let (_, stream) = doc.dereference(ef.get(b"F").ok()?).ok()?;
    let stream = stream.as_stream().ok()?;
    let bytes = stream
        .decompressed_content()
        .unwrap_or_else(|_| stream.content.clone());
    String::from_utf8(bytes).ok().map(|s| s.trim().to_owned())
}
