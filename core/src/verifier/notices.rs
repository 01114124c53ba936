//! The notices triggers send (migration `0009_verifier.sql`) and instances send each
//! other, as the verifier reads them.

/// What a notice asks an instance to drop.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Notice<'a> {
    Created {
        public_id: &'a str,
        digest: Vec<u8>,
        canary: bool,
    },
    Deleted {
        row: i64,
        public_id: &'a str,
    },
    Revoked {
        row: i64,
        public_id: &'a str,
    },
    Token(i64),
    Owner(i64),
    Role(i64),
    All,
    Settle {
        instance: &'a str,
        id: u64,
    },
}

/// Bytes from lower-case hexadecimal, as PostgreSQL's `encode(…, 'hex')` writes them.
fn hex(text: &str) -> Option<Vec<u8>> {
    text.len().is_multiple_of(2).then_some(())?;
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

impl<'a> Notice<'a> {
    pub(super) fn parse(payload: &'a str) -> Option<Self> {
        let mut words = payload.split(' ');
        let kind = words.next()?;
        let mut next = || words.next();
        Some(match kind {
            "created" => Notice::Created {
                public_id: next()?,
                digest: hex(next()?)?,
                canary: match next() {
                    None => false,
                    Some("canary") => true,
                    Some(_) => return None,
                },
            },
            "deleted" => Notice::Deleted {
                row: next()?.parse().ok()?,
                public_id: next()?,
            },
            "revoked" => Notice::Revoked {
                row: next()?.parse().ok()?,
                public_id: next()?,
            },
            "token" => Notice::Token(next()?.parse().ok()?),
            "owner" => Notice::Owner(next()?.parse().ok()?),
            "role" => Notice::Role(next()?.parse().ok()?),
            "all" => Notice::All,
            "settle" => Notice::Settle {
                instance: next()?,
                id: next()?.parse().ok()?,
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_read_as_the_triggers_write_them() {
        assert_eq!(
            Notice::parse("revoked 12 Ab12Cd34Ef56"),
            Some(Notice::Revoked {
                row: 12,
                public_id: "Ab12Cd34Ef56"
            })
        );
        assert_eq!(Notice::parse("owner 3"), Some(Notice::Owner(3)));
        assert_eq!(Notice::parse("role 4"), Some(Notice::Role(4)));
        assert_eq!(Notice::parse("token 5"), Some(Notice::Token(5)));
        assert_eq!(Notice::parse("all"), Some(Notice::All));
        assert_eq!(
            Notice::parse("created Ab12Cd34Ef56 00ff10"),
            Some(Notice::Created {
                public_id: "Ab12Cd34Ef56",
                digest: vec![0, 255, 16],
                canary: false,
            })
        );
        assert_eq!(
            Notice::parse("created Ab12Cd34Ef56 00ff10 canary"),
            Some(Notice::Created {
                public_id: "Ab12Cd34Ef56",
                digest: vec![0, 255, 16],
                canary: true,
            })
        );
        assert_eq!(Notice::parse("created Ab12Cd34Ef56 00ff10 what"), None);
        assert_eq!(Notice::parse("created Ab12Cd34Ef56 0g"), None);
        assert_eq!(
            Notice::parse("deleted 7 Ab12Cd34Ef56"),
            Some(Notice::Deleted {
                row: 7,
                public_id: "Ab12Cd34Ef56"
            })
        );
        assert_eq!(Notice::parse("owner x"), None);
        assert_eq!(Notice::parse("nonsense"), None);
    }
}
