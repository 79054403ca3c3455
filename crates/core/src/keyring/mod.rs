//! A node's keyring: the herd keys it accepts, the first of them the one it offers (its primary),
//! so that a herd can change its key while it runs, as serf and consul do: every node learns the
//! new key, then offers it, then forgets the old one, and no link is ever refused on the way.
//! Shared by every link and port of a process, and swapped whole when the key file is read again:
//! a connection takes the ring of the moment it opens, and links already open stay as they are.

pub mod file;

use std::sync::{Arc, RwLock};

use crate::key::HerdKey;

/// The keys a node accepts, in order; never empty. Each with its fingerprint, worked out once.
#[derive(Clone, Debug)]
pub struct Keyring {
    keys: Vec<(HerdKey, String)>,
}

impl Keyring {
    /// A ring of one key (`HERD_KEY`, a made-up key, a test's).
    pub fn single(key: HerdKey) -> Self {
        let fingerprint = key.fingerprint();
        Self { keys: vec![(key, fingerprint)] }
    }

    /// A ring of these keys, the first the primary; `None` if there are none.
    pub fn new(keys: impl IntoIterator<Item = HerdKey>) -> Option<Self> {
        let keys: Vec<_> = keys.into_iter().map(|key| (key.clone(), key.fingerprint())).collect();
        (!keys.is_empty()).then_some(Self { keys })
    }

    /// The key this node offers when it dials.
    pub fn primary(&self) -> &HerdKey {
        &self.keys[0].0
    }

    pub fn primary_fingerprint(&self) -> &str {
        &self.keys[0].1
    }

    /// The key of the ring with this fingerprint, if the ring holds it.
    pub fn find(&self, fingerprint: &str) -> Option<&HerdKey> {
        self.keys.iter().find(|(_, f)| f == fingerprint).map(|(key, _)| key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &HerdKey> {
        self.keys.iter().map(|(key, _)| key)
    }

    /// Every key's fingerprint, the primary's first.
    pub fn fingerprints(&self) -> Vec<String> {
        self.keys.iter().map(|(_, f)| f.clone()).collect()
    }
}

/// Says the ring without its keys: `offers 1a2b…, accepts 1a2b…, 3c4d…`.
impl std::fmt::Display for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "offers {}, accepts {}", self.primary_fingerprint(), self.fingerprints().join(", "))
    }
}

/// The ring of a process, shared by its nodes' links and control ports, replaced whole when the
/// key file is read again.
#[derive(Clone, Debug)]
pub struct SharedKeyring(Arc<RwLock<Arc<Keyring>>>);

impl SharedKeyring {
    pub fn new(ring: Keyring) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(ring))))
    }

    /// The ring now: a connection keeps this one for its whole handshake.
    pub fn now(&self) -> Arc<Keyring> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// From now on, new connections use `ring`.
    pub fn replace(&self, ring: Keyring) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(ring);
    }
}

impl From<HerdKey> for SharedKeyring {
    fn from(key: HerdKey) -> Self {
        Self::new(Keyring::single(key))
    }
}

impl From<&HerdKey> for SharedKeyring {
    fn from(key: &HerdKey) -> Self {
        Self::from(key.clone())
    }
}

impl From<Keyring> for SharedKeyring {
    fn from(ring: Keyring) -> Self {
        Self::new(ring)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_key_is_offered_and_every_one_is_found_by_its_fingerprint() {
        let (old, new) = (HerdKey::new("the old key of the herd"), HerdKey::new("the new key of the herd"));
        let ring = Keyring::new([new.clone(), old.clone()]).unwrap();
        assert_eq!(ring.primary().fingerprint(), new.fingerprint());
        assert_eq!(ring.fingerprints(), vec![new.fingerprint(), old.fingerprint()]);
        assert!(ring.find(&old.fingerprint()).is_some_and(|key| key.fingerprint() == old.fingerprint()));
        assert!(ring.find(&HerdKey::new("a stranger's key").fingerprint()).is_none());
        assert!(Keyring::new([]).is_none());
        let said = ring.to_string();
        assert_eq!(said, format!("offers {0}, accepts {0}, {1}", new.fingerprint(), old.fingerprint()));
    }

    #[test]
    fn a_replaced_ring_is_seen_by_every_holder_and_an_old_snapshot_stays_whole() {
        let shared = SharedKeyring::from(HerdKey::new("the old key of the herd"));
        let holder = shared.clone();
        let before = holder.now();
        shared.replace(Keyring::single(HerdKey::new("the new key of the herd")));
        assert_eq!(holder.now().primary().fingerprint(), HerdKey::new("the new key of the herd").fingerprint());
        assert_eq!(before.primary().fingerprint(), HerdKey::new("the old key of the herd").fingerprint());
    }
}
