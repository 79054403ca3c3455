//! How a node's log file is kept (`--log-level`, `--log-format`, `--log-max-size`,
//! `--log-keep`): which events reach it, in what form, and when it is rotated.

use std::io::Write;
use std::time::SystemTime;

use crate::event::{Class, EventKind};

/// How much an event matters, for `--log-level`: the node's file keeps events at its level and
/// above.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Refusals and troubles (a peer refused, a disk that fails, a stray line).
    Warn,
    /// And what says something of the herd's health: nodes and links up and down, faults.
    Info,
    /// And every client line, reply and record (the protocol's "every input and output line").
    #[default]
    Debug,
}

impl LogLevel {
    /// The level of an event of this kind.
    pub fn of(kind: &EventKind) -> Self {
        match kind.class() {
            Class::Warning => Self::Warn,
            _ if kind.is_notable() => Self::Info,
            _ => Self::Debug,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Self::Warn => "warn",
            Self::Info => "info",
            Self::Debug => "debug",
        }
    }
}

impl std::str::FromStr for LogLevel {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "warn" | "warning" => Ok(Self::Warn),
            "info" => Ok(Self::Info),
            "debug" => Ok(Self::Debug),
            _ => Err(format!("{text:?} is not a level: write warn, info or debug")),
        }
    }
}

/// The form of each line of a node's log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// `<RFC 3339 time> <event in words>`.
    #[default]
    Text,
    /// One JSON object a line: `time`, `level`, `node`, `message`.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(format!("{text:?} is not a log format: write text or json")),
        }
    }
}

/// When a node's log file is rotated: past `max_bytes`, `<Node>.log` becomes `<Node>.log.1` (the
/// older ones move up one, and past `keep` the oldest goes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rotation {
    pub max_bytes: u64,
    pub keep: usize,
}

/// How the nodes' log files are kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogSettings {
    pub level: LogLevel,
    pub format: LogFormat,
    /// `None`: the file grows until something outside (logrotate, then SIGHUP) moves it.
    pub rotation: Option<Rotation>,
}

impl LogSettings {
    /// Writes `kind`'s line (with its newline) into `out`, as the settings say.
    pub fn write_line(&self, out: &mut Vec<u8>, at: SystemTime, node: &str, kind: &EventKind) {
        let time = humantime::format_rfc3339_micros(at);
        match self.format {
            LogFormat::Text => {
                let _ = writeln!(out, "{time} {kind}");
            }
            LogFormat::Json => {
                let line = serde_json::json!({
                    "time": time.to_string(),
                    "level": LogLevel::of(kind).word(),
                    "node": node,
                    "message": kind.to_string(),
                });
                let _ = serde_json::to_writer(&mut *out, &line);
                out.push(b'\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_and_read_and_events_have_theirs() {
        assert!(LogLevel::Warn < LogLevel::Info && LogLevel::Info < LogLevel::Debug);
        assert_eq!("INFO".parse::<LogLevel>(), Ok(LogLevel::Info));
        assert!("loud".parse::<LogLevel>().unwrap_err().contains("warn, info or debug"));
        assert_eq!(LogLevel::of(&EventKind::NodeDown), LogLevel::Info);
        let refused = EventKind::PeerRejected { addr: "127.0.0.1:1".parse().unwrap(), reason: "wrong herd key".into() };
        assert_eq!(LogLevel::of(&refused), LogLevel::Warn);
    }

    #[test]
    fn a_json_line_is_one_object_with_the_events_words() {
        let settings = LogSettings { format: LogFormat::Json, ..LogSettings::default() };
        let mut out = Vec::new();
        settings.write_line(&mut out, SystemTime::UNIX_EPOCH, "Riley", &EventKind::NodeDown);
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with('\n') && text.lines().count() == 1, "{text}");
        let line: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(line["time"], "1970-01-01T00:00:00.000000Z");
        assert_eq!(line["level"], "info");
        assert_eq!(line["node"], "Riley");
        assert_eq!(line["message"], EventKind::NodeDown.to_string());
    }
}
