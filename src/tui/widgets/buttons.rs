//! A row of buttons such as «Войти» «Отмена»; the focused one is reverse video and bracketed.
//! Each button shows the key that presses it, so the keyboard path is visible.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

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

/// The buttons' spans, two columns apart, broken into rows of at most `width` columns.
fn rows(
    buttons: &[Button],
    focused: Option<usize>,
    theme: &Theme,
    width: u16,
) -> Vec<Vec<Span<'static>>> {
    let mut rows: Vec<Vec<Span>> = vec![Vec::new()];
    let mut used = 0usize;
    for (i, button) in buttons.iter().enumerate() {
        let span = if Some(i) == focused {
            Span::styled(format!("[ {} ]", button.text()), theme.selected())
        } else {
            Span::styled(format!("< {} >", button.text()), theme.text())
        };
        let need = span.content.width();
        if used > 0 && used + need > usize::from(width) {
            rows.push(Vec::new());
            used = 0;
        }
        let row = rows.last_mut().expect("one row at least");
        row.push(span);
        row.push(Span::raw("  "));
        used += need + 2;
    }
    rows
}

/// How many rows the buttons need in `width` columns (0 without buttons).
pub fn height(buttons: &[Button], width: u16) -> u16 {
    if buttons.is_empty() {
        return 0;
    }
    rows(buttons, None, &Theme::MONO, width).len() as u16
}

/// Draws the buttons left to right, on more rows when they do not fit in one; `focused` is the
/// index with the focus, if any.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    buttons: &[Button],
    focused: Option<usize>,
    theme: &Theme,
) {
    let lines: Vec<Line> = rows(buttons, focused, theme, area.width)
        .into_iter()
        .map(Line::from)
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}
