//! Password policy of the `identity` context: which new passwords are refused.
//!
//! A new password is refused when it is
//! - shorter than [`MIN_PASSWORD_CHARS`] characters (Unicode scalar values),
//! - longer than [`MAX_PASSWORD_BYTES`] bytes (bound on the Argon2 input),
//! - the same as the account's email address (case-insensitive, also after trimming),
//! - on the embedded list of common passwords (case-insensitive, after trimming).

// The common-password list (`common_passwords.txt`) is the union of three published lists,
// keeping only entries of 10 or more characters, lowercased, de-duplicated and sorted:
// - crates.io `zxcvbn` 3.1.1 (MIT), `PASSWORDS` in `src/frequency_lists.rs`;
// - PyPI `Django` 5.2.19 (BSD-3-Clause), `django/contrib/auth/common-passwords.txt.gz`
//   (Royce Williams' list of 20,000 common passwords);
// - npm `@zxcvbn-ts/language-common` 4.1.3 (MIT), `src/passwords.json`.
// Shorter entries are left out because the length rule already refuses them.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

/// Fewest characters (Unicode scalar values) a new password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Most bytes (UTF-8) a new password may have; bounds the input handed to Argon2.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Why a chosen password is refused; Display is one clear sentence shown to people and CLI users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    #[error(
        "The password must be at least {} characters long.",
        MIN_PASSWORD_CHARS
    )]
    TooShort,
    /// More than [`MAX_PASSWORD_BYTES`] bytes.
    #[error(
        "The password must be at most {} bytes long, the limit for input to password hashing (Argon2).",
        MAX_PASSWORD_BYTES
    )]
    TooLong,
    /// Same as the account's email address.
    #[error("The password must not be the same as the email address.")]
    SameAsEmail,
    /// On the list of commonly used passwords.
    #[error(
        "The password is on a list of commonly used passwords; choose one that is harder to guess."
    )]
    Common,
}

/// Embedded list: one lowercase password of at least 10 characters per line.
const COMMON_PASSWORDS_TEXT: &str = include_str!("common_passwords.txt");

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    COMMON_PASSWORDS_TEXT
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

/// Checks a new password against the policy.
pub fn check_new_password(password: &str, email: &str) -> Result<(), WeakPassword> {
    // Byte bound first, so nothing below walks an arbitrarily large input.
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(WeakPassword::TooLong);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(WeakPassword::TooShort);
    }
    if is_same_as_email(password, email) {
        return Err(WeakPassword::SameAsEmail);
    }
    if is_common(password) {
        return Err(WeakPassword::Common);
    }
    Ok(())
}

/// Case-insensitive comparison after trimming both sides, without allocating.
fn is_same_as_email(password: &str, email: &str) -> bool {
    let email = email.trim();
    if email.is_empty() {
        return false;
    }
    let password = password.trim();
    password
        .chars()
        .flat_map(char::to_lowercase)
        .eq(email.chars().flat_map(char::to_lowercase))
}

/// Case-insensitive lookup in the embedded list; allocates only when lowercasing changes something.
fn is_common(password: &str) -> bool {
    let candidate = password.trim();
    let candidate: Cow<'_, str> =
        if candidate.is_ascii() && !candidate.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Borrowed(candidate)
        } else {
            Cow::Owned(candidate.to_lowercase())
        };
    COMMON_PASSWORDS.contains(candidate.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMAIL: &str = "anna.berg@example.se";
    const UNCOMMON: &str = "Vattenkanna-Gräslök-47";

    #[test]
    fn a_long_uncommon_password_is_accepted() {
        assert_eq!(check_new_password(UNCOMMON, EMAIL), Ok(()));
    }

    #[test]
    fn a_password_of_nine_characters_is_refused() {
        assert_eq!(
            check_new_password("Zq8#vLm2p", EMAIL),
            Err(WeakPassword::TooShort)
        );
    }

    #[test]
    fn a_password_of_ten_uncommon_characters_is_accepted() {
        assert_eq!(check_new_password("Zq8#vLm2pX", EMAIL), Ok(()));
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        // Nine characters but eighteen bytes: still too short.
        assert_eq!(
            check_new_password("åäöåäöåäö", EMAIL),
            Err(WeakPassword::TooShort)
        );
        // Ten characters of two bytes each: long enough.
        assert_eq!(check_new_password("åäöåäöåäöå", EMAIL), Ok(()));
    }

    #[test]
    fn an_empty_password_is_refused_as_too_short() {
        assert_eq!(check_new_password("", EMAIL), Err(WeakPassword::TooShort));
    }

    #[test]
    fn a_password_longer_than_1024_bytes_is_refused() {
        let password = "x7".repeat(512) + "q";
        assert_eq!(password.len(), MAX_PASSWORD_BYTES + 1);
        assert_eq!(
            check_new_password(&password, EMAIL),
            Err(WeakPassword::TooLong)
        );
    }

    #[test]
    fn a_password_of_exactly_1024_bytes_is_accepted() {
        let password = "x7".repeat(512);
        assert_eq!(password.len(), MAX_PASSWORD_BYTES);
        assert_eq!(check_new_password(&password, EMAIL), Ok(()));
    }

    #[test]
    fn the_length_bound_is_counted_in_bytes_not_characters() {
        // 600 characters but 1200 bytes.
        let password = "ä".repeat(600);
        assert_eq!(
            check_new_password(&password, EMAIL),
            Err(WeakPassword::TooLong)
        );
    }

    #[test]
    fn a_password_equal_to_the_email_is_refused() {
        assert_eq!(
            check_new_password(EMAIL, EMAIL),
            Err(WeakPassword::SameAsEmail)
        );
    }

    #[test]
    fn a_password_equal_to_the_email_is_refused_whatever_the_case() {
        assert_eq!(
            check_new_password("Anna.BERG@Example.SE", EMAIL),
            Err(WeakPassword::SameAsEmail)
        );
        assert_eq!(
            check_new_password(EMAIL, "ANNA.BERG@EXAMPLE.SE"),
            Err(WeakPassword::SameAsEmail)
        );
    }

    #[test]
    fn a_password_equal_to_the_email_after_trimming_is_refused() {
        assert_eq!(
            check_new_password("  anna.berg@example.se\t", EMAIL),
            Err(WeakPassword::SameAsEmail)
        );
        assert_eq!(
            check_new_password(EMAIL, " anna.berg@example.se \n"),
            Err(WeakPassword::SameAsEmail)
        );
    }

    #[test]
    fn a_password_equal_to_a_non_ascii_email_is_refused_whatever_the_case() {
        assert_eq!(
            check_new_password("ÅSA.ÖBERG@EXEMPEL.SE", "åsa.öberg@exempel.se"),
            Err(WeakPassword::SameAsEmail)
        );
    }

    #[test]
    fn a_password_containing_the_email_but_longer_is_not_refused_as_the_email() {
        assert_eq!(
            check_new_password("anna.berg@example.se-Xq9", EMAIL),
            Ok(())
        );
    }

    #[test]
    fn a_blank_email_does_not_refuse_a_password_of_spaces_as_the_email() {
        // Ten spaces trim to "", as does the blank email; that is no match.
        assert_ne!(
            check_new_password("          ", "  "),
            Err(WeakPassword::SameAsEmail)
        );
    }

    #[test]
    fn a_common_password_is_refused() {
        for password in [
            "password123",
            "1234567890",
            "qwertyuiop",
            "password1234",
            "iloveyou123",
            "qwerty123456",
            "123456789a",
            "letmein123",
            "welcome123",
        ] {
            assert_eq!(
                check_new_password(password, EMAIL),
                Err(WeakPassword::Common),
                "{password} should be refused as common"
            );
        }
    }

    #[test]
    fn a_common_password_is_refused_whatever_the_case() {
        assert_eq!(
            check_new_password("PassWord123", EMAIL),
            Err(WeakPassword::Common)
        );
        assert_eq!(
            check_new_password("QWERTYUIOP", EMAIL),
            Err(WeakPassword::Common)
        );
    }

    #[test]
    fn a_common_password_surrounded_by_spaces_is_refused() {
        assert_eq!(
            check_new_password(" password123 ", EMAIL),
            Err(WeakPassword::Common)
        );
    }

    #[test]
    fn a_common_password_with_a_character_added_is_not_on_the_list() {
        assert_eq!(check_new_password("password123§", EMAIL), Ok(()));
    }

    #[test]
    fn the_embedded_list_holds_thousands_of_lowercase_entries_of_ten_characters_or_more() {
        assert!(COMMON_PASSWORDS.len() > 2000, "{}", COMMON_PASSWORDS.len());
        for entry in COMMON_PASSWORDS.iter() {
            assert!(
                entry.chars().count() >= MIN_PASSWORD_CHARS,
                "{entry:?} is shorter than the minimum and can never match"
            );
            assert_eq!(
                *entry,
                entry.to_lowercase(),
                "{entry:?} is not lowercase and can never match"
            );
            assert_eq!(*entry, entry.trim(), "{entry:?} has surrounding spaces");
        }
    }

    #[test]
    fn every_message_is_one_sentence_that_names_its_limit() {
        assert!(
            WeakPassword::TooShort
                .to_string()
                .contains("at least 10 characters")
        );
        let too_long = WeakPassword::TooLong.to_string();
        assert!(too_long.contains("1024 bytes"), "{too_long}");
        assert!(too_long.contains("Argon2"), "{too_long}");
        assert!(WeakPassword::SameAsEmail.to_string().contains("email"));
        assert!(WeakPassword::Common.to_string().contains("common"));
        for error in [
            WeakPassword::TooShort,
            WeakPassword::TooLong,
            WeakPassword::SameAsEmail,
            WeakPassword::Common,
        ] {
            let message = error.to_string();
            assert!(message.ends_with('.'), "{message}");
            assert_eq!(message.matches(". ").count(), 0, "{message}");
        }
    }
}
