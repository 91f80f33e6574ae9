//! A row of tabs («По ИИН» / «По ЭЦП», «Информация о заявлении» / «История изменений» / …).
//! The active tab is reverse video and bracketed, so it shows without colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::theme::Theme;

/// Draws the translated `titles`, `active` highlighted; returns nothing because tabs have no
/// state beyond the index the screen keeps.
pub fn render(frame: &mut Frame, area: Rect, titles: &[String], active: usize, theme: &Theme) {
    let mut spans = Vec::new();
    for (i, title) in titles.iter().enumerate() {
        if i == active {
            spans.push(Span::styled(format!("[ {title} ]"), theme.selected()));
        } else {
            spans.push(Span::styled(format!("  {title}  "), theme.muted()));
        }
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The next tab index after `active`, wrapping (Tab / → on a tab row).
pub fn next(active: usize, count: usize) -> usize {
    if count == 0 { 0 } else { (active + 1) % count }
}

/// The previous tab index, wrapping.
pub fn prev(active: usize, count: usize) -> usize {
    if count == 0 {
        0
    } else {
        (active + count - 1) % count
    }
}
