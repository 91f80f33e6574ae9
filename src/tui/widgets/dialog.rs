//! A modal box centred over the screen: title, message lines, buttons. Screens that are dialogs
//! (`Screen::is_dialog`) draw themselves with it over the screen below.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use crate::tui::theme::Theme;
use crate::tui::widgets::buttons::{self, Button};
use crate::tui::widgets::centered;

/// What a dialog shows.
pub struct Dialog<'a> {
    pub title: String,
    pub lines: Vec<Line<'a>>,
    pub buttons: Vec<Button>,
    /// The button with the focus, if any.
    pub focused: Option<usize>,
    /// The frame's style: `theme.ok()` for good news, `theme.error()` for a refusal.
    pub border: Style,
}

impl Dialog<'_> {
    /// The columns a message line has inside a dialog over `area`, for text the caller breaks
    /// itself (a path, broken at its slashes).
    pub fn text_width(area: Rect) -> usize {
        Self::width(area).saturating_sub(4).max(1) as usize
    }

    fn width(area: Rect) -> u16 {
        area.width.clamp(40, 72).min(area.width)
    }

    /// Clears a centred box big enough for the wrapped lines and the buttons, draws it, and
    /// returns the inner area below the message (for dialogs that add fields).
    pub fn render(self, frame: &mut Frame, area: Rect, theme: &Theme) -> Rect {
        let width = Self::width(area);
        let inner_width = Self::text_width(area);
        let text_rows: usize = self
            .lines
            .iter()
            .map(|l| l.width().max(1).div_ceil(inner_width))
            .sum();
        let height = (text_rows as u16 + 4 + u16::from(!self.buttons.is_empty())).min(area.height);
        let popup = centered(area, width.max(self.title.width() as u16 + 6), height);
        frame.render_widget(Clear, popup);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(self.border)
            .title(format!(" {} ", self.title));
        let inner = super::padded(block.inner(popup));
        frame.render_widget(block, popup);
        frame.render_widget(
            Paragraph::new(self.lines).wrap(Wrap { trim: false }),
            Rect {
                height: text_rows as u16,
                ..inner
            },
        );
        if !self.buttons.is_empty() {
            let y = inner.bottom().saturating_sub(1);
            buttons::render(
                frame,
                Rect {
                    y,
                    height: 1,
                    ..inner
                },
                &self.buttons,
                self.focused,
                theme,
            );
        }
        Rect {
            y: inner.y + text_rows as u16,
            height: inner.height.saturating_sub(text_rows as u16),
            ..inner
        }
    }
}
