//! Sealing secret values for GitHub: the scope's public key, libsodium's sealed box.

use base64::Engine as _;
use crypto_box::aead::OsRng;

use super::answer::Answer;

/// The scope's public key, for sealing secret values.
#[derive(Debug, Clone)]
pub struct SealKey {
    pub key_id: String,
    key: crypto_box::PublicKey,
}

impl SealKey {
    /// libsodium's `crypto_box_seal`, base64: what GitHub expects as `encrypted_value`.
    pub fn seal(&self, value: &[u8]) -> Result<String, String> {
        self.key
            .seal(&mut OsRng, value)
            .map(|sealed| base64::engine::general_purpose::STANDARD.encode(sealed))
            .map_err(|_| "cannot encrypt the value".to_owned())
    }
}

/// The public key in GitHub's answer (`key_id`, base64 `key`); an error says what is missing.
pub fn parse_key(answer: &Answer) -> Result<SealKey, String> {
    let json = answer.json().ok_or("GitHub's answer is not JSON")?;
    let key_id = json["key_id"]
        .as_str()
        .ok_or("GitHub's answer has no key_id")?
        .to_owned();
    let bytes = json["key"]
        .as_str()
        .and_then(|k| base64::engine::general_purpose::STANDARD.decode(k).ok())
        .ok_or("GitHub's answer has no base64 key")?;
    let key = crypto_box::PublicKey::from_slice(&bytes)
        .map_err(|_| format!("the key is {} bytes, not 32", bytes.len()))?;
    Ok(SealKey { key_id, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_with_the_secret_key() {
        let secret = crypto_box::SecretKey::generate(&mut OsRng);
        let key = SealKey {
            key_id: "k".into(),
            key: secret.public_key(),
        };
        let sealed = key.seal(b"exact\r\n").unwrap();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .unwrap();
        assert_eq!(secret.unseal(&raw).unwrap(), b"exact\r\n");
    }
}
