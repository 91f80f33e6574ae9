//! A list with a header and a moving selection, as the officer screens draw them: only the rows
//! in view are built, so a long list costs what a short one does.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::widgets::{Row, Table};

use crate::tui::theme::Theme;
use crate::tui::widgets::truncate;

/// The selected row and the first row in view (kept from the last frame so paging moves by
/// what the user sees).
#[derive(Debug, Default)]
pub struct Cursor {
    pub selected: usize,
    top: Cell<usize>,
    viewport: Cell<usize>,
}

impl Cursor {
    /// Moves on ↑/↓/PgUp/PgDn/Home/End over `len` rows; says whether the key was one of them.
    pub fn handle_key(&mut self, key: KeyEvent, len: usize) -> bool {
        let page = self.viewport.get().max(1);
        let last = len.saturating_sub(1);
        self.selected = match key.code {
            KeyCode::Up => self.selected.saturating_sub(1),
            KeyCode::Down => (self.selected + 1).min(last),
            KeyCode::PageUp => self.selected.saturating_sub(page),
            KeyCode::PageDown => (self.selected + page).min(last),
            KeyCode::Home => 0,
            KeyCode::End => last,
            _ => return false,
        };
        true
    }

    /// Keeps the selection inside a list of `len` rows.
    pub fn clamp(&mut self, len: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
    }

    /// The first row to draw so the selection shows in `rows` rows.
    fn top_for(&self, rows: usize) -> usize {
        let mut top = self.top.get();
        if self.selected < top {
            top = self.selected;
        } else if self.selected >= top + rows {
            top = self.selected + 1 - rows;
        }
        self.top.set(top);
        self.viewport.set(rows);
        top
    }
}

/// A column: its title and width (the last column takes what is left).
pub struct Column {
    pub title: String,
    pub width: u16,
}

/// Draws a header and the rows in view of a list of `len`; `cells(i)` gives row `i`'s texts.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    columns: &[Column],
    len: usize,
    cursor: &Cursor,
    theme: &Theme,
    cells: impl Fn(usize) -> Vec<String>,
) {
    let rows = area.height.saturating_sub(1) as usize;
    let top = cursor.top_for(rows.max(1));
    let widths: Vec<Constraint> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i + 1 == columns.len() {
                Constraint::Min(c.width)
            } else {
                Constraint::Length(c.width)
            }
        })
        .collect();
    let header = Row::new(
        columns
            .iter()
            .map(|c| truncate(&c.title, c.width as usize))
            .collect::<Vec<_>>(),
    )
    .style(theme.title().add_modifier(Modifier::BOLD));
    let body: Vec<Row> = (top..len.min(top + rows))
        .map(|i| {
            let texts = cells(i);
            let row = Row::new(
                texts
                    .into_iter()
                    .zip(columns)
                    .map(|(text, c)| truncate(&text, area.width.min(c.width.max(1) * 4) as usize))
                    .collect::<Vec<_>>(),
            );
            if i == cursor.selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    frame.render_widget(
        Table::new(body, widths).header(header).column_spacing(1),
        area,
    );
}
