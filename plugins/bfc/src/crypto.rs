//! Encryption: ChaCha20-Poly1305 (IETF) per file, content = nonce(12) ‖ ciphertext ‖
//! tag(16), AAD = the normalised path; keys from a password (Argon2id v1.3, t=3,
//! m=64 MiB, p=1, salt = header salt[0..16]) or a raw 32-byte key file.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::{
    ChaCha20Poly1305, Key, KeyInit, Nonce,
    aead::{Aead, Payload},
};

use crate::BfcError;

pub const NONCE_LEN: usize = 12;
pub const TAG_LEN: usize = 16;

/// A 32-byte content key.
#[derive(Clone)]
pub struct ContentKey([u8; 32]);

impl std::fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContentKey(***)")
    }
}

impl ContentKey {
    /// Argon2id over the password with the first 16 salt bytes.
    pub fn from_password(password: &str, salt: &[u8; 32]) -> Result<Self, BfcError> {
        let params =
            Params::new(65536, 3, 1, Some(32)).map_err(|e| BfcError::Crypto(e.to_string()))?;
        let mut out = [0u8; 32];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(password.as_bytes(), &salt[..16], &mut out)
            .map_err(|e| BfcError::Crypto(e.to_string()))?;
        Ok(Self(out))
    }

    /// A raw key (key files hold exactly 32 bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BfcError> {
        let key: [u8; 32] = bytes.try_into().map_err(|_| {
            BfcError::Crypto(format!(
                "a key file must hold exactly 32 bytes, this one has {}",
                bytes.len()
            ))
        })?;
        Ok(Self(key))
    }

    pub fn encrypt(&self, path: &str, plaintext: &[u8]) -> Result<Vec<u8>, BfcError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::getrandom(&mut nonce).map_err(|e| BfcError::Crypto(e.to_string()))?;
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        let ct = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: path.as_bytes(),
                },
            )
            .map_err(|_| BfcError::Crypto("encryption failed".into()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn decrypt(&self, path: &str, stored: &[u8]) -> Result<Vec<u8>, BfcError> {
        if stored.len() < NONCE_LEN + TAG_LEN {
            return Err(BfcError::Corrupt(format!(
                "{path}: encrypted content too short"
            )));
        }
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        cipher
            .decrypt(
                Nonce::from_slice(&stored[..NONCE_LEN]),
                Payload {
                    msg: &stored[NONCE_LEN..],
                    aad: path.as_bytes(),
                },
            )
            .map_err(|_| BfcError::WrongKey(path.to_string()))
    }
}
