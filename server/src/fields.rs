//! The rules for the text people type into forms and API bodies: names, free text and
//! email addresses. Each check returns the cleaned value or an error naming the field.

use app::AppError;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Characters that show nothing or turn text around: zero-width spaces and joiners, bidi
/// overrides and isolates, soft hyphens (Unicode's format characters). With them, two
/// names that look the same could differ, or a name could display as another.
fn is_invisible(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
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

/// A trimmed name of 1 to `max` characters without control characters.
pub fn name(field: &str, name: &str, max: usize) -> Result<String, AppError> {
    let name = &clean(name);
    if name.is_empty() {
        return Err(AppError::invalid(field, "Enter a name."));
    }
    if name.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("Use at most {max} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            "Remove the control characters (tabs, line breaks).",
        ));
    }
    refuse_invisible(field, name)?;
    Ok(name.to_owned())
}

/// Optional free text: trimmed, at most `max` characters, no control characters but
/// line breaks.
pub fn text(field: &str, text: Option<&str>, max: usize) -> Result<String, AppError> {
    let text = &clean(text.unwrap_or_default());
    if text.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("Use at most {max} characters."),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::invalid(field, "Remove the control characters."));
    }
    refuse_invisible(field, text)?;
    Ok(text.to_owned())
}

/// The longest email address there can be (RFC 5321's path limit less its brackets).
pub const EMAIL_MAX: usize = 254;

/// A trimmed, lower-cased email address.
pub fn email(field: &str, email: &str) -> Result<String, AppError> {
    let email = clean(email).to_lowercase();
    let well_formed = email.len() <= EMAIL_MAX
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || is_invisible(c))
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if well_formed {
        Ok(email)
    } else {
        Err(AppError::invalid(
            field,
            "Enter an email address such as ada@example.com.",
        ))
    }
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
}
