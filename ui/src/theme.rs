//! Colours and emphasis, for dark and for light terminals. With `NO_COLOR` the console keeps its
//! symbols and text, and uses bold, dim and reverse instead of colours.
//!
//! Each palette keeps apart what must read apart: a dropped duplicate is not the grey of a
//! timestamp, a `?` reply is not the colour of a good one, and no dark blue is ever drawn on a
//! dark background (nor yellow on a light one).

use ratatui::style::{Color, Modifier, Style};

use crate::view::{FlowKind, LinkState};

/// Which background the colours are chosen for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Palette {
    #[default]
    Dark,
    Light,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub palette: Palette,
}

/// What the operator asked for: a palette, or `auto` (the terminal's `COLORFGBG` when it says).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ThemeChoice {
    Dark,
    Light,
    #[default]
    Auto,
}

impl Theme {
    /// Colours unless `NO_COLOR` is set to anything non-empty (<https://no-color.org>), for the
    /// background `choice` says.
    pub fn from_env(choice: ThemeChoice) -> Self {
        let palette = match choice {
            ThemeChoice::Dark => Palette::Dark,
            ThemeChoice::Light => Palette::Light,
            ThemeChoice::Auto => Self::palette_of(std::env::var("COLORFGBG").ok().as_deref()),
        };
        Self { palette, ..Self::from_no_color(std::env::var_os("NO_COLOR").as_deref()) }
    }

    /// The theme for a given value of `NO_COLOR`, on a dark background.
    pub fn from_no_color(no_color: Option<&std::ffi::OsStr>) -> Self {
        Self { color: no_color.is_none_or(|value| value.is_empty()), palette: Palette::Dark }
    }

    /// Without colour: symbols, bold, dim and reverse only.
    pub fn plain() -> Self {
        Self { color: false, palette: Palette::Dark }
    }

    /// Colours for a dark or a light background.
    pub fn coloured(palette: Palette) -> Self {
        Self { color: true, palette }
    }

    /// The background a terminal's `COLORFGBG` (`"15;0"`: foreground, background) says; dark
    /// when it says nothing (most terminals).
    pub fn palette_of(colorfgbg: Option<&str>) -> Palette {
        match colorfgbg.and_then(|value| value.rsplit(';').next()).and_then(|bg| bg.parse::<u8>().ok()) {
            Some(7 | 9..=15) => Palette::Light,
            _ => Palette::Dark,
        }
    }

    fn light(&self) -> bool {
        self.palette == Palette::Light
    }

    fn pick(&self, color: Color, plain: Style) -> Style {
        if self.color { Style::new().fg(color) } else { plain }
    }

    pub fn node(&self, up: bool) -> Style {
        if up {
            let green = if self.light() { Color::Indexed(28) } else { Color::Green };
            self.pick(green, Style::new()).add_modifier(Modifier::BOLD)
        } else {
            self.pick(Color::Red, Style::new().add_modifier(Modifier::DIM))
        }
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn link(&self, state: LinkState, lit: bool) -> Color {
        match (self.color, self.light(), lit, state) {
            (false, ..) => Color::Reset,
            // A record crossing: yellow on dark, a strong blue on light.
            (true, false, true, _) => Color::Yellow,
            (true, true, true, _) => Color::Indexed(21),
            (true, false, false, LinkState::Up) => Color::Green,
            (true, true, false, LinkState::Up) => Color::Indexed(28),
            (true, _, false, LinkState::Half) => Color::Magenta,
            (true, _, false, LinkState::Down) => Color::Red,
            (true, false, false, LinkState::Elsewhere) => Color::DarkGray,
            (true, true, false, LinkState::Elsewhere) => Color::Gray,
        }
    }

    /// A path a walkthrough marks on the graph.
    pub fn highlight(&self) -> Color {
        match (self.color, self.light()) {
            (false, _) => Color::Reset,
            (true, false) => Color::Cyan,
            (true, true) => Color::Indexed(25),
        }
    }

    pub fn flow(&self, kind: FlowKind) -> Style {
        let color = match (self.light(), kind) {
            (false, FlowKind::ClientIn) => Color::Cyan,
            // Light blue, never the dark blue that vanishes on black.
            (false, FlowKind::ClientOut) => Color::LightBlue,
            (false, FlowKind::FloodSent) => Color::Yellow,
            (false, FlowKind::FloodReceived) => Color::Green,
            // A mid grey: apart from the timestamps' dark grey.
            (false, FlowKind::Duplicate) => Color::Gray,
            (false, FlowKind::Link | FlowKind::Connection | FlowKind::Node) => Color::Magenta,
            (false, FlowKind::Places) => Color::LightCyan,
            (false, FlowKind::Warning) => Color::LightRed,
            (true, FlowKind::ClientIn) => Color::Indexed(25),
            (true, FlowKind::ClientOut) => Color::Indexed(90),
            (true, FlowKind::FloodSent) => Color::Indexed(130),
            (true, FlowKind::FloodReceived) => Color::Indexed(28),
            (true, FlowKind::Duplicate) => Color::Indexed(243),
            (true, FlowKind::Link | FlowKind::Connection | FlowKind::Node) => Color::Indexed(127),
            (true, FlowKind::Places) => Color::Indexed(30),
            (true, FlowKind::Warning) => Color::Indexed(160),
            (_, FlowKind::Other) => Color::Reset,
        };
        let plain = match kind {
            FlowKind::Duplicate => Style::new().add_modifier(Modifier::ITALIC),
            FlowKind::Warning | FlowKind::Node | FlowKind::Link => Style::new().add_modifier(Modifier::BOLD),
            _ => Style::new(),
        };
        let style = self.pick(color, plain);
        // Dropped copies lean, in colour too: told apart from the rest by more than a shade.
        if self.color && kind == FlowKind::Duplicate { style.add_modifier(Modifier::ITALIC) } else { style }
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// Timestamps, legends, what matters least.
    pub fn dim(&self) -> Style {
        let grey = if self.light() { Color::Indexed(248) } else { Color::DarkGray };
        self.pick(grey, Style::new().add_modifier(Modifier::DIM))
    }

    pub fn focus_border(&self, focused: bool) -> Style {
        let accent = if self.light() { Color::Indexed(25) } else { Color::Cyan };
        if focused { self.pick(accent, Style::new().add_modifier(Modifier::BOLD)) } else { Style::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colorfgbg_says_light_or_dark_and_nothing_means_dark() {
        assert_eq!(Theme::palette_of(Some("0;15")), Palette::Light);
        assert_eq!(Theme::palette_of(Some("15;default;0")), Palette::Dark);
        assert_eq!(Theme::palette_of(Some("0;7")), Palette::Light);
        assert_eq!(Theme::palette_of(None), Palette::Dark);
        assert_eq!(Theme::palette_of(Some("garbage")), Palette::Dark);
    }

    #[test]
    fn what_must_read_apart_does_in_both_palettes() {
        for palette in [Palette::Dark, Palette::Light] {
            let theme = Theme::coloured(palette);
            assert_ne!(
                theme.flow(FlowKind::Duplicate).fg,
                theme.dim().fg,
                "{palette:?}: duplicates are not timestamps"
            );
            assert_ne!(theme.flow(FlowKind::Warning).fg, theme.flow(FlowKind::ClientOut).fg, "{palette:?}: ? replies");
        }
        let dark = Theme::coloured(Palette::Dark);
        for kind in [FlowKind::ClientIn, FlowKind::ClientOut, FlowKind::Places, FlowKind::FloodReceived] {
            assert_ne!(dark.flow(kind).fg, Some(Color::Blue), "no dark blue on black");
        }
        let light = Theme::coloured(Palette::Light);
        assert!(
            [FlowKind::FloodSent, FlowKind::ClientIn].iter().all(|k| light.flow(*k).fg != Some(Color::Yellow)),
            "no yellow on white"
        );
        assert_ne!(light.link(LinkState::Up, true), Color::Yellow);
    }
}
