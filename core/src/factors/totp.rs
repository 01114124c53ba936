//! Authenticator-app codes, as RFC 6238 defines them with the parameters every app
//! assumes: HMAC-SHA-1, six digits, thirty-second steps. The secret's address for the app
//! (`otpauth://totp/…`) and its QR code, drawn here as an SVG.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// A secret's length: 160 bits, as RFC 4226 recommends for HMAC-SHA-1.
pub const SECRET_BYTES: usize = 20;

/// The time step `unix_seconds` falls in.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The code for `step` (RFC 4226's HOTP with the step as counter, dynamically truncated).
pub fn code(secret: &[u8], step: i64) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let word = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    word % 10u32.pow(DIGITS)
}

/// The step, within one of `now_step` either way (a clock a little fast or slow, a code
/// typed as it turned), whose code is `typed`; the latest first. The comparison is
/// constant-time.
pub fn matching_step(secret: &[u8], typed: &str, now_step: i64) -> Option<i64> {
    let typed = normalise(typed)?;
    [now_step + 1, now_step, now_step - 1]
        .into_iter()
        .find(|&step| {
            let expected = format!("{:0width$}", code(secret, step), width = DIGITS as usize);
            crate::secrets::constant_time_eq(expected.as_bytes(), typed.as_bytes())
        })
}

/// A typed code without the spaces apps show in its middle; `None` unless six digits.
pub fn normalise(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS as usize && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits)
}

/// The secret as apps take it typed: base32 without padding, in groups of four.
pub fn secret_text(secret: &[u8]) -> String {
    let plain = data_encoding::BASE32_NOPAD.encode(secret);
    plain
        .as_bytes()
        .chunks(4)
        .map(|group| std::str::from_utf8(group).expect("base32 is ASCII"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` address an app reads from the QR code (Google's "Key Uri Format"),
/// naming the issuer and the account so that the person can tell entries apart.
pub fn uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let label = format!("{}:{}", escape(issuer), escape(account));
    format!(
        "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        data_encoding::BASE32_NOPAD.encode(secret),
        escape(issuer),
    )
}

/// Percent-encodes all but the unreserved characters of RFC 3986.
fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The QR code of `uri` as an SVG element, dark on light with a quiet zone, sized by the
/// page (a view box, no width or height of its own).
pub fn qr_svg(uri: &str) -> String {
    let code = qrcode::QrCode::with_error_correction_level(uri, qrcode::EcLevel::M)
        .expect("an otpauth address fits a QR code");
    code.render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret and its eight-digit codes, of which an app's
    /// six are the last six.
    #[test]
    fn codes_are_rfc_6238s() {
        let secret = b"12345678901234567890";
        for (time, eight) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(code(secret, step_at(time)), eight % 1_000_000, "at {time}");
        }
    }

    #[test]
    fn a_code_one_step_either_side_matches_and_no_further() {
        let secret = b"12345678901234567890";
        let now = step_at(1_234_567_890);
        let at = |step: i64| format!("{:06}", code(secret, step));
        assert_eq!(matching_step(secret, &at(now), now), Some(now));
        assert_eq!(matching_step(secret, &at(now - 1), now), Some(now - 1));
        assert_eq!(matching_step(secret, &at(now + 1), now), Some(now + 1));
        assert_eq!(matching_step(secret, &at(now - 2), now), None);
        assert_eq!(matching_step(secret, &at(now + 2), now), None);
        let spaced = format!("{} {}", &at(now)[..3], &at(now)[3..]);
        assert_eq!(matching_step(secret, &spaced, now), Some(now));
        assert_eq!(matching_step(secret, "12345", now), None);
        assert_eq!(matching_step(secret, "abcdef", now), None);
    }

    #[test]
    fn the_secret_reads_as_base32_and_the_uri_names_issuer_and_account() {
        let secret = b"12345678901234567890";
        assert_eq!(
            secret_text(secret),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        assert_eq!(
            uri("Latchkey", "ada@example.com", secret),
            "otpauth://totp/Latchkey:ada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Latchkey&algorithm=SHA1&digits=6&period=30"
        );
        let svg = qr_svg(&uri("Latchkey", "ada@example.com", secret));
        assert!(svg.contains("<svg") && svg.contains("viewBox"), "{svg}");
    }
}
