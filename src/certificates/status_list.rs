//! The W3C Bitstring Status List encoding: a bitstring, index 0 at the left-most bit,
//! GZIP-compressed and written as multibase base64url (`u` prefix, no padding).

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

pub fn encode(set: &[i64]) -> String {
    let mut bits = vec![0u8; STATUS_LIST_BITS / 8];
    for &index in set {
        if let Ok(i) = usize::try_from(index)
            && i < STATUS_LIST_BITS
        {
            bits[i / 8] |= 0x80 >> (i % 8);
        }
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    // Writing to memory cannot fail.
    let _ = gz.write_all(&bits);
    let compressed = gz.finish().unwrap_or_default();
    format!("u{}", URL_SAFE_NO_PAD.encode(compressed))
}

/// Whether bit `index` is set in an encoded list; `None` if the list is not one.
pub fn is_set(encoded: &str, index: usize) -> Option<bool> {
    let compressed = URL_SAFE_NO_PAD.decode(encoded.strip_prefix('u')?).ok()?;
    let mut bits = Vec::new();
    GzDecoder::new(compressed.as_slice())
        .take(16 * 1024 * 1024)
        .read_to_end(&mut bits)
        .ok()?;
    let byte = bits.get(index / 8)?;
    Some(byte & (0x80 >> (index % 8)) != 0)
}

/// A status list has at least 131,072 entries (16 KiB), so that the index of one
/// credential says little about who holds it (the specification's minimum).
pub const STATUS_LIST_BITS: usize = 131_072;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_exactly_the_given_bits() {
        let encoded = encode(&[0, 9, 131_071]);
        assert!(encoded.starts_with('u'));
        for i in [0, 9, 131_071] {
            assert_eq!(is_set(&encoded, i), Some(true), "{i}");
        }
        for i in [1, 8, 10, 131_070] {
            assert_eq!(is_set(&encoded, i), Some(false), "{i}");
        }
        assert_eq!(is_set(&encoded, 131_072), None);
        assert_eq!(is_set("xnotalist", 0), None);
    }
}
