//! The rules for the text people type into forms and API bodies: names, free text and
//! email addresses. Each check returns the cleaned value or an error naming the field.

use types::AppError;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Characters that show nothing or turn text around: zero-width spaces and joiners, bidi
/// overrides and isolates, soft hyphens (Unicode's format characters). With them, two
/// names that look the same could differ, or a name could display as another.
fn is_invisible(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
}

/// Control characters (C0, DEL, C1), as a regular-expression class body.
const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";
/// Control characters but the line feed, which free text may hold.
const CONTROL_BUT_LF: &str = r"\u0000-\u0009\u000b-\u001f\u007f-\u009f";
/// Every format character (see [`is_invisible`]) as a class body: `\uXXXX` escapes in the
/// Basic Multilingual Plane, the few beyond it (tag characters, say) written out, since
/// no escape for them reads alike in ECMA-262, Python and Rust.
fn invisible_class() -> &'static str {
    static CLASS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CLASS.get_or_init(|| {
        let one = |c: char| match u32::from(c) {
            n @ 0..=0xFFFF => format!("\\u{n:04x}"),
            _ => c.to_string(),
        };
        let mut class = String::new();
        let chars = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| is_invisible(*c));
        let mut run: Option<(char, char)> = None;
        let flush = |(first, last): (char, char), class: &mut String| {
            class.push_str(&one(first));
            if last != first {
                class.push('-');
                class.push_str(&one(last));
            }
        };
        for c in chars {
            run = match run {
                Some((first, last)) if u32::from(last) + 1 == u32::from(c) => Some((first, c)),
                Some(done) => {
                    flush(done, &mut class);
                    Some((c, c))
                }
                None => Some((c, c)),
            };
        }
        if let Some(done) = run {
            flush(done, &mut class);
        }
        class
    })
}
/// White space that is not a control character: what trimming may take off the ends.
const SPACE: &str = r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// The OpenAPI `pattern` of [`name`]: something visible, no control or format character.
/// Written with `\uXXXX` escapes only, which ECMA-262, Python and Rust read alike.
pub fn name_pattern() -> String {
    let invisible = invisible_class();
    format!("^[^{CONTROL}{invisible}]*[^{CONTROL}{invisible}{SPACE}][^{CONTROL}{invisible}]*$")
}

/// The OpenAPI `pattern` of [`text`].
pub fn text_pattern() -> String {
    format!("^[^{CONTROL_BUT_LF}{}]*$", invisible_class())
}

/// The OpenAPI `pattern` of [`email`]: `local@domain.tld`, spaces around it allowed.
pub fn email_pattern() -> String {
    let invisible = invisible_class();
    let atom = format!("[^{CONTROL}{invisible}{SPACE}@.]+");
    format!("^[{SPACE}]*[^{CONTROL}{invisible}{SPACE}@]+@{atom}(\\.{atom})+[{SPACE}]*$")
}

/// Text as it will be kept: trimmed and in Unicode's composed form (NFC), so that "é"
/// typed as one character or as "e" and an accent is the same name.
fn clean(text: &str) -> String {
    text.trim().nfc().collect()
}

fn refuse_invisible(field: &str, text: &str) -> Result<(), AppError> {
    if text.chars().any(is_invisible) {
        return Err(AppError::invalid(
            field,
            "Remove the invisible or direction-changing characters (such as zero-width spaces).",
        ));
    }
    Ok(())
}

fn too_long(field: &str, max: usize) -> AppError {
    AppError::invalid(field, format!("Use at most {max} characters."))
}

/// A trimmed name of 1 to `max` characters without control or format characters (not
/// even at its ends, where trimming would hide them).
pub fn name(field: &str, name: &str, max: usize) -> Result<String, AppError> {
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            "Remove the control characters (tabs, line breaks).",
        ));
    }
    refuse_invisible(field, name)?;
    let name = clean(name);
    if name.is_empty() {
        return Err(AppError::invalid(field, "Enter a name."));
    }
    if name.chars().count() > max {
        return Err(too_long(field, max));
    }
    Ok(name)
}

/// Optional free text: trimmed, at most `max` characters, no control characters but
/// line breaks, no format characters.
pub fn text(field: &str, text: Option<&str>, max: usize) -> Result<String, AppError> {
    let text = text.unwrap_or_default();
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::invalid(field, "Remove the control characters."));
    }
    refuse_invisible(field, text)?;
    let text = clean(text);
    if text.chars().count() > max {
        return Err(too_long(field, max));
    }
    Ok(text)
}

/// The longest email address there can be (RFC 5321's path limit less its brackets).
pub const EMAIL_MAX: usize = 254;

/// A trimmed, lower-cased email address: a local part, `@`, and a domain of two or more
/// dot-separated labels, with no spaces, control or format characters.
pub fn email(field: &str, email: &str) -> Result<String, AppError> {
    let refused = || AppError::invalid(field, "Enter an email address such as ada@example.com.");
    if email.chars().any(|c| c.is_control() || is_invisible(c)) {
        return Err(refused());
    }
    let email = clean(email).to_lowercase();
    let word = |w: &str| !w.is_empty() && !w.contains(|c: char| c.is_whitespace() || c == '@');
    let well_formed = email.chars().count() <= EMAIL_MAX
        && email.split_once('@').is_some_and(|(local, domain)| {
            word(local) && domain.contains('.') && domain.split('.').all(word)
        });
    if well_formed {
        Ok(email)
    } else {
        Err(refused())
    }
}

/// The most identity-provider groups one role may be mapped to, and a group's longest name.
pub const GROUPS_MAX: usize = 50;
pub const GROUP_MAX: usize = 200;

/// Identity-provider group names: trimmed, blanks dropped, none twice, each within
/// [`GROUP_MAX`] characters, at most [`GROUPS_MAX`] of them.
pub fn groups(field: &str, groups: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for group in groups {
        let group = group.trim();
        if group.is_empty() {
            continue;
        }
        // A group is named as its identity provider names it, whatever the characters.
        if group.chars().count() > GROUP_MAX {
            return Err(AppError::invalid(
                field,
                format!("A group name is at most {GROUP_MAX} characters."),
            ));
        }
        if !out.iter().any(|g| g == group) {
            out.push(group.to_owned());
        }
    }
    if out.len() > GROUPS_MAX {
        return Err(AppError::invalid(
            field,
            format!("A role is mapped to at most {GROUPS_MAX} groups."),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_direction_changing_characters_are_refused() {
        for sneaky in [
            "SAP\u{200B}Integration",
            "Admin\u{202E}nimda",
            "\u{2066}ERP\u{2069}",
            "soft\u{AD}hyphen",
        ] {
            let error = name("name", sneaky, 100).unwrap_err();
            assert_eq!(error.field(), Some("name"), "{sneaky:?}");
            assert!(
                text("description", Some(sneaky), 100).is_err(),
                "{sneaky:?}"
            );
        }
        assert!(email("email", "ada\u{200D}@example.com").is_err());
    }

    #[test]
    fn names_are_kept_composed() {
        let decomposed = "Cafe\u{301} export";
        assert_eq!(name("name", decomposed, 100).unwrap(), "Caf\u{e9} export");
        // One character however typed: the limit counts what is kept.
        assert!(name("name", "e\u{301}", 1).is_ok());
    }

    /// The document's patterns state the same rules the server enforces: every character
    /// is refused or kept alike by both.
    #[test]
    fn the_documented_patterns_agree_with_the_rules() {
        let name_re = regex::Regex::new(&name_pattern()).unwrap();
        let text_re = regex::Regex::new(&text_pattern()).unwrap();
        let email_re = regex::Regex::new(&email_pattern()).unwrap();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let one = format!("a{c}b");
            assert_eq!(name_re.is_match(&one), name("n", &one, 10).is_ok(), "{c:?}");
            assert_eq!(
                text_re.is_match(&one),
                text("t", Some(&one), 10).is_ok(),
                "{c:?}"
            );
            let alone = c.to_string();
            assert_eq!(
                name_re.is_match(&alone),
                name("n", &alone, 10).is_ok(),
                "{c:?}"
            );
            let address = format!("a{c}@example.com");
            assert_eq!(
                email_re.is_match(&address),
                email("e", &address).is_ok(),
                "{c:?}"
            );
            let padded = format!("{c}ada@example.com{c}");
            assert_eq!(
                email_re.is_match(&padded),
                email("e", &padded).is_ok(),
                "{c:?}"
            );
        }
        for address in [
            "ada@example.com",
            " ada@example.com ",
            "ada@example",
            "@example.com",
            "ada@.example.com",
            "ada@example.com.",
            "ada@exa..mple.com",
            "ada@@example.com",
            "a@b@example.com",
            "",
        ] {
            let expected = email_re.is_match(address);
            assert_eq!(email("e", address).is_ok(), expected, "{address:?}");
        }
    }

    #[test]
    fn groups_are_trimmed_deduplicated_and_bounded() {
        let given = ["  admins ", "", "admins", "ops"].map(String::from);
        assert_eq!(groups("sso_groups", &given).unwrap(), ["admins", "ops"]);
        let long = ["x".repeat(GROUP_MAX + 1)];
        assert!(groups("sso_groups", &long).is_err());
        let many: Vec<String> = (0..=GROUPS_MAX).map(|i| format!("g{i}")).collect();
        assert!(groups("sso_groups", &many).is_err());
    }
}
