//! The token format: `lk_` + a 12-character public id + `_` + a 32-character secret + a
//! 6-character checksum, all base62. The checksum is the CRC32 of everything before it,
//! so a mistyped or made-up token is refused without touching the database, and secret
//! scanners can recognise Latchkey tokens with few false positives:
//!
//! ```text
//! \blk_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}\b
//! ```

use crate::secrets;

pub use types::tokens::{PREFIX, PUBLIC_ID_LEN};
pub const SECRET_LEN: usize = 32;
pub const CHECKSUM_LEN: usize = 6;
pub const TOKEN_LEN: usize = PREFIX.len() + PUBLIC_ID_LEN + 1 + SECRET_LEN + CHECKSUM_LEN;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A freshly generated token: the plaintext (shown once) and what is stored of it.
pub struct Generated {
    pub plaintext: String,
    pub public_id: String,
    pub secret_digest: Vec<u8>,
}

/// A token that passed the format and checksum checks.
#[derive(Debug, PartialEq, Eq)]
pub struct Parsed<'a> {
    pub public_id: &'a str,
    pub secret: &'a str,
}

pub fn generate() -> Generated {
    let public_id = secrets::random_string(BASE62, PUBLIC_ID_LEN);
    let secret = secrets::random_string(BASE62, SECRET_LEN);
    let plaintext = assemble(&public_id, &secret);
    Generated {
        secret_digest: secrets::sha256(secret.as_bytes()),
        plaintext,
        public_id,
    }
}

/// Checks the shape and the checksum; `None` for anything that is not a Latchkey token.
pub fn parse(token: &str) -> Option<Parsed<'_>> {
    if token.len() != TOKEN_LEN || !token.is_ascii() || !token.starts_with(PREFIX) {
        return None;
    }
    let (body, sum) = token.split_at(TOKEN_LEN - CHECKSUM_LEN);
    let rest = &body[PREFIX.len()..];
    let (public_id, secret) = rest.split_at(PUBLIC_ID_LEN);
    let secret = secret.strip_prefix('_')?;
    let base62 = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    if !(base62(public_id) && base62(secret) && base62(sum)) || checksum(body) != sum {
        return None;
    }
    Some(Parsed { public_id, secret })
}

/// A token of the right shape and checksum from its parts (base62, 12 and 32 characters):
/// what tests and benchmarks use to forge well-formed tokens Latchkey never issued.
pub fn assemble(public_id: &str, secret: &str) -> String {
    let body = format!("{PREFIX}{public_id}_{secret}");
    format!("{body}{}", checksum(&body))
}

fn checksum(body: &str) -> String {
    let mut n = crc32fast::hash(body.as_bytes()) as u64;
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).expect("base62 is ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_token_has_the_documented_shape_and_parses() {
        let token = generate();
        assert_eq!(token.plaintext.len(), TOKEN_LEN);
        assert!(token.plaintext.starts_with("lk_"));
        assert_eq!(&token.plaintext[15..16], "_");
        let parsed = parse(&token.plaintext).expect("parses");
        assert_eq!(parsed.public_id, token.public_id);
        assert_eq!(
            secrets::sha256(parsed.secret.as_bytes()),
            token.secret_digest
        );
    }

    #[test]
    fn one_changed_character_breaks_the_checksum() {
        let token = generate().plaintext;
        let mut typo = token.clone().into_bytes();
        typo[20] = if typo[20] == b'a' { b'b' } else { b'a' };
        assert!(parse(&String::from_utf8(typo).unwrap()).is_none());
    }

    #[test]
    fn other_strings_are_not_tokens() {
        for s in [
            "",
            "lk_",
            "Bearer abc",
            &"x".repeat(TOKEN_LEN),
            "lk_ÄÄÄÄÄÄÄÄÄÄÄÄ_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(parse(s).is_none(), "{s}");
        }
    }

    #[test]
    fn tokens_are_unique() {
        assert_ne!(generate().plaintext, generate().plaintext);
    }
}
