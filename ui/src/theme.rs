//! Colours and emphasis. With `NO_COLOR` the console keeps its symbols and text, and uses bold,
//! dim and reverse instead of colours.

use ratatui::style::{Color, Modifier, Style};

use crate::view::{FlowKind, LinkState};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colours unless `NO_COLOR` is set to anything non-empty (<https://no-color.org>).
    pub fn from_env() -> Self {
        Self::from_no_color(std::env::var_os("NO_COLOR").as_deref())
    }

    /// The theme for a given value of `NO_COLOR`.
    pub fn from_no_color(no_color: Option<&std::ffi::OsStr>) -> Self {
        Self { color: no_color.is_none_or(|value| value.is_empty()) }
    }

    fn pick(&self, color: Color, plain: Style) -> Style {
        if self.color { Style::new().fg(color) } else { plain }
    }

    pub fn node(&self, up: bool) -> Style {
        if up {
            self.pick(Color::Green, Style::new()).add_modifier(Modifier::BOLD)
        } else {
            self.pick(Color::Red, Style::new().add_modifier(Modifier::DIM))
        }
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn link(&self, state: LinkState, lit: bool) -> Color {
        match (self.color, lit, state) {
            (false, _, _) => Color::Reset,
            (true, true, _) => Color::Yellow,
            (true, false, LinkState::Up) => Color::Green,
            (true, false, LinkState::Half) => Color::Magenta,
            (true, false, LinkState::Down) => Color::Red,
            (true, false, LinkState::Elsewhere) => Color::DarkGray,
        }
    }

    /// A path a walkthrough marks on the graph.
    pub fn highlight(&self) -> Color {
        if self.color { Color::Cyan } else { Color::Reset }
    }

    pub fn flow(&self, kind: FlowKind) -> Style {
        let color = match kind {
            FlowKind::ClientIn => Color::Cyan,
            FlowKind::ClientOut => Color::Blue,
            FlowKind::FloodSent => Color::Yellow,
            FlowKind::FloodReceived => Color::Green,
            FlowKind::Duplicate => Color::DarkGray,
            FlowKind::Link | FlowKind::Node => Color::Magenta,
            FlowKind::Places => Color::LightBlue,
            FlowKind::Warning => Color::Red,
            FlowKind::Other => Color::Reset,
        };
        let plain = match kind {
            FlowKind::Duplicate => Style::new().add_modifier(Modifier::DIM),
            FlowKind::Warning | FlowKind::Node | FlowKind::Link => Style::new().add_modifier(Modifier::BOLD),
            _ => Style::new(),
        };
        self.pick(color, plain)
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        self.pick(Color::DarkGray, Style::new().add_modifier(Modifier::DIM))
    }

    pub fn focus_border(&self, focused: bool) -> Style {
        if focused { self.pick(Color::Cyan, Style::new().add_modifier(Modifier::BOLD)) } else { Style::new() }
    }
}
