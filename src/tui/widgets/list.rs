//! A selectable list with an optional type-to-filter line: regions, settlements, keys, menu
//! items, files. Only the visible rows are drawn.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_i18n::t;

use crate::tui::theme::Theme;
use crate::tui::widgets::fit;

/// A list of labelled items; `filter` narrows it to items containing the typed text (case
/// folded, so «алм» finds «Алматы»).
#[derive(Debug, Clone, Default)]
pub struct SelectList {
    items: Vec<String>,
    /// Indices of `items` that pass the filter, in order.
    shown: Vec<usize>,
    filter: String,
    selected: usize,
    searchable: bool,
}

impl SelectList {
    pub fn new(items: Vec<String>) -> SelectList {
        let shown = (0..items.len()).collect();
        SelectList {
            items,
            shown,
            filter: String::new(),
            selected: 0,
            searchable: false,
        }
    }

    /// Letters typed into the list filter it.
    pub fn searchable(mut self) -> SelectList {
        self.searchable = true;
        self
    }

    pub fn set_items(&mut self, items: Vec<String>) {
        self.items = items;
        self.refilter();
    }

    pub fn len(&self) -> usize {
        self.shown.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Index (into the items given) of the highlighted item.
    pub fn selected(&self) -> Option<usize> {
        self.shown.get(self.selected).copied()
    }

    pub fn select(&mut self, item: usize) {
        if let Some(pos) = self.shown.iter().position(|&i| i == item) {
            self.selected = pos;
        }
    }

    /// Keeps the items containing the filter, best matches first: those whose name starts with
    /// it, then those with a word starting with it («Аст» → «город Астана»), then the rest
    /// («…область» contains «аст» too); ties keep the catalogue's order.
    fn refilter(&mut self) {
        let needle = self.filter.to_lowercase();
        let mut ranked: Vec<(u8, usize)> = self
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, text)| {
                let text = text.to_lowercase();
                let rank = if text.starts_with(&needle) {
                    0
                } else if text
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|word| word.starts_with(&needle))
                {
                    1
                } else if text.contains(&needle) {
                    2
                } else {
                    return None;
                };
                Some((rank, i))
            })
            .collect();
        ranked.sort_by_key(|&(rank, _)| rank);
        self.shown = ranked.into_iter().map(|(_, i)| i).collect();
        self.selected = self.selected.min(self.shown.len().saturating_sub(1));
    }

    /// Arrows, PgUp/PgDn, Home/End move; letters and Backspace edit the filter of a
    /// searchable list. Returns whether the key was used.
    pub fn handle_key(&mut self, key: KeyEvent) -> bool {
        let last = self.shown.len().saturating_sub(1);
        match key.code {
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down => self.selected = (self.selected + 1).min(last),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(last),
            KeyCode::Home => self.selected = 0,
            KeyCode::End => self.selected = last,
            KeyCode::Backspace if self.searchable && !self.filter.is_empty() => {
                self.filter.pop();
                self.refilter();
            }
            KeyCode::Char(c)
                if self.searchable
                    && !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                self.filter.push(c);
                self.selected = 0;
                self.refilter();
            }
            _ => return false,
        }
        true
    }

    /// Draws the filter line (when searchable) and the visible window of items, keeping the
    /// highlighted one in view. The highlight is reverse video with a `›` mark.
    pub fn render(&self, frame: &mut Frame, area: Rect, focused: bool, theme: &Theme) {
        let mut area = area;
        if self.searchable && area.height > 1 {
            let line = Line::from(vec![
                Span::styled(format!("{}: ", t!("tui.list.search")), theme.muted()),
                Span::styled(self.filter.clone(), theme.focused()),
            ]);
            frame.render_widget(Paragraph::new(line), Rect { height: 1, ..area });
            area.y += 1;
            area.height -= 1;
        }
        if self.shown.is_empty() {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    t!("tui.list.empty").into_owned(),
                    theme.muted(),
                )),
                area,
            );
            return;
        }
        let height = area.height as usize;
        let width = area.width as usize;
        // The highlighted item shows whole, on more rows if it must (a long benefit category);
        // the others are cut to one row each.
        let chosen_rows: Vec<String> = self
            .shown
            .get(self.selected)
            .map(|&i| super::wrap(&self.items[i], width.saturating_sub(2)))
            .unwrap_or_default()
            .into_iter()
            .take(height.max(1))
            .collect();
        let extra = chosen_rows.len().saturating_sub(1);
        let offset = (self.selected + 1 + extra).saturating_sub(height);
        let mut lines: Vec<Line> = Vec::new();
        for (pos, &i) in self.shown.iter().enumerate().skip(offset) {
            if lines.len() >= height {
                break;
            }
            if pos != self.selected {
                lines.push(Line::from(fit(&format!("  {}", self.items[i]), width)));
                continue;
            }
            let style = if focused {
                theme.selected()
            } else {
                theme.focused()
            };
            for (row, part) in chosen_rows.iter().enumerate() {
                let mark = if row == 0 { "› " } else { "  " };
                lines.push(Line::from(Span::styled(
                    fit(&format!("{mark}{part}"), width),
                    style,
                )));
            }
        }
        lines.truncate(height);
        frame.render_widget(Paragraph::new(lines), area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn filters_case_insensitively_and_keeps_item_indices() {
        let mut list = SelectList::new(vec![
            "Астана".into(),
            "Алматы".into(),
            "Алматинская область".into(),
        ])
        .searchable();
        for c in "алм".chars() {
            list.handle_key(key(KeyCode::Char(c)));
        }
        assert_eq!(list.len(), 2);
        assert_eq!(list.selected(), Some(1));
        list.handle_key(key(KeyCode::Down));
        assert_eq!(list.selected(), Some(2));
        list.handle_key(key(KeyCode::Down));
        assert_eq!(list.selected(), Some(2), "stays on the last item");
        for _ in 0..3 {
            list.handle_key(key(KeyCode::Backspace));
        }
        assert_eq!(list.len(), 3);
    }

    #[test]
    fn prefix_matches_come_first() {
        let mut list = SelectList::new(vec![
            "Акмолинская область".into(),
            "Костанайская область".into(),
            "город Астана".into(),
            "Астраханка".into(),
        ])
        .searchable();
        for c in "аст".chars() {
            list.handle_key(key(KeyCode::Char(c)));
        }
        let order: Vec<usize> = (0..list.len())
            .map(|_| {
                let at = list.selected().expect("an item");
                list.handle_key(key(KeyCode::Down));
                at
            })
            .collect();
        assert_eq!(order, vec![3, 2, 0, 1]);
    }

    #[test]
    fn the_highlighted_item_shows_whole_the_others_are_cut() {
        use ratatui::{Terminal, backend::TestBackend};
        let long = "Дети военнослужащих и сотрудников специальных органов";
        let mut list = SelectList::new(vec![long.into(), long.into(), "Без льготы".into()]);
        list.select(1);
        let mut terminal = Terminal::new(TestBackend::new(24, 6)).unwrap();
        terminal
            .draw(|frame| list.render(frame, frame.area(), true, &Theme::MONO))
            .unwrap();
        let rows: Vec<String> = terminal
            .backend()
            .buffer()
            .content()
            .chunks(24)
            .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
            .collect();
        assert!(rows[0].ends_with('…'), "{rows:?}");
        assert!(rows[1].starts_with("› Дети"), "{rows:?}");
        let whole: String = rows[1..]
            .iter()
            .take_while(|r| !r.contains("Без"))
            .map(|r| r.trim().trim_start_matches('›').trim().to_owned())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(whole, long, "{rows:?}");
        assert!(rows.iter().any(|r| r.contains("Без льготы")), "{rows:?}");
    }

    #[test]
    fn plain_list_ignores_letters() {
        let mut list = SelectList::new(vec!["a".into(), "b".into()]);
        assert!(!list.handle_key(key(KeyCode::Char('x'))));
        assert!(list.handle_key(key(KeyCode::End)));
        assert_eq!(list.selected(), Some(1));
    }
}
