//! The configuration file: `config.toml` in the platform's config folder (`~/.config/herdctl/`
//! on Linux), or `--config FILE`. Settings the command line leaves unsaid: the console's theme,
//! mouse and keys; the default topology, log folder and places source. A flag given on the
//! command line wins over the file. An unknown key or a wrong value is an error naming its line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The commented default, as `herdctl config --default` prints it: every setting, commented out.
pub const DEFAULT: &str = r#"# herdctl's configuration. Every setting is optional; a flag on the command line wins over it.
# herdctl reads this file from its config folder (`herdctl config` says where), or from
# --config FILE.

[console]
# The colours: "dark" or "light" background, or "auto" (the terminal's COLORFGBG, else dark).
# NO_COLOR in the environment turns colours off whatever this says.
# theme = "auto"
# Clicks and the wheel in the console; false leaves the mouse to the terminal (--no-mouse).
# mouse = true

[herd]
# The herd's shape (--topology). Unset: ./topology.json if there is one, else the built-in herd.
# topology = "/path/to/topology.json"
# Where nodes write their logs (--log-dir).
# log_dir = "logs"
# Where WHATSAT finds places (--places): "offline", "google" or "google-legacy".
# places = "offline"

[keys]
# Any action of the help (?) on other keys: a key, or a list of keys. Keys are characters
# ("K", "?"), or esc, enter, tab, backspace, space, up, down, left, right, pgup, pgdn, home,
# end, f1-f12, with ctrl- or alt- before them. A key may mean one thing only.
# kill = "X"
# revive = ["R", "ctrl-r"]
# scroll_down = ["down", "j"]
"#;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub console: ConsoleConfig,
    #[serde(default)]
    pub herd: HerdConfig,
    /// Read without the console too (the same file serves both builds), used only with it.
    #[serde(default)]
    #[cfg_attr(not(feature = "console"), allow(dead_code))]
    pub keys: BTreeMap<String, Keys>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    pub theme: Option<ThemeName>,
    pub mouse: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HerdConfig {
    pub topology: Option<PathBuf>,
    pub log_dir: Option<PathBuf>,
    pub places: Option<PlacesChoice>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ThemeName {
    Dark,
    Light,
    Auto,
}

/// Where WHATSAT finds places, as the configuration file and `--places` name it.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum PlacesChoice {
    /// The built-in world gazetteer (GeoNames): no key, no network.
    Offline,
    /// Places API (New): POST /v1/places:searchNearby.
    Google,
    /// The classic Nearby Search: GET /maps/api/place/nearbysearch/json.
    GoogleLegacy,
}

impl From<PlacesChoice> for herdctl_core::places::SourceKind {
    fn from(choice: PlacesChoice) -> Self {
        match choice {
            PlacesChoice::Offline => Self::Offline,
            PlacesChoice::Google => Self::Google,
            PlacesChoice::GoogleLegacy => Self::GoogleLegacy,
        }
    }
}

/// One key or several.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
#[cfg_attr(not(feature = "console"), allow(dead_code))]
pub enum Keys {
    One(String),
    Several(Vec<String>),
}

#[cfg_attr(not(feature = "console"), allow(dead_code))]
impl Keys {
    pub fn list(&self) -> Vec<String> {
        match self {
            Self::One(key) => vec![key.clone()],
            Self::Several(keys) => keys.clone(),
        }
    }
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: line {line}: {problem} (herdctl config --default prints every setting)")]
    Invalid { path: PathBuf, line: usize, problem: String },
}

/// Where the configuration is read from when `--config` does not say.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("herdctl").join("config.toml"))
}

impl Config {
    /// Reads `path` (`--config`: it must exist), or the default file if there is one, or
    /// nothing (the defaults).
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let (path, must) = match path {
            Some(path) => (path.to_path_buf(), true),
            None => match default_path() {
                Some(path) => (path, false),
                None => return Ok(Self::default()),
            },
        };
        match herdctl_core::capped::read_to_string(&path, herdctl_core::capped::FileKind::Config) {
            Ok(text) => Self::parse(&text, &path),
            Err(error) if !must && error.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Parses configuration text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let invalid = |line: usize, problem: String| ConfigError::Invalid { path: path.to_path_buf(), line, problem };
        let config: Self = toml::from_str(text).map_err(|error| {
            let line = error.span().map_or(1, |span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            invalid(line, error.message().trim().to_string())
        })?;
        // Keys are checked here too, so that a mistake is found before the console starts.
        config.key_table().map_err(|error| {
            let name = error.1;
            let line = text.lines().position(|l| l.trim_start().starts_with(&name)).map_or(1, |i| i + 1);
            invalid(line, error.0.to_string())
        })?;
        Ok(config)
    }

    /// The console's keys: the defaults, rebound as `[keys]` says; on failure, which entry.
    #[cfg(feature = "console")]
    pub fn key_table(&self) -> Result<herdctl_ui::keys::KeyTable, (herdctl_ui::keys::KeyError, String)> {
        let changes: Vec<(String, Vec<String>)> = self.keys.iter().map(|(k, v)| (k.clone(), v.list())).collect();
        herdctl_ui::keys::KeyTable::rebound(&changes).map_err(|error| {
            let culprit = match &error {
                herdctl_ui::keys::KeyError::UnknownAction(name) => name.clone(),
                herdctl_ui::keys::KeyError::UnknownKey(key) => {
                    changes.iter().find(|(_, keys)| keys.contains(key)).map_or_else(String::new, |(n, _)| n.clone())
                }
                herdctl_ui::keys::KeyError::Twice { second, .. } => second.to_string(),
            };
            (error, culprit)
        })
    }

    /// Without the console there are no keys to rebind: any are accepted and unused.
    #[cfg(not(feature = "console"))]
    pub fn key_table(&self) -> Result<(), (String, String)> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("config.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn the_printed_default_is_a_valid_configuration_that_changes_nothing() {
        let config = parse(DEFAULT).unwrap();
        assert!(config.console.theme.is_none() && config.console.mouse.is_none() && config.keys.is_empty());
        // And with its settings uncommented, each is read.
        let uncommented: String = DEFAULT
            .lines()
            .map(|l| l.strip_prefix("# ").filter(|l| l.contains(" = ")).unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let config = parse(&uncommented).unwrap();
        assert_eq!(config.console.theme, Some(ThemeName::Auto));
        assert_eq!(config.console.mouse, Some(true));
        assert_eq!(config.herd.places, Some(PlacesChoice::Offline));
        assert_eq!(config.keys["kill"].list(), ["X"]);
    }

    #[test]
    fn a_mistake_names_its_line() {
        let error = parse("[console]\ntheme = \"dark\"\ncolour = \"red\"\n").unwrap_err();
        assert!(error.starts_with("config.toml: line 3: unknown field `colour`"), "{error}");
        let error = parse("[console]\ntheme = \"pink\"\n").unwrap_err();
        assert!(error.starts_with("config.toml: line 2:"), "{error}");
        let error = parse("[herd]\nplaces = \"bing\"\n").unwrap_err();
        assert!(error.starts_with("config.toml: line 2:"), "{error}");
    }

    #[cfg(feature = "console")]
    #[test]
    fn a_key_that_would_clash_or_an_unknown_action_names_its_line() {
        let error = parse("[keys]\n\nkill = \"q\"\n").unwrap_err();
        assert!(error.starts_with("config.toml: line 3: q would mean both quit and kill"), "{error}");
        let error = parse("[keys]\nkil = \"X\"\n").unwrap_err();
        assert!(error.starts_with("config.toml: line 2: no action is called \"kil\""), "{error}");
        let table = parse("[keys]\nkill = [\"X\", \"ctrl-k\"]\n").unwrap().key_table().unwrap();
        assert!(table.bindings.iter().any(|b| b.label == "X, Ctrl-k"));
    }
}
