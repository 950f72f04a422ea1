//! Certificate serials: `KH-7Q4M-2XPD-9`, a country prefix, eight random Crockford base32
//! characters (40 bits) and Crockford's check character.
//!
//! Written by hand because no maintained crate implements Crockford's check character; the
//! base32 part is a dozen lines. The check is the value modulo 37, which catches every
//! single mistyped character and every swap of two neighbours (37 is prime and larger than
//! the alphabet). Crockford gives the check values 32–36 five extra symbols (`*~$=U`) that
//! are awkward to type on a phone; we simply draw again until the check falls in the plain
//! alphabet, so a serial only ever uses the 32 ordinary symbols and stays standard.

use std::fmt;

use rand::Rng;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const DATA_CHARS: usize = 8;
const MODULUS: u64 = 37;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Serial {
    prefix: String,
    value: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SerialError {
    #[error("a serial has a prefix, eight characters and a check character")]
    Shape,
    #[error("the check character does not match: a character is mistyped")]
    Check,
}

impl Serial {
    /// A new random serial whose check character is one of the 32 ordinary symbols.
    pub fn generate(prefix: &str, rng: &mut impl Rng) -> Self {
        loop {
            let value = rng.r#gen::<u64>() >> (64 - 5 * DATA_CHARS);
            if value % MODULUS < 32 {
                return Serial {
                    prefix: prefix.to_ascii_uppercase(),
                    value,
                };
            }
        }
    }

    /// Reads what someone typed: any case, with or without hyphens and spaces, `O` for
    /// zero and `I`/`L` for one (Crockford's decoding rules).
    pub fn parse(typed: &str) -> Result<Self, SerialError> {
        let cleaned: Vec<char> = typed
            .chars()
            .filter(|c| !matches!(c, '-' | ' ' | '\u{a0}'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        // Prefix: the letters before the code, taken from the original hyphenation when
        // present (`KH-...`), else the first two characters.
        let prefix_len = match typed.trim().find('-') {
            Some(i) if i > 0 && typed.trim()[..i].chars().all(|c| c.is_ascii_alphabetic()) => i,
            _ => 2,
        };
        if cleaned.len() != prefix_len + DATA_CHARS + 1 {
            return Err(SerialError::Shape);
        }
        let prefix: String = cleaned[..prefix_len].iter().collect();
        if !prefix.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(SerialError::Shape);
        }
        let mut value = 0u64;
        for &c in &cleaned[prefix_len..prefix_len + DATA_CHARS] {
            value = value * 32 + digit(c).ok_or(SerialError::Shape)?;
        }
        let check = check_digit(cleaned[prefix_len + DATA_CHARS]).ok_or(SerialError::Shape)?;
        if check != value % MODULUS {
            return Err(SerialError::Check);
        }
        Ok(Serial { prefix, value })
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code: String = (0..DATA_CHARS)
            .rev()
            .map(|i| ALPHABET[((self.value >> (5 * i)) & 31) as usize] as char)
            .collect();
        let check = check_symbol(self.value % MODULUS);
        write!(f, "{}-{}-{}-{}", self.prefix, &code[..4], &code[4..], check)
    }
}

fn digit(c: char) -> Option<u64> {
    let c = match c {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u64)
}

/// The check symbols: the alphabet, then Crockford's five extra ones.
fn check_digit(c: char) -> Option<u64> {
    match c {
        '*' => Some(32),
        '~' => Some(33),
        '$' => Some(34),
        '=' => Some(35),
        'U' => Some(36),
        other => digit(other),
    }
}

fn check_symbol(value: u64) -> char {
    match value {
        32 => '*',
        33 => '~',
        34 => '$',
        35 => '=',
        36 => 'U',
        v => ALPHABET[v as usize] as char,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn serials(n: usize) -> Vec<Serial> {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        (0..n).map(|_| Serial::generate("KH", &mut rng)).collect()
    }

    #[test]
    fn round_trips_in_the_agreed_shape() {
        for serial in serials(200) {
            let shown = serial.to_string();
            assert_eq!(shown.len(), "KH-7Q4M-2XPD-9".len(), "{shown}");
            assert!(shown.starts_with("KH-"));
            assert!(!shown.contains(['*', '~', '$', '=', 'U']), "{shown}");
            assert_eq!(Serial::parse(&shown), Ok(serial.clone()));
            assert_eq!(
                Serial::parse(&shown.to_lowercase().replace('-', " ")),
                Ok(serial)
            );
        }
    }

    #[test]
    fn reads_o_as_zero_and_i_or_l_as_one() {
        let serial = serials(500)
            .into_iter()
            .find(|s| s.to_string()[3..].contains(['0', '1']))
            .expect("some serial has a 0 or a 1");
        let typed = serial.to_string()[3..].replace('0', "o").replace('1', "l");
        assert_eq!(Serial::parse(&format!("KH-{typed}")), Ok(serial));
    }

    #[test]
    fn every_single_mistyped_character_is_caught() {
        for serial in serials(50) {
            let shown: Vec<char> = serial.to_string().chars().collect();
            for (i, &original) in shown.iter().enumerate().skip(3) {
                if original == '-' {
                    continue;
                }
                for &other in ALPHABET {
                    let other = other as char;
                    if other == original {
                        continue;
                    }
                    let mut typed = shown.clone();
                    typed[i] = other;
                    let typed: String = typed.into_iter().collect();
                    assert!(
                        Serial::parse(&typed).is_err(),
                        "{typed} passed for {serial}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_swap_of_neighbours_is_caught() {
        for serial in serials(200) {
            let code: Vec<char> = serial.to_string().chars().filter(|&c| c != '-').collect();
            for i in 2..code.len() - 1 {
                if code[i] == code[i + 1] {
                    continue;
                }
                let mut typed = code.clone();
                typed.swap(i, i + 1);
                let typed: String = typed.into_iter().collect();
                assert!(
                    Serial::parse(&typed).is_err(),
                    "{typed} passed for {serial}"
                );
            }
        }
    }

    #[test]
    fn refuses_what_is_not_a_serial() {
        for typed in [
            "",
            "KH",
            "KH-1234",
            "KH-1234-5678-9-0",
            "KH-12#4-5678-9",
            "12-1234-5678-9",
        ] {
            assert_eq!(Serial::parse(typed), Err(SerialError::Shape), "{typed}");
        }
    }
}
