//! Styles of the client. Only the 16 named ANSI colours are used, so 16-colour terminals look
//! as intended; with NO_COLOR (or `colours = false` in the config) every style is monochrome.
//! Selection and focus always carry reverse video or bold as well, never colour alone.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub colour: bool,
}

impl Theme {
    pub const MONO: Theme = Theme { colour: false };
    pub const COLOUR: Theme = Theme { colour: true };

    /// Colours unless the user asked for none through the config or NO_COLOR (any non-empty
    /// value, as no-color.org says).
    pub fn new(config_colours: bool) -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme {
            colour: config_colours && !no_color,
        }
    }

    fn fg(&self, colour: Color) -> Style {
        if self.colour {
            Style::new().fg(colour)
        } else {
            Style::new()
        }
    }

    pub fn text(&self) -> Style {
        Style::new()
    }

    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn muted(&self) -> Style {
        if self.colour {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    /// The selected row of a list or table, the active tab, the focused button.
    pub fn selected(&self) -> Style {
        let base = Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        if self.colour {
            base.fg(Color::Cyan)
        } else {
            base
        }
    }

    /// The frame of the field that has the keyboard focus.
    pub fn focused(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn warning(&self) -> Style {
        self.fg(Color::Yellow)
    }

    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }

    /// A key name in the hint line.
    pub fn key(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn status_bar(&self) -> Style {
        if self.colour {
            Style::new().fg(Color::White).bg(Color::Blue)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    pub fn border(&self) -> Style {
        self.fg(Color::Gray)
    }
}
