//! Small, audited building blocks from `ring`: randomness, digests, HMAC, AEAD and the
//! master key that wraps everything stored encrypted.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::{aead, digest, hkdf, hmac};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use std::path::Path;

pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // SystemRandom only fails if the OS has no entropy source, which no supported platform lacks.
    if SystemRandom::new().fill(&mut bytes).is_err() {
        unreachable_entropy();
    }
    bytes
}

#[cold]
#[allow(clippy::panic)]
fn unreachable_entropy() -> ! {
    panic!("the operating system's random number generator failed")
}

/// A 256-bit random value, base64url: session ids, codes, refresh tokens, client secrets.
pub fn random_token() -> String {
    b64url(&random_bytes::<32>())
}

/// A shorter random identifier that need not be secret (key ids, sids, request ids).
pub fn random_id() -> String {
    b64url(&random_bytes::<16>())
}

/// Secrets are stored only as this digest; a random 256-bit value needs no slow hash.
pub fn digest_hex(secret: &str) -> String {
    let d = digest::digest(&digest::SHA256, secret.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The root secret: it encrypts signing keys at rest and derives the keys for CSRF tokens
/// and pairwise subjects. Losing it means losing the signing keys (tokens become unverifiable).
#[derive(Clone)]
pub struct MasterKey {
    key: [u8; 32],
}

#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("TROHET_MASTER_KEY must be 32 bytes as base64 or 64 hex digits")]
    Malformed,
    #[error("cannot read or create the master key file {path}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("the master key file {0} is malformed")]
    MalformedFile(String),
}

impl MasterKey {
    pub fn parse(text: &str) -> Result<Self, MasterKeyError> {
        let text = text.trim();
        let bytes = hex_decode(text)
            .or_else(|| STANDARD.decode(text).ok())
            .or_else(|| URL_SAFE_NO_PAD.decode(text).ok())
            .ok_or(MasterKeyError::Malformed)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| MasterKeyError::Malformed)?;
        Ok(Self { key })
    }

    /// Reads `master.key` in the data directory, creating it (mode 0600) on first start.
    pub fn load_or_create_file(data_dir: &Path) -> Result<(Self, bool), MasterKeyError> {
        let path = data_dir.join("master.key");
        let file_error = |source| MasterKeyError::File {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let key = Self::parse(&text)
                    .map_err(|_| MasterKeyError::MalformedFile(path.display().to_string()))?;
                Ok((key, false))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = random_bytes::<32>();
                write_private_file(&path, STANDARD.encode(key).as_bytes()).map_err(file_error)?;
                Ok((Self { key }, true))
            }
            Err(e) => Err(file_error(e)),
        }
    }

    /// A purpose-bound subkey (HKDF-SHA256), so one secret never serves two uses.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, b"trohet");
        let prk = salt.extract(&self.key);
        let info = [purpose.as_bytes()];
        let mut out = [0u8; 32];
        let filled = prk
            .expand(&info, hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(&mut out));
        debug_assert!(
            filled.is_ok(),
            "32 bytes is within HKDF-SHA256's output limit"
        );
        out
    }

    /// AES-256-GCM with a random nonce, stored as nonce || ciphertext || tag.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> Vec<u8> {
        let key = self.aead_key(purpose);
        let nonce_bytes = random_bytes::<12>();
        let mut in_out = plaintext.to_vec();
        let nonce = aead::Nonce::assume_unique_for_key(nonce_bytes);
        // Sealing fails only for inputs beyond GCM's ~64 GiB limit.
        let _ = key.seal_in_place_append_tag(nonce, aead::Aad::from(purpose), &mut in_out);
        let mut sealed = nonce_bytes.to_vec();
        sealed.extend_from_slice(&in_out);
        sealed
    }

    pub fn open(&self, purpose: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < 12 {
            return None;
        }
        let (nonce_bytes, ciphertext) = sealed.split_at(12);
        let nonce = aead::Nonce::try_assume_unique_for_key(nonce_bytes).ok()?;
        let mut in_out = ciphertext.to_vec();
        let key = self.aead_key(purpose);
        let plain = key
            .open_in_place(nonce, aead::Aad::from(purpose), &mut in_out)
            .ok()?;
        Some(plain.to_vec())
    }

    fn aead_key(&self, purpose: &str) -> aead::LessSafeKey {
        let bytes = self.derive(&format!("aead:{purpose}"));
        // A 32-byte key is always valid for AES-256-GCM.
        let unbound =
            aead::UnboundKey::new(&aead::AES_256_GCM, &bytes).unwrap_or_else(|_| unreachable_key());
        aead::LessSafeKey::new(unbound)
    }
}

#[cold]
#[allow(clippy::panic)]
fn unreachable_key() -> aead::UnboundKey {
    panic!("AES-256-GCM rejected a 32-byte key")
}

/// HMAC-SHA256 under a derived key, base64url.
pub fn hmac_b64(key: &[u8; 32], message: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    b64url(hmac::sign(&key, message).as_ref())
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_data_opens_only_under_the_same_key_and_purpose() {
        let key = MasterKey::parse(&"ab".repeat(32)).unwrap();
        let sealed = key.seal("signing-key", b"secret");
        assert_eq!(key.open("signing-key", &sealed).unwrap(), b"secret");
        assert!(key.open("other", &sealed).is_none());
        let other = MasterKey::parse(&"cd".repeat(32)).unwrap();
        assert!(other.open("signing-key", &sealed).is_none());
    }

    #[test]
    fn the_master_key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let (first, created) = MasterKey::load_or_create_file(dir.path()).unwrap();
        assert!(created);
        let (second, created) = MasterKey::load_or_create_file(dir.path()).unwrap();
        assert!(!created);
        assert_eq!(first.key, second.key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("master.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
