//! The key file's format: one key a line, the first the one a node offers; blank lines and lines
//! that begin with `#` are not keys. Read by a node (at start, on SIGHUP, on a control request)
//! and edited by `herdctl keyring`, which keeps every other line where it was. A file of one key
//! and a line break, as `--key-file` always took, is a ring of one.

use super::Keyring;
use crate::key::{HerdKey, WeakKey};

/// The shortest fingerprint prefix `herdctl keyring use|remove` takes for a key.
pub const SHORTEST_PREFIX: usize = 4;

/// A key file's lines: keys, and the comments and blank lines between them, as written.
#[derive(Clone, Debug, Default)]
pub struct KeyFile {
    lines: Vec<Line>,
}

#[derive(Clone, Debug)]
enum Line {
    Key(HerdKey),
    /// A comment or a blank line, kept as it was.
    Other(Vec<u8>),
}

/// Why a key file, or a change to it, is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileError {
    #[error("the file holds no key: write the herd key in it, one key a line")]
    NoKey,
    #[error("line {line} repeats the key of line {first} (fingerprint {fingerprint})")]
    Repeated { line: usize, first: usize, fingerprint: String },
    #[error("the keyring holds that key already (fingerprint {0})")]
    AlreadyThere(String),
    #[error("{0}; the keyring takes no weak key")]
    Weak(WeakKey),
    #[error("a key cannot be empty, hold a line break, be only spaces or begin with #")]
    Unwritable,
    #[error("no key of the keyring has a fingerprint beginning {0:?} (`herdctl keyring list` shows them)")]
    NoSuchKey(String),
    #[error("{0:?} begins the fingerprints of {1} keys: give more of it")]
    Ambiguous(String, usize),
    #[error("give at least {SHORTEST_PREFIX} digits of the fingerprint")]
    TooShort,
    #[error("{0} is the key this node offers: `use` another key first, then remove this one")]
    Primary(String),
    #[error("{0} is the keyring's last key: install another first")]
    Last(String),
}

/// Whether a line is a comment or blank, not a key.
fn not_a_key(line: &[u8]) -> bool {
    match line.iter().position(|b| !b.is_ascii_whitespace()) {
        None => true,
        Some(first) => line[first] == b'#',
    }
}

impl KeyFile {
    /// Reads a key file's bytes (a `\r` before each line break is dropped).
    pub fn parse(bytes: &[u8]) -> Result<Self, KeyFileError> {
        // A byte-order mark (a Windows editor's) is no part of the first key.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let mut lines = Vec::new();
        if !body.is_empty() {
            for line in body.split(|b| *b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                lines.push(if not_a_key(line) { Line::Other(line.to_vec()) } else { Line::Key(HerdKey::new(line)) });
            }
        }
        let file = Self { lines };
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (index, line) in file.lines.iter().enumerate() {
            if let Line::Key(key) = line {
                let fingerprint = key.fingerprint();
                if let Some((_, first)) = seen.iter().find(|(f, _)| *f == fingerprint) {
                    return Err(KeyFileError::Repeated { line: index + 1, first: *first, fingerprint });
                }
                seen.push((fingerprint, index + 1));
            }
        }
        if seen.is_empty() {
            return Err(KeyFileError::NoKey);
        }
        Ok(file)
    }

    fn keys(&self) -> impl Iterator<Item = &HerdKey> {
        self.lines.iter().filter_map(|line| match line {
            Line::Key(key) => Some(key),
            Line::Other(_) => None,
        })
    }

    /// The ring the file holds (`None` for a file with no key, as only `KeyFile::default` is).
    pub fn keyring(&self) -> Option<Keyring> {
        Keyring::new(self.keys().cloned())
    }

    /// The first weak key (public, or too short) and its fingerprint, if any.
    pub fn weakest(&self) -> Option<(String, WeakKey)> {
        self.keys().find_map(|key| Some((key.fingerprint(), key.weakness()?)))
    }

    /// Adds `key` at the end: accepted, not offered. A file with no key yet makes it the primary.
    pub fn install(&mut self, key: HerdKey) -> Result<String, KeyFileError> {
        let secret = key.secret();
        if secret.contains(&b'\n') || secret.contains(&b'\r') || not_a_key(secret) {
            return Err(KeyFileError::Unwritable);
        }
        if let Some(weakness) = key.weakness() {
            return Err(KeyFileError::Weak(weakness));
        }
        let fingerprint = key.fingerprint();
        if self.keys().any(|k| k.fingerprint() == fingerprint) {
            return Err(KeyFileError::AlreadyThere(fingerprint));
        }
        self.lines.push(Line::Key(key));
        Ok(fingerprint)
    }

    /// Where the key whose fingerprint is, or begins with, `prefix` is; with its fingerprint.
    fn position(&self, prefix: &str) -> Result<(usize, String), KeyFileError> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.len() < SHORTEST_PREFIX {
            return Err(KeyFileError::TooShort);
        }
        let found: Vec<(usize, String)> = self
            .lines
            .iter()
            .enumerate()
            .filter_map(|(at, line)| match line {
                Line::Key(key) => Some((at, key.fingerprint())).filter(|(_, f)| f.starts_with(&prefix)),
                Line::Other(_) => None,
            })
            .collect();
        match found.len() {
            0 => Err(KeyFileError::NoSuchKey(prefix)),
            1 => Ok(found.into_iter().next().expect("one")),
            many => Err(KeyFileError::Ambiguous(prefix, many)),
        }
    }

    fn first_key_line(&self) -> Option<usize> {
        self.lines.iter().position(|line| matches!(line, Line::Key(_)))
    }

    /// Makes the key named by `prefix` the one offered: its line moves to where the first key's
    /// is. Returns its fingerprint.
    pub fn make_primary(&mut self, prefix: &str) -> Result<String, KeyFileError> {
        let (at, fingerprint) = self.position(prefix)?;
        let first = self.first_key_line().expect("a found key is a key line");
        let line = self.lines.remove(at);
        self.lines.insert(first, line);
        Ok(fingerprint)
    }

    /// Takes the key named by `prefix` out: never the primary, never the last. Returns its
    /// fingerprint.
    pub fn remove(&mut self, prefix: &str) -> Result<String, KeyFileError> {
        let (at, fingerprint) = self.position(prefix)?;
        if self.keys().count() == 1 {
            return Err(KeyFileError::Last(fingerprint));
        }
        if Some(at) == self.first_key_line() {
            return Err(KeyFileError::Primary(fingerprint));
        }
        self.lines.remove(at);
        Ok(fingerprint)
    }

    /// The file's bytes, a line break after each line.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for line in &self.lines {
            out.extend_from_slice(match line {
                Line::Key(key) => key.secret(),
                Line::Other(text) => text,
            });
            out.push(b'\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "the old key of the herd, 0123";
    const NEW: &str = "the new key of the herd, 4567";

    fn fingerprint(key: &str) -> String {
        HerdKey::new(key).fingerprint()
    }

    #[test]
    fn a_byte_order_mark_is_no_part_of_the_first_key() {
        let plain = KeyFile::parse(b"a key of sixteen bytes or more\n").unwrap();
        let marked = KeyFile::parse(b"\xEF\xBB\xBFa key of sixteen bytes or more\r\n").unwrap();
        assert_eq!(marked.keyring().unwrap().fingerprints(), plain.keyring().unwrap().fingerprints());
    }

    #[test]
    fn a_file_of_one_key_as_before_is_a_ring_of_one() {
        for text in [format!("{OLD}\n"), OLD.to_string(), format!("{OLD}\r\n")] {
            let ring = KeyFile::parse(text.as_bytes()).unwrap().keyring().unwrap();
            assert_eq!(ring.fingerprints(), vec![fingerprint(OLD)], "{text:?}");
        }
    }

    #[test]
    fn keys_come_one_a_line_and_comments_and_blank_lines_are_not_keys() {
        let text = format!("# the herd's keys\n\n{NEW}\n  # old, going\n{OLD}\r\n   \n");
        let ring = KeyFile::parse(text.as_bytes()).unwrap().keyring().unwrap();
        assert_eq!(ring.fingerprints(), vec![fingerprint(NEW), fingerprint(OLD)]);
        assert_eq!(ring.primary().fingerprint(), fingerprint(NEW));
    }

    #[test]
    fn a_file_without_a_key_or_with_one_twice_is_refused() {
        for empty in ["", "\n", "# only a comment\n\n", "   \n"] {
            assert_eq!(KeyFile::parse(empty.as_bytes()).unwrap_err(), KeyFileError::NoKey, "{empty:?}");
        }
        let twice = KeyFile::parse(format!("{OLD}\n# x\n{OLD}\n").as_bytes()).unwrap_err();
        assert_eq!(twice, KeyFileError::Repeated { line: 3, first: 1, fingerprint: fingerprint(OLD) });
        assert!(twice.to_string().contains("line 3 repeats the key of line 1"), "{twice}");
        assert!(!twice.to_string().contains(OLD), "a key is never said");
    }

    #[test]
    fn a_rotation_installs_uses_and_removes_keeping_the_other_lines() {
        let mut file = KeyFile::parse(format!("# keys\n{OLD}\n").as_bytes()).unwrap();
        assert_eq!(file.install(HerdKey::new(NEW)).unwrap(), fingerprint(NEW));
        assert_eq!(file.to_bytes(), format!("# keys\n{OLD}\n{NEW}\n").into_bytes());
        assert_eq!(file.make_primary(&fingerprint(NEW)[..6]).unwrap(), fingerprint(NEW));
        assert_eq!(file.to_bytes(), format!("# keys\n{NEW}\n{OLD}\n").into_bytes());
        assert_eq!(file.remove(&fingerprint(NEW)), Err(KeyFileError::Primary(fingerprint(NEW))));
        assert_eq!(file.remove(&fingerprint(OLD).to_ascii_uppercase()).unwrap(), fingerprint(OLD));
        assert_eq!(file.to_bytes(), format!("# keys\n{NEW}\n").into_bytes());
        assert_eq!(file.remove(&fingerprint(NEW)), Err(KeyFileError::Last(fingerprint(NEW))));
        // What was written reads back as the same ring.
        let again = KeyFile::parse(&file.to_bytes()).unwrap().keyring().unwrap();
        assert_eq!(again.fingerprints(), vec![fingerprint(NEW)]);
    }

    #[test]
    fn install_refuses_weak_repeated_and_unwritable_keys() {
        let mut file = KeyFile::parse(format!("{OLD}\n").as_bytes()).unwrap();
        assert!(matches!(file.install(HerdKey::new("short")), Err(KeyFileError::Weak(WeakKey::Short(5)))));
        let demo = file.install(HerdKey::new(crate::key::DEMO_KEY));
        assert!(matches!(demo, Err(KeyFileError::Weak(WeakKey::Known))));
        assert_eq!(file.install(HerdKey::new(OLD)), Err(KeyFileError::AlreadyThere(fingerprint(OLD))));
        for bad in ["# looks like a comment!!", "a key with a\nline break", "                    "] {
            assert_eq!(file.install(HerdKey::new(bad)), Err(KeyFileError::Unwritable), "{bad:?}");
        }
        assert_eq!(file.to_bytes(), format!("{OLD}\n").into_bytes(), "nothing refused was written");
        // An empty (new) file takes its first key as the primary.
        let mut new = KeyFile::default();
        new.install(HerdKey::new(NEW)).unwrap();
        assert_eq!(new.keyring().unwrap().primary().fingerprint(), fingerprint(NEW));
    }

    #[test]
    fn a_key_is_named_by_a_unique_prefix_of_its_fingerprint() {
        let mut file = KeyFile::parse(format!("{OLD}\n{NEW}\n").as_bytes()).unwrap();
        assert_eq!(file.make_primary("abc"), Err(KeyFileError::TooShort));
        let unknown = HerdKey::new("nobody's key at all").fingerprint();
        assert!(matches!(file.make_primary(&unknown), Err(KeyFileError::NoSuchKey(_))));
        // Two keys share no 16-digit prefix; a prefix both begin with would be ambiguous.
        let (a, b) = (fingerprint(OLD), fingerprint(NEW));
        let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
        if common >= SHORTEST_PREFIX {
            assert!(matches!(file.make_primary(&a[..common]), Err(KeyFileError::Ambiguous(_, 2))));
        }
        assert_eq!(file.make_primary(&b[..SHORTEST_PREFIX.max(common + 1)]).unwrap(), b);
    }

    #[test]
    fn the_weakest_key_is_found_wherever_it_is_in_the_ring() {
        let file = KeyFile::parse(format!("{NEW}\nshort\n").as_bytes()).unwrap();
        assert_eq!(file.weakest(), Some((fingerprint("short"), WeakKey::Short(5))));
        assert_eq!(KeyFile::parse(format!("{NEW}\n{OLD}\n").as_bytes()).unwrap().weakest(), None);
    }
}
