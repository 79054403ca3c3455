//! Reading the key file again while the nodes run (SIGHUP, or `KEYRING RELOAD` on a control
//! port): the new ring is put in force for new connections only (links already open were
//! authenticated and stay), and each reload is logged with the ring's fingerprints, never its
//! keys. A file that cannot be used (missing, holding no key, a weak key where others can reach
//! the nodes) leaves the ring as it was, and says why.

use std::path::PathBuf;

use herdctl_core::key::KeySource;
use herdctl_core::keyring::SharedKeyring;

use crate::herd_key;

/// The process's key file and the ring read from it.
pub struct KeyReloader {
    pub path: PathBuf,
    /// Where this process's nodes listen (a weak key is refused if one is beyond loopback).
    pub hosts: Vec<String>,
    pub keys: SharedKeyring,
}

impl KeyReloader {
    /// Reads the file again and puts its ring in force; `why` says who asked (for the log).
    pub fn reload(&self, why: &str) -> Result<(), String> {
        let read = herd_key::read_file(&self.path).and_then(|file| {
            let ring = file.keyring().ok_or_else(|| anyhow::anyhow!("the file holds no key"))?;
            herd_key::check(&ring, KeySource::File, &self.hosts)?;
            Ok(ring)
        });
        match read {
            Ok(ring) => {
                tracing::info!("{why}: the keyring was read again from {}: {ring}", self.path.display());
                self.keys.replace(ring);
                Ok(())
            }
            Err(error) => {
                let why_not = crate::error_line::in_words(&error);
                tracing::warn!(
                    "{why}: {} cannot be used ({why_not}); the keyring stays as it was: {}",
                    self.path.display(),
                    self.keys.now()
                );
                Err(why_not)
            }
        }
    }
}
