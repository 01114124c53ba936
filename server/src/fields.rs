//! The rules for the text people type into forms and API bodies: names, free text and
//! email addresses. Each check returns the cleaned value or an error naming the field.

use app::AppError;

/// A trimmed name of 1 to `max` characters without control characters.
pub fn name(field: &str, name: &str, max: usize) -> Result<String, AppError> {
    let name = name.trim();
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
    Ok(name.to_owned())
}

/// Optional free text: trimmed, at most `max` characters, no control characters but
/// line breaks.
pub fn text(field: &str, text: Option<&str>, max: usize) -> Result<String, AppError> {
    let text = text.unwrap_or_default().trim();
    if text.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("Use at most {max} characters."),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::invalid(field, "Remove the control characters."));
    }
    Ok(text.to_owned())
}

/// The longest email address there can be (RFC 5321's path limit less its brackets).
pub const EMAIL_MAX: usize = 254;

/// A trimmed, lower-cased email address.
pub fn email(field: &str, email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    let well_formed = email.len() <= EMAIL_MAX
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
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
