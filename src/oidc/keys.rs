//! Signing keys: generated on first start, stored sealed under the master key so that every
//! instance on one database signs with the same keys, and rotated by `trohet keys rotate`.
//! A new key is published in JWKS before it signs anything (`ACTIVATION_DELAY_SECS`), so
//! relying parties and sibling instances holding a cached key set can verify its first
//! tokens; a retired key stays in JWKS until every token it signed has expired.

use super::jws::SigningAlg;
use crate::clock::UnixTime;
use crate::crypto::{self, MasterKey};
use crate::db::Db;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use openidconnect::JsonWebKeyId;
use openidconnect::core::{CoreJsonCurveType, CoreJsonWebKey, CoreJsonWebKeySet};
use std::sync::{Arc, RwLock};

const SEAL_PURPOSE: &str = "signing-key";

/// Longer than a cached JWKS lives at a relying party (`max-age=300`) plus the interval at
/// which instances re-read keys (60 s).
pub const ACTIVATION_DELAY_SECS: i64 = 360;

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

pub struct SigningKey {
    pub kid: String,
    pub alg: SigningAlg,
    pair: Pair,
    public_key: Vec<u8>,
    jwk: CoreJsonWebKey,
    created_at: UnixTime,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot generate a {0} key")]
    Generate(&'static str),
    #[error("cannot decrypt signing key {0}: the master key differs from the one that sealed it")]
    Unseal(String),
    #[error("signing key {0} is corrupt")]
    Corrupt(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

impl SigningKey {
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        // Signing fails only on an RNG failure or a key ring cannot produce; both are
        // impossible for keys that loaded, so an empty signature (never valid) is returned.
        match &self.pair {
            Pair::Rsa(pair) => {
                let mut sig = vec![0; pair.public_modulus_len()];
                match pair.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig) {
                    Ok(()) => sig,
                    Err(_) => Vec::new(),
                }
            }
            Pair::Ec(pair) => pair
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .unwrap_or_default(),
            Pair::Ed(pair) => pair.sign(message).as_ref().to_vec(),
        }
    }

    pub fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        let algorithm: &dyn signature::VerificationAlgorithm = match self.alg {
            SigningAlg::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            SigningAlg::Es256 => &signature::ECDSA_P256_SHA256_FIXED,
            SigningAlg::EdDsa => &signature::ED25519,
        };
        signature::UnparsedPublicKey::new(algorithm, &self.public_key)
            .verify(message, sig)
            .is_ok()
    }
}

/// The keys one instance currently knows: the newest live key per algorithm signs,
/// all listed keys verify.
pub struct KeyRing {
    keys: Vec<Arc<SigningKey>>,
    jwks_json: bytes::Bytes,
}

impl KeyRing {
    /// The key that signs now: the newest one published long enough ago, or, on a first
    /// start when there is no older one, the newest.
    pub fn active(&self, alg: SigningAlg, now: UnixTime) -> Option<&Arc<SigningKey>> {
        let mut of_alg = self.keys_of(alg);
        let newest = self.keys_of(alg).next();
        of_alg
            .find(|k| k.created_at <= now - ACTIVATION_DELAY_SECS)
            .or(newest)
    }

    /// The keys of one algorithm, newest first.
    pub fn keys_of(&self, alg: SigningAlg) -> impl Iterator<Item = &Arc<SigningKey>> {
        self.keys.iter().filter(move |k| k.alg == alg)
    }

    pub fn find(&self, kid: &str) -> Option<&Arc<SigningKey>> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    pub fn jwks_json(&self) -> bytes::Bytes {
        self.jwks_json.clone()
    }
}

/// Shared, swappable key ring: reloaded on rotation and periodically from the database.
pub struct KeyStore {
    ring: RwLock<Arc<KeyRing>>,
}

impl KeyStore {
    pub fn new(ring: KeyRing) -> Self {
        Self {
            ring: RwLock::new(Arc::new(ring)),
        }
    }

    pub fn current(&self) -> Arc<KeyRing> {
        match self.ring.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, ring: KeyRing) {
        match self.ring.write() {
            Ok(mut guard) => *guard = Arc::new(ring),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(ring),
        }
    }
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    kid: String,
    alg: String,
    sealed_private_key: Vec<u8>,
    public_jwk: String,
    created_at: i64,
}

/// Loads every key still needed for verification, generating a key for any algorithm
/// that has none (first start, or a new algorithm).
pub async fn load(
    db: &Db,
    master: &MasterKey,
    now: UnixTime,
    retention_secs: i64,
) -> Result<KeyRing, KeyError> {
    let mut ring = read_ring(db, master, now, retention_secs).await?;
    let missing: Vec<SigningAlg> = SigningAlg::ALL
        .into_iter()
        .filter(|alg| ring.active(*alg, now).is_none())
        .collect();
    if !missing.is_empty() {
        let mut conn = db.acquire().await?;
        for alg in missing {
            insert_new_key(&mut conn, master, alg, now).await?;
        }
        ring = read_ring(db, master, now, retention_secs).await?;
    }
    Ok(ring)
}

/// Adds a new key per algorithm and retires the previous ones (they keep verifying), in
/// the caller's transaction so the audit event commits with it.
pub async fn rotate(
    tx: &mut crate::db::Tx,
    master: &MasterKey,
    now: UnixTime,
) -> Result<Vec<String>, KeyError> {
    let mut kids = Vec::new();
    sqlx::query("update signing_key set retired_at = $1 where retired_at is null")
        .bind(now)
        .execute(&mut **tx)
        .await?;
    for alg in SigningAlg::ALL {
        kids.push(insert_new_key(tx, master, alg, now).await?);
    }
    Ok(kids)
}

/// A key as the admin API lists it (public parts only).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyInfo {
    pub kid: String,
    pub alg: String,
    pub public_jwk: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

/// Every key still in the table, newest first.
pub async fn list(db: &Db) -> Result<Vec<KeyInfo>, sqlx::Error> {
    sqlx::query_as(
        "select kid, alg, public_jwk, created_at, retired_at from signing_key \
         order by created_at desc, kid",
    )
    .fetch_all(db)
    .await
}

async fn read_ring(
    db: &Db,
    master: &MasterKey,
    now: UnixTime,
    retention_secs: i64,
) -> Result<KeyRing, KeyError> {
    let rows: Vec<KeyRow> = sqlx::query_as(
        "select kid, alg, sealed_private_key, public_jwk, created_at from signing_key \
         where retired_at is null or retired_at > $1 order by created_at desc, kid",
    )
    // A retired key still signs until its successor is active, then its tokens live on.
    .bind(now - retention_secs - ACTIVATION_DELAY_SECS)
    .fetch_all(db)
    .await?;
    let keys = rows
        .into_iter()
        .map(|row| open_row(master, row).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()?;
    let jwks = CoreJsonWebKeySet::new(keys.iter().map(|k| k.jwk.clone()).collect());
    let jwks_json = serde_json::to_vec(&jwks).unwrap_or_default().into();
    Ok(KeyRing { keys, jwks_json })
}

fn open_row(master: &MasterKey, row: KeyRow) -> Result<SigningKey, KeyError> {
    let corrupt = || KeyError::Corrupt(row.kid.clone());
    let alg = SigningAlg::parse(&row.alg).ok_or_else(corrupt)?;
    let pkcs8 = master
        .open(SEAL_PURPOSE, &row.sealed_private_key)
        .ok_or_else(|| KeyError::Unseal(row.kid.clone()))?;
    let pair = pair_from_pkcs8(alg, &pkcs8).ok_or_else(corrupt)?;
    let jwk: CoreJsonWebKey = serde_json::from_str(&row.public_jwk).map_err(|_| corrupt())?;
    let public_key = match &pair {
        Pair::Rsa(p) => p.public_key().as_ref().to_vec(),
        Pair::Ec(p) => p.public_key().as_ref().to_vec(),
        Pair::Ed(p) => p.public_key().as_ref().to_vec(),
    };
    Ok(SigningKey {
        kid: row.kid,
        alg,
        pair,
        public_key,
        jwk,
        created_at: row.created_at,
    })
}

fn pair_from_pkcs8(alg: SigningAlg, pkcs8: &[u8]) -> Option<Pair> {
    match alg {
        SigningAlg::Rs256 => RsaKeyPair::from_pkcs8(pkcs8).ok().map(Pair::Rsa),
        SigningAlg::Es256 => {
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8)
                .ok()
                .map(Pair::Ec)
        }
        SigningAlg::EdDsa => Ed25519KeyPair::from_pkcs8(pkcs8).ok().map(Pair::Ed),
    }
}

async fn insert_new_key(
    conn: &mut sqlx::AnyConnection,
    master: &MasterKey,
    alg: SigningAlg,
    now: UnixTime,
) -> Result<String, KeyError> {
    let kid = crypto::random_id();
    let (pkcs8, jwk) = tokio::task::spawn_blocking({
        let kid = kid.clone();
        move || generate(alg, &kid)
    })
    .await
    .map_err(|_| KeyError::Generate(alg.as_str()))??;
    sqlx::query(
        "insert into signing_key (kid, alg, sealed_private_key, public_jwk, created_at, retired_at) \
         values ($1, $2, $3, $4, $5, null)",
    )
    .bind(&kid)
    .bind(alg.as_str())
    .bind(master.seal(SEAL_PURPOSE, &pkcs8))
    .bind(serde_json::to_string(&jwk).unwrap_or_default())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(kid)
}

/// A fresh PKCS#8 private key and its public JWK. `ring` cannot generate RSA keys, so the
/// `rsa` crate does that one job; `ring` signs with every key.
fn generate(alg: SigningAlg, kid: &str) -> Result<(Vec<u8>, CoreJsonWebKey), KeyError> {
    let rng = SystemRandom::new();
    let kid = Some(JsonWebKeyId::new(kid.to_string()));
    let failed = || KeyError::Generate(alg.as_str());
    match alg {
        SigningAlg::Rs256 => {
            use rsa::pkcs8::EncodePrivateKey;
            use rsa::traits::PublicKeyParts;
            let private =
                rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|_| failed())?;
            let der = private.to_pkcs8_der().map_err(|_| failed())?;
            let jwk =
                CoreJsonWebKey::new_rsa(private.n().to_bytes_be(), private.e().to_bytes_be(), kid);
            Ok((der.as_bytes().to_vec(), jwk))
        }
        SigningAlg::Es256 => {
            let doc =
                EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                    .map_err(|_| failed())?;
            let pair =
                EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref())
                    .map_err(|_| failed())?;
            // Uncompressed point: 0x04 || x (32 bytes) || y (32 bytes).
            let point = pair.public_key().as_ref();
            let (x, y) = (point[1..33].to_vec(), point[33..65].to_vec());
            Ok((
                doc.as_ref().to_vec(),
                CoreJsonWebKey::new_ec(x, y, CoreJsonCurveType::P256, kid),
            ))
        }
        SigningAlg::EdDsa => {
            let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| failed())?;
            let pair = Ed25519KeyPair::from_pkcs8(doc.as_ref()).map_err(|_| failed())?;
            let x = pair.public_key().as_ref().to_vec();
            Ok((
                doc.as_ref().to_vec(),
                CoreJsonWebKey::new_okp(x, CoreJsonCurveType::Ed25519, kid),
            ))
        }
    }
}

/// The master key's one use inside the provider: sealing and opening signing keys. The
/// provider holds this, never the master key itself.
#[derive(Clone)]
pub struct KeyVault {
    master: MasterKey,
    /// How long a retired key keeps verifying.
    retention_secs: i64,
}

impl KeyVault {
    pub fn new(master: MasterKey, retention_secs: i64) -> Self {
        Self {
            master,
            retention_secs,
        }
    }

    pub async fn load(&self, db: &Db, now: UnixTime) -> Result<KeyRing, KeyError> {
        load(db, &self.master, now, self.retention_secs).await
    }

    pub async fn rotate(
        &self,
        tx: &mut crate::db::Tx,
        now: UnixTime,
    ) -> Result<Vec<String>, KeyError> {
        rotate(tx, &self.master, now).await
    }
}
