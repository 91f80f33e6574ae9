//! A row of buttons such as «Войти» «Отмена»; the focused one is reverse video and bracketed.
//! Each button shows the key that presses it, so the keyboard path is visible.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::theme::Theme;

/// One button: translated label and an optional key label (`F10`, `Enter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub label: String,
    pub key: Option<String>,
}

impl Button {
    pub fn new(label: impl Into<String>, key: Option<String>) -> Button {
        Button {
            label: label.into(),
            key,
        }
    }

    fn text(&self) -> String {
        match &self.key {
            Some(key) => format!("{} ({key})", self.label),
            None => self.label.clone(),
        }
    }
}

/// Draws the buttons left to right; `focused` is the index with the focus, if any.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    buttons: &[Button],
    focused: Option<usize>,
    theme: &Theme,
) {
    let mut spans = Vec::new();
    for (i, button) in buttons.iter().enumerate() {
        if Some(i) == focused {
            spans.push(Span::styled(
                format!("[ {} ]", button.text()),
                theme.selected(),
            ));
        } else {
            spans.push(Span::styled(format!("< {} >", button.text()), theme.text()));
        }
        spans.push(Span::raw("  "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
