//! Reading a whole file of a known kind with a cap on its size, so that a wrong path
//! (`/dev/zero`, `/dev/urandom`, a disk image) is refused at once instead of filling memory.

use std::io::Read;
use std::path::Path;

/// The kinds of file herdctl reads whole, each with the most it reads of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A herd's shape: 4 MiB is some 40,000 nodes, far more than a herd can run.
    Topology,
    /// `herdctl.toml`.
    Config,
    /// A walkthrough script.
    Script,
    /// A recorded session (`.jsonl`): an hour of a busy lecture is tens of MiB.
    Trace,
}

impl FileKind {
    /// The most bytes of a file of this kind that are read.
    pub fn most(self) -> u64 {
        const MIB: u64 = 1024 * 1024;
        match self {
            Self::Topology => 4 * MIB,
            Self::Config | Self::Script => MIB,
            Self::Trace => 512 * MIB,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Topology => "a topology",
            Self::Config => "a configuration file",
            Self::Script => "a script",
            Self::Trace => "a trace",
        }
    }
}

/// Reads `path` whole as text (without a leading byte-order mark), refusing a device (it never ends, or is not a file of this kind)
/// and a file larger than `kind`'s cap; the error says which cap. Pipes are read, up to the cap.
pub fn read_to_string(path: &Path, kind: FileKind) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let file_type = file.metadata()?.file_type();
        if file_type.is_char_device() || file_type.is_block_device() || file_type.is_socket() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("a device, not {} (a file of at most {})", kind.name(), size(kind.most())),
            ));
        }
    }
    let mut bytes = Vec::new();
    file.take(kind.most() + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > kind.most() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {} may be: at most {}", kind.name(), size(kind.most())),
        ));
    }
    let mut text = String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{} is text (UTF-8)", kind.name()))
    })?;
    // A byte-order mark (Windows editors write one) is no part of the text: JSON parsers call it
    // an unexpected value.
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

fn size(bytes: u64) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_its_cap_is_refused_naming_the_cap_and_one_at_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "x".repeat(FileKind::Config.most() as usize)).unwrap();
        assert_eq!(read_to_string(&path, FileKind::Config).unwrap().len() as u64, FileKind::Config.most());
        std::fs::write(&path, "x".repeat(FileKind::Config.most() as usize + 1)).unwrap();
        let error = read_to_string(&path, FileKind::Config).unwrap_err().to_string();
        assert_eq!(error, "larger than a configuration file may be: at most 1 MiB");
    }
}
