//! The herd key and the proofs made with it: HMAC-SHA256 over a challenge, so that the key
//! itself never crosses the wire.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The key used when `HERD_KEY` is not set and nodes run in separate processes. It is public (it
/// is written here and in the README), so it only keeps out accidents, never an attacker.
pub const DEMO_KEY: &str = "herdctl-demo-key";

/// The environment variable that holds the herd key.
pub const KEY_VARIABLE: &str = "HERD_KEY";

/// The environment variable that names a file holding the herd key (`--key-file`).
pub const KEY_FILE_VARIABLE: &str = "HERD_KEY_FILE";

/// Keys written in herdctl's own files and documentation (the demo key, the placeholders of the
/// compose file and the kustomization, the README's examples): public, so refused for a node
/// that others can reach.
pub const KNOWN_KEYS: &[&str] = &[DEMO_KEY, "change-me-before-deploying", "secret", "k", "..."];

/// The shortest key a node that others can reach accepts, in bytes (128 bits).
pub const SHORTEST_KEY: usize = 16;

/// How many bytes of the HMAC a fingerprint keeps (64 bits: a name, not a proof).
const FINGERPRINT_BYTES: usize = 8;

/// Why a key is too weak for a node that listens beyond loopback.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WeakKey {
    #[error("the herd key is a public one (herdctl's demo key, or an example from its files)")]
    Known,
    #[error("the herd key is {0} bytes long; at least {SHORTEST_KEY} are needed")]
    Short(usize),
}

/// The secret shared by the nodes of one herd.
#[derive(Clone)]
pub struct HerdKey(Vec<u8>);

/// Where the key came from, so that the caller can warn about a weak one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    Environment,
    /// A file (`--key-file`, `HERD_KEY_FILE`).
    File,
    /// A random key, good for a herd whose nodes all run in this one process.
    Random,
    Demo,
}

impl std::fmt::Debug for HerdKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HerdKey(..)")
    }
}

impl HerdKey {
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self(secret.into())
    }

    /// The secret itself: only for writing it back into a key file.
    pub(crate) fn secret(&self) -> &[u8] {
        &self.0
    }

    /// `HERD_KEY` if set (and not empty); otherwise a random key when the whole herd runs in this
    /// process (nobody else needs to know it), else the demo key.
    pub fn from_env(whole_herd_here: bool) -> (Self, KeySource) {
        match std::env::var(KEY_VARIABLE) {
            Ok(key) if !key.is_empty() => (Self::new(key), KeySource::Environment),
            _ if whole_herd_here => (Self::new(nonce()), KeySource::Random),
            _ => (Self::new(DEMO_KEY), KeySource::Demo),
        }
    }

    /// Why the key may not guard a node that others can reach, if it may not: a known public
    /// key, or one shorter than `SHORTEST_KEY` bytes.
    pub fn weakness(&self) -> Option<WeakKey> {
        if KNOWN_KEYS.iter().any(|known| known.as_bytes() == self.0.as_slice()) {
            Some(WeakKey::Known)
        } else if self.0.len() < SHORTEST_KEY {
            Some(WeakKey::Short(self.0.len()))
        } else {
            None
        }
    }

    fn mac(&self, parts: &[&str]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        for part in parts {
            // Length-prefixed, so that no two different lists of parts give the same input.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac
    }

    /// A proof, in hex, that the holder of the key signed these parts.
    pub fn prove(&self, parts: &[&str]) -> String {
        hex::encode(self.mac(parts).finalize().into_bytes())
    }

    /// A short name for the key that does not reveal it: 16 hex digits of an HMAC, keyed by the
    /// key, over a fixed context. Said on the wire (a dialler names the key it uses) and in logs
    /// and `herdctl keyring`; without the key nobody can make it, and from it nobody can learn
    /// more about the key than a recorded handshake already lets them test guesses against.
    pub fn fingerprint(&self) -> String {
        hex::encode(&self.derive("herdctl key fingerprint")[..FINGERPRINT_BYTES])
    }

    /// A 32-byte key for one use (`label`), derived from the herd key: the herd key itself is
    /// never used directly as a cipher's key.
    pub fn derive(&self, label: &str) -> [u8; 32] {
        self.mac(&[label]).finalize().into_bytes().into()
    }

    /// Checks a proof in constant time.
    pub fn verify(&self, parts: &[&str], proof_hex: &str) -> bool {
        hex::decode(proof_hex).is_ok_and(|proof| self.mac(parts).verify_slice(&proof).is_ok())
    }
}

/// 128 random bits in hex, for challenges and random keys.
pub fn nonce() -> String {
    let mut bytes = [0u8; 16];
    // The operating system's generator only fails on a broken system; herdctl cannot run safely
    // there, so this is one of the few places allowed to panic.
    getrandom::fill(&mut bytes).expect("the operating system's random generator works");
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_verify_only_with_the_same_key_and_parts() {
        let key = HerdKey::new("secret");
        let proof = key.prove(&["dialer", "abc", "Riley", "Jaquez"]);
        assert!(key.verify(&["dialer", "abc", "Riley", "Jaquez"], &proof));
        assert!(!key.verify(&["dialer", "abc", "Riley", "Juzang"], &proof));
        assert!(!key.verify(&["dialerabc", "", "Riley", "Jaquez"], &proof));
        assert!(!HerdKey::new("other").verify(&["dialer", "abc", "Riley", "Jaquez"], &proof));
        assert!(!key.verify(&["dialer", "abc", "Riley", "Jaquez"], "not hex"));
    }

    #[test]
    fn public_and_short_keys_are_weak_and_a_random_one_is_not() {
        assert_eq!(HerdKey::new(DEMO_KEY).weakness(), Some(WeakKey::Known));
        assert_eq!(HerdKey::new("change-me-before-deploying").weakness(), Some(WeakKey::Known));
        assert_eq!(HerdKey::new("x").weakness(), Some(WeakKey::Short(1)));
        assert_eq!(HerdKey::new("fifteen bytes!!").weakness(), Some(WeakKey::Short(15)));
        assert_eq!(HerdKey::new("sixteen bytes!!!").weakness(), None);
        assert_eq!(HerdKey::new(nonce()).weakness(), None);
    }

    #[test]
    fn a_fingerprint_names_a_key_without_showing_it() {
        let key = HerdKey::new("0123456789abcdef0123");
        let fingerprint = key.fingerprint();
        assert_eq!(fingerprint.len(), 16);
        assert!(fingerprint.bytes().all(|b| b.is_ascii_hexdigit()), "{fingerprint}");
        assert_eq!(fingerprint, HerdKey::new("0123456789abcdef0123").fingerprint(), "the same key, the same name");
        assert_ne!(fingerprint, HerdKey::new("0123456789abcdef0124").fingerprint());
        // Not the key, nor the start of its plain hash, nor a proof with the key's usual parts.
        assert!(!fingerprint.contains("0123456789abcdef"));
        use sha2::Digest;
        assert!(!hex::encode(Sha256::digest(b"0123456789abcdef0123")).starts_with(&fingerprint));
        // Fixed for ever: nodes of different versions must name a key alike.
        // (HMAC-SHA256 keyed by "secret" over the length-prefixed context, its first 8 bytes.)
        assert_eq!(HerdKey::new("secret").fingerprint(), "65cfcb33a223dbd3");
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(nonce(), nonce());
        assert_eq!(nonce().len(), 32);
    }
}
