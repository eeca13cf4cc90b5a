//! Errors from loading a policy or checking role names against it, and the
//! mapping of byte offsets in policy text to `file:line` locations.

use std::path::PathBuf;

use super::RoleKind;

/// Why a policy could not be loaded, or why role names were refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Told apart from [`PolicyError::Io`] so that the most likely start-up
    /// mistake reads plainly even when the error chain is not printed.
    #[error("policy file `{}` does not exist", path.display())]
    Missing { path: PathBuf },

    #[error("cannot read policy file `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The policy text is malformed or inconsistent; `line` is 1-based.
    #[error("{origin}:{line}: {message}")]
    Invalid {
        origin: String,
        line: usize,
        message: String,
    },

    #[error("unknown {kind} role `{name}`")]
    UnknownRole { name: String, kind: RoleKind },

    #[error("role `{name}` is a {actual} role, not a {expected} role")]
    WrongRoleKind {
        name: String,
        expected: RoleKind,
        actual: RoleKind,
    },
}

/// Reads `<dir>/<name>`, telling a missing file apart from one that cannot be read;
/// returns the name to report errors under and the text.
pub(crate) fn read_policy_file(
    dir: &std::path::Path,
    name: &str,
) -> Result<(String, String), PolicyError> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => PolicyError::Missing { path: path.clone() },
        _ => PolicyError::Io {
            path: path.clone(),
            source,
        },
    })?;
    Ok((path.display().to_string(), text))
}

/// Policy text and where it came from, to report errors as `file:line`.
pub(crate) struct Source<'a> {
    pub origin: &'a str,
    pub text: &'a str,
}

impl Source<'_> {
    /// An [`PolicyError::Invalid`] at the line holding byte `offset`.
    pub fn error(&self, offset: usize, message: impl Into<String>) -> PolicyError {
        let newlines = self.text.bytes().take(offset).filter(|&b| b == b'\n');
        PolicyError::Invalid {
            origin: self.origin.to_owned(),
            line: newlines.count() + 1,
            message: message.into(),
        }
    }

    pub fn toml_error(&self, error: &toml::de::Error) -> PolicyError {
        // toml splits some messages over lines; a start-up error stays on one.
        let message = error.message().lines().collect::<Vec<_>>().join(": ");
        self.error(error.span().map_or(0, |span| span.start), message)
    }
}

impl Source<'_> {
    /// Refuses a name that is not lowercase words joined by `separator`.
    pub fn check_name(
        &self,
        name: &toml::Spanned<String>,
        what: &str,
        separator: char,
    ) -> Result<(), PolicyError> {
        let is_word = |word: &str| {
            let is_allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
            !word.is_empty() && word.bytes().all(is_allowed)
        };
        if name.get_ref().split(separator).all(is_word) {
            return Ok(());
        }
        let message = format!(
            "{what} `{}` must be lowercase words joined by `{separator}`",
            name.get_ref()
        );
        Err(self.error(name.span().start, message))
    }
}
