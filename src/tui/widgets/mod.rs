//! Widgets shared by the screens. Each keeps its state in a plain struct (updated by the
//! screen's key handling) and draws through a `render` that only reads it. Text is measured
//! with unicode width everywhere, so Cyrillic, Kazakh letters and № align.

pub mod attachments;
pub mod buttons;
pub mod chart;
pub mod dialog;
pub mod file_browser;
pub mod form;
pub mod key_window;
pub mod list;
pub mod spinner;
pub mod tabs;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::tui::theme::Theme;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The screen's title on one line, for the screens that give their whole width to a table, a
/// chart or results instead of a frame (journal, queue search, statistics).
pub fn heading(frame: &mut Frame, area: Rect, theme: &Theme, title: &str) {
    frame.render_widget(
        Paragraph::new(Span::styled(title.to_owned(), theme.title())),
        area,
    );
}

/// The frame of a full screen: a border over all of `area` with the screen's title in its top
/// edge, so every page says where the user is. Returns the inside.
pub fn page(frame: &mut Frame, area: Rect, theme: &Theme, title: &str) -> Rect {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(format!(" {title} "), theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// A [`page`] at most 76 columns wide, centred in `area`: the frame of the login and
/// first-login windows. Returns the inside, with one column of padding each side.
pub fn card(frame: &mut Frame, area: Rect, theme: &Theme, title: &str) -> Rect {
    let width = area.width.min(76);
    let body = Rect {
        x: area.x + (area.width - width) / 2,
        width,
        ..area
    };
    padded(page(frame, body, theme, title))
}

/// `area` less one column each side: text inside a frame keeps off its borders.
pub fn padded(area: Rect) -> Rect {
    Rect {
        x: area.x + 1,
        width: area.width.saturating_sub(2),
        ..area
    }
}

/// The frame of a window over the screen (an action's dialog, the key window): a border in the
/// focus colour with the title in its top edge. Returns the inside, padded.
pub fn popup(frame: &mut Frame, area: Rect, theme: &Theme, title: &str) -> Rect {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused())
        .title(Span::styled(format!(" {title} "), theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    padded(inner)
}

/// A `width` × `height` rectangle centred in `area`, clipped to it.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// `text` cut to at most `width` terminal columns, ending in `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `text` broken at spaces into lines of at most `width` columns; a word longer than a line is
/// cut where the line ends. Always at least one line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_pieces(text.split(' ').filter(|w| !w.is_empty()), " ", width)
}

/// A file path broken into lines of at most `width` columns after its separators, so that a
/// file name such as `УО.2026.000027.1.pdf` stays whole; only a part longer than a line is cut
/// where the line ends.
pub fn wrap_path(path: &str, width: usize) -> Vec<String> {
    wrap_pieces(path.split_inclusive(std::path::MAIN_SEPARATOR), "", width)
}

/// `pieces` joined by `joiner` into lines of at most `width` columns, a new line between
/// pieces; a piece longer than a line is cut where the line ends. Always at least one line.
fn wrap_pieces<'a>(
    pieces: impl Iterator<Item = &'a str>,
    joiner: &str,
    width: usize,
) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        let joined = if line.is_empty() {
            piece.to_owned()
        } else {
            format!("{line}{joiner}{piece}")
        };
        if joined.width() <= width {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in piece.chars() {
            if line.width() + c.width().unwrap_or(0) > width {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` cut or padded with spaces to exactly `width` columns.
pub fn fit(text: &str, width: usize) -> String {
    let mut out = truncate(text, width);
    let used = out.width();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_break_after_a_slash_not_inside_a_name() {
        let path = "/home/айгерим/Загрузки/Уведомление-УО.2026.000027.1.pdf";
        let lines = wrap_path(path, 30);
        assert_eq!(lines.concat(), path);
        assert_eq!(lines[0], "/home/айгерим/Загрузки/");
        // The name is longer than a line: cut only where the line ends.
        assert_eq!(lines[1], "Уведомление-УО.2026.000027.1.p");
        assert!(lines.iter().all(|l| l.width() <= 30));
        assert_eq!(
            wrap_path("/home/user/Downloads/УО.2026.000027.1.pdf", 24),
            vec!["/home/user/Downloads/", "УО.2026.000027.1.pdf"]
        );
        assert_eq!(wrap_path("/tmp/a.pdf", 72), vec!["/tmp/a.pdf"]);
    }

    #[test]
    fn truncates_by_display_width() {
        assert_eq!(truncate("Әлихан", 10), "Әлихан");
        assert_eq!(truncate("Әлихан Бөкейхан", 8), "Әлихан …");
        assert_eq!(fit("№ 5", 5), "№ 5  ");
        assert_eq!(fit("中文字", 4), "中… ");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn wraps_at_spaces_by_display_width() {
        assert_eq!(
            wrap("Ясли-сад №45 «Балапан», действительно до 08.12.2026", 24),
            ["Ясли-сад №45 «Балапан»,", "действительно до", "08.12.2026"]
        );
        assert_eq!(wrap("Әлихан", 10), ["Әлихан"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("abcdefgh ij", 3), ["abc", "def", "gh", "ij"]);
    }

    #[test]
    fn centres_inside_the_area() {
        let area = Rect::new(0, 1, 80, 22);
        assert_eq!(centered(area, 40, 10), Rect::new(20, 7, 40, 10));
        assert_eq!(centered(area, 100, 30), area);
    }
}
