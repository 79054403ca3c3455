//! Where the herd key comes from (`--key-file` or `HERD_KEY_FILE`, a keyring of one key a line;
//! else `HERD_KEY`, else made up or the demo key), and whether it is strong enough for where this
//! process's nodes listen: a node others can reach refuses a public key and one under 16 bytes,
//! wherever it is in the ring.

use std::net::IpAddr;
use std::path::Path;

use anyhow::{Context, bail};
use herdctl_core::key::{self, HerdKey, KeySource};
use herdctl_core::keyring::Keyring;
use herdctl_core::keyring::file::KeyFile;

/// A key file bigger than this is not a keyring (a wrong path, /dev/zero): refused before it is
/// read whole.
const LARGEST_KEY_FILE: u64 = 16 * 1024;

/// The herd's keyring: the file's if one is named, else `HERD_KEY`'s one key, else a random one
/// when the whole herd runs here, else the demo key.
pub fn load(file: Option<&Path>, whole_herd: bool) -> anyhow::Result<(Keyring, KeySource)> {
    let Some(path) = file else {
        let (key, source) = HerdKey::from_env(whole_herd);
        return Ok((Keyring::single(key), source));
    };
    let ring = read_file(path)?.keyring().context("a parsed key file holds a key")?;
    Ok((ring, KeySource::File))
}

/// A key file's lines, refused (with its name) when it is missing, too big or holds no key.
pub fn read_file(path: &Path) -> anyhow::Result<KeyFile> {
    let named = || format!("--key-file {}", path.display());
    // Only a plain file: opening a pipe would wait for a writer (a node reloading on SIGHUP
    // stopped answering), and a device or folder is no keyring.
    let metadata = std::fs::metadata(path).with_context(named)?;
    if !metadata.is_file() {
        bail!("{}: not a plain file (a keyring is a file of keys, one a line)", named());
    }
    let mut bytes = Vec::new();
    // Read through a cap: a device (/dev/zero) says it is empty and never ends.
    let file = std::fs::File::open(path).with_context(named)?;
    std::io::Read::read_to_end(&mut std::io::Read::take(file, LARGEST_KEY_FILE + 1), &mut bytes).with_context(named)?;
    if bytes.len() as u64 > LARGEST_KEY_FILE {
        bail!("{}: more than {LARGEST_KEY_FILE} bytes is not a keyring: is it the right file?", named());
    }
    KeyFile::parse(&bytes).with_context(named)
}

/// Whether `host` (a listening address or name) is reachable only from this machine.
fn loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The first of `hosts` beyond loopback, where a weak key would let others in.
pub fn exposed(hosts: &[String]) -> Option<&String> {
    hosts.iter().find(|host| !loopback(host))
}

/// Refuses a weak key of the ring for nodes that listen on `hosts` when any of them is beyond
/// loopback.
pub fn check(ring: &Keyring, source: KeySource, hosts: &[String]) -> anyhow::Result<()> {
    let Some(exposed) = exposed(hosts) else { return Ok(()) };
    let Some((fingerprint, weakness)) = ring.keys().find_map(|key| Some((key.fingerprint(), key.weakness()?))) else {
        return Ok(());
    };
    let in_file = format!("the key file's key {fingerprint}");
    let whence = match source {
        KeySource::File => in_file.as_str(),
        KeySource::Environment => key::KEY_VARIABLE,
        KeySource::Demo => "(unset, so the demo key)",
        KeySource::Random => return Ok(()),
    };
    bail!(
        "{weakness} ({whence}), and a node listens on {exposed}, beyond this machine: anyone who can reach it could \
         join the herd. Give every node the same secret of at least {} bytes, e.g. \
         {}=\"$(openssl rand -hex 32)\" or --key-file FILE",
        key::SHORTEST_KEY,
        key::KEY_VARIABLE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_told_from_the_others() {
        for host in ["127.0.0.1", "127.0.0.5", "::1", "[::1]", "localhost"] {
            assert!(loopback(host), "{host}");
        }
        for host in ["0.0.0.0", "::", "10.0.0.2", "herd-0.herd", "riley"] {
            assert!(!loopback(host), "{host}");
        }
    }

    #[test]
    fn a_weak_key_is_refused_only_beyond_loopback() {
        let weak = Keyring::single(HerdKey::new("x"));
        assert!(check(&weak, KeySource::Environment, &["127.0.0.1".into()]).is_ok());
        let refused = check(&weak, KeySource::Environment, &["127.0.0.1".into(), "0.0.0.0".into()]);
        let text = refused.unwrap_err().to_string();
        assert!(text.contains("1 bytes long") && text.contains("0.0.0.0"), "{text}");
        let demo = Keyring::single(HerdKey::new(key::DEMO_KEY));
        assert!(check(&demo, KeySource::Demo, &["riley".into()]).unwrap_err().to_string().contains("public"));
        assert!(check(&Keyring::single(HerdKey::new(key::nonce())), KeySource::File, &["0.0.0.0".into()]).is_ok());
        // Every key of a ring counts, not only the one offered.
        let ring = Keyring::new([HerdKey::new(key::nonce()), HerdKey::new("short")]).unwrap();
        let refused = check(&ring, KeySource::File, &["0.0.0.0".into()]).unwrap_err().to_string();
        let fingerprint = HerdKey::new("short").fingerprint();
        assert!(refused.contains("5 bytes long") && refused.contains(&fingerprint), "{refused}");
    }

    #[test]
    fn a_key_file_is_read_without_its_line_break_and_a_wrong_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("herd.key");
        std::fs::write(&path, "0123456789abcdef0123\n").unwrap();
        let (ring, source) = load(Some(&path), false).unwrap();
        assert_eq!(source, KeySource::File);
        assert!(ring.primary().verify(&["a"], &HerdKey::new("0123456789abcdef0123").prove(&["a"])));
        std::fs::write(&path, "\n").unwrap();
        assert!(format!("{:#}", load(Some(&path), false).unwrap_err()).contains("holds no key"));
        std::fs::write(&path, vec![b'x'; 20_000]).unwrap();
        assert!(load(Some(&path), false).unwrap_err().to_string().contains("is not a keyring"));
        #[cfg(unix)]
        assert!(load(Some(Path::new("/dev/zero")), false).unwrap_err().to_string().contains("not a plain file"));
        let missing = load(Some(&dir.path().join("nowhere")), false).unwrap_err();
        assert!(format!("{missing:#}").contains("nowhere"), "{missing:#}");
    }
}
