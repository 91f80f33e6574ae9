//! A row of tabs («По ИИН» / «По ЭЦП», «Информация о заявлении» / «История изменений» / …).
//! The active tab is reverse video and bracketed, so it shows without colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::theme::Theme;

/// Draws the translated `titles`, `active` highlighted; returns nothing because tabs have no
/// state beyond the index the screen keeps. Titles that do not fit the row go on to the next
/// row of `area` whole, rather than being cut («[ История н»).
pub fn render(frame: &mut Frame, area: Rect, titles: &[String], active: usize, theme: &Theme) {
    let mut lines = vec![Vec::new()];
    let mut used = 0;
    for (i, title) in titles.iter().enumerate() {
        let span = if i == active {
            Span::styled(format!("[ {title} ]"), theme.selected())
        } else {
            Span::styled(format!("  {title}  "), theme.muted())
        };
        let width = span.width();
        if used > 0 && used + width > area.width as usize {
            lines.push(Vec::new());
            used = 0;
        }
        used += width + 1;
        let line = lines.last_mut().expect("one line at least");
        line.push(span);
        line.push(Span::raw(" "));
    }
    let lines: Vec<Line> = lines.into_iter().map(Line::from).collect();
    frame.render_widget(Paragraph::new(lines), area);
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
