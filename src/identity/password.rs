//! Argon2id password hashing on a small pool of dedicated threads, one per concurrent hash,
//! so a burst of logins cannot exhaust memory: each hash holds 19 MiB, and a long-lived
//! thread reuses its own 19 MiB where tokio's ever-changing blocking threads would each
//! leave one behind in their allocator arena (half a gigabyte seen under load).

use super::IdentityError;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::cell::RefCell;
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::oneshot;

/// OWASP's minimum for Argon2id: m=19456 KiB, t=2, p=1.
const MEMORY_KIB: u32 = 19_456;
const ITERATIONS: u32 = 2;
const PARALLELISM: u32 = 1;

/// Verified when the email is unknown, so that an unknown address costs the same as a
/// wrong password and response times do not reveal who has an account.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0L3w1m2rSbLFEPx5e7o5oQp0DzPZgQmJmVRuQtvJj7c";

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct PasswordHasher {
    jobs: mpsc::Sender<Job>,
}

impl PasswordHasher {
    /// Starts `max_concurrent` hashing threads; they end when the last hasher is dropped.
    pub fn new(max_concurrent: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..max_concurrent.max(1) {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(&queue));
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        Self { jobs }
    }

    pub async fn hash(&self, password: &str) -> Result<String, IdentityError> {
        let password = password.to_owned();
        self.run_bounded(move || hash_phc(password.as_bytes()).ok_or(IdentityError::Hashing))
            .await?
    }

    /// Checks a password against a stored PHC string, or against a dummy when there is none.
    pub async fn verify(&self, stored: Option<String>, password: &str) -> bool {
        let password = password.to_owned();
        let known = stored.is_some();
        let outcome = self
            .run_bounded(move || {
                let phc = stored.as_deref().unwrap_or(DUMMY_HASH);
                verify_phc(phc, password.as_bytes())
            })
            .await;
        known && matches!(outcome, Ok(true))
    }

    /// Runs `job` on a hashing thread, waiting for one to be free.
    async fn run_bounded<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, IdentityError> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(job());
        });
        self.jobs.send(job).map_err(|_| IdentityError::Hashing)?;
        answered.await.map_err(|_| IdentityError::Hashing)
    }
}

/// A hashing thread: takes jobs until every sender is gone.
fn work(queue: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// The costs a stored hash may ask for before it is verified: a row someone tampered with
/// must not make one login take a gigabyte or a minute. (The `argon2` crate would honour
/// whatever the string says.)
const MAX_MEMORY_KIB: u32 = 256 * 1024;
const MAX_ITERATIONS: u32 = 16;
const MAX_PARALLELISM: u32 = 8;

fn within_bounds(hash: &PasswordHash<'_>) -> bool {
    let param = |name: &str| hash.params.get_decimal(name);
    let fits = matches!(param("m"), Some(m) if m <= MAX_MEMORY_KIB)
        && matches!(param("t"), Some(t) if t <= MAX_ITERATIONS)
        && matches!(param("p"), Some(p) if p <= MAX_PARALLELISM);
    if !fits {
        tracing::warn!("a stored password hash asks for more than the allowed Argon2 cost");
    }
    fits
}

fn argon2() -> Argon2<'static> {
    // These constants are valid Argon2 parameters; Params::new only rejects out-of-range values.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

thread_local! {
    /// The 19 MiB a hash works in, kept by each hashing thread: allocated per hash, every
    /// allocator arena would keep a copy and every page would be faulted in again.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs Argon2 in this thread's reusable memory.
fn compute(argon2: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> bool {
    MEMORY.with_borrow_mut(|blocks| {
        let needed = argon2.params().block_count();
        if blocks.len() != needed {
            blocks.resize(needed, Block::default());
            blocks.shrink_to_fit();
        }
        argon2
            .hash_password_into_with_memory(password, salt, out, &mut blocks[..])
            .is_ok()
    })
}

/// A new PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) with a random salt.
fn hash_phc(password: &[u8]) -> Option<String> {
    let argon2 = argon2();
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes).ok()?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    if !compute(&argon2, password, salt_bytes, &mut out) {
        return None;
    }
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).ok()?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).ok()?),
    };
    Some(phc.to_string())
}

/// Whether the password matches a PHC string, within the allowed costs; the comparison of
/// the outputs is constant-time (`Output`'s equality).
fn verify_phc(phc: &str, password: &[u8]) -> bool {
    let Some(parsed) = PasswordHash::new(phc).ok().filter(within_bounds) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from);
    let Ok(version) = version else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    compute(&argon2, password, salt_bytes, &mut out)
        && Output::new(&out).is_ok_and(|o| o == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_is_argon2id_with_the_required_cost_and_verifies() {
        let hasher = PasswordHasher::new(1);
        let hash = hasher.hash("correct horse battery").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify(Some(hash.clone()), "correct horse battery")
                .await
        );
        assert!(!hasher.verify(Some(hash), "wrong horse battery").await);
    }

    #[test]
    fn a_stored_hash_asking_for_absurd_costs_is_out_of_bounds() {
        let greedy = DUMMY_HASH.replace("m=19456", "m=4194304");
        assert!(!within_bounds(&PasswordHash::new(&greedy).unwrap()));
        let slow = DUMMY_HASH.replace("t=2", "t=1000");
        assert!(!within_bounds(&PasswordHash::new(&slow).unwrap()));
        assert!(within_bounds(&PasswordHash::new(DUMMY_HASH).unwrap()));
    }

    #[test]
    fn hashes_interoperate_with_the_argon2_crates_own_phc_functions() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let ours = hash_phc(b"correct horse battery").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            argon2()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let theirs = argon2()
            .hash_password(b"stored before", &salt)
            .unwrap()
            .to_string();
        assert!(verify_phc(&theirs, b"stored before"));
        assert!(!verify_phc(&theirs, b"stored after"));
    }

    #[tokio::test]
    async fn an_unknown_person_never_verifies_but_still_costs_a_hash() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!PasswordHasher::new(1).verify(None, "anything at all").await);
    }
}
