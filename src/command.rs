//! The operator's commands, as typed in the console's command line (and, later, in walkthrough
//! scripts): short forms that spare a demo user the 19-digit timestamp, raw protocol lines, and
//! kill/revive. Pure: parsing and turning a command into the line a client would send.

use crate::protocol::Timestamp;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `iamat NODE CLIENT COORDS`: an IAMAT stamped with the current time.
    Iamat {
        node: String,
        client: String,
        coords: String,
    },
    /// `whatsat NODE CLIENT RADIUS BOUND`.
    Whatsat {
        node: String,
        client: String,
        radius: String,
        bound: String,
    },
    /// `send NODE LINE...`: any line, as typed.
    Send {
        node: String,
        line: String,
    },
    Kill(String),
    Revive(String),
    /// Anything else: a raw protocol line for the selected node.
    Raw(String),
}

impl Command {
    /// Reads one typed command. Errors say what the form is.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let words: Vec<&str> = text.split_whitespace().collect();
        let with = |count: usize, form: &str| {
            if words.len() == count { Ok(()) } else { Err(format!("usage: {form}")) }
        };
        Ok(match words.first().copied().unwrap_or_default() {
            "iamat" => {
                with(4, "iamat NODE CLIENT COORDS (e.g. iamat Riley kiwi +34.068930-118.445127)")?;
                Self::Iamat { node: words[1].into(), client: words[2].into(), coords: words[3].into() }
            }
            "whatsat" => {
                with(5, "whatsat NODE CLIENT RADIUS_KM BOUND (e.g. whatsat Campbell kiwi 10 5)")?;
                Self::Whatsat {
                    node: words[1].into(),
                    client: words[2].into(),
                    radius: words[3].into(),
                    bound: words[4].into(),
                }
            }
            "send" => {
                if words.len() < 3 {
                    return Err("usage: send NODE LINE (e.g. send Bernard HELLO)".into());
                }
                let line = text["send".len()..].trim_start()[words[1].len()..].trim_start();
                Self::Send { node: words[1].into(), line: line.into() }
            }
            "kill" => {
                with(2, "kill NODE")?;
                Self::Kill(words[1].into())
            }
            "revive" => {
                with(2, "revive NODE")?;
                Self::Revive(words[1].into())
            }
            _ => Self::Raw(text.into()),
        })
    }

    /// The node a command goes to, if it names one.
    pub fn node(&self) -> Option<&str> {
        match self {
            Self::Iamat { node, .. } | Self::Whatsat { node, .. } | Self::Send { node, .. } => Some(node),
            Self::Kill(node) | Self::Revive(node) => Some(node),
            Self::Raw(_) => None,
        }
    }

    /// The protocol line a client would send for this command (`now` stamps an IAMAT).
    pub fn client_line(&self, now: Timestamp) -> Option<String> {
        match self {
            Self::Iamat { client, coords, .. } => Some(format!("IAMAT {client} {coords} {now}")),
            Self::Whatsat { client, radius, bound, .. } => Some(format!("WHATSAT {client} {radius} {bound}")),
            Self::Send { line, .. } | Self::Raw(line) => Some(line.clone()),
            Self::Kill(_) | Self::Revive(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_become_protocol_lines() {
        let now = Timestamp::new(1_700_000_000, 5);
        let iamat = Command::parse("iamat Riley kiwi +34.06-118.44").unwrap();
        assert_eq!(iamat.node(), Some("Riley"));
        assert_eq!(iamat.client_line(now).unwrap(), "IAMAT kiwi +34.06-118.44 1700000000.000000005");
        let whatsat = Command::parse(" whatsat Campbell kiwi 10 5 ").unwrap();
        assert_eq!(whatsat.client_line(now).unwrap(), "WHATSAT kiwi 10 5");
        let send = Command::parse("send Bernard  HELLO   there").unwrap();
        assert_eq!(send, Command::Send { node: "Bernard".into(), line: "HELLO   there".into() });
        assert_eq!(Command::parse("kill Juzang").unwrap(), Command::Kill("Juzang".into()));
        assert_eq!(Command::parse("IAMAT k +1-1 5").unwrap(), Command::Raw("IAMAT k +1-1 5".into()));
    }

    #[test]
    fn wrong_forms_say_the_usage() {
        assert!(Command::parse("iamat Riley kiwi").unwrap_err().starts_with("usage: iamat NODE CLIENT COORDS"));
        assert!(Command::parse("whatsat A b 1").unwrap_err().starts_with("usage: whatsat"));
        assert!(Command::parse("send Bernard").unwrap_err().starts_with("usage: send"));
        assert!(Command::parse("kill").is_err());
    }
}
