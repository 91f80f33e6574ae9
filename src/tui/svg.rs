//! A ratatui [`Buffer`] written out as an SVG picture, for the screenshots in the README.
//!
//! No crate does this, and a terminal screenshot needs little: one background rectangle per run
//! of cells with the same background, one `<text>` per run of cells with the same style. Every
//! text run is stretched to exactly its cell count (`textLength`) so that columns line up whatever
//! monospace font the viewer substitutes, and `xml:space="preserve"` keeps inner spaces.

use std::fmt::Write as _;

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

/// Width and height of one terminal cell in SVG user units.
const CELL_WIDTH: u32 = 9;
const CELL_HEIGHT: u32 = 18;
/// Where the text baseline sits inside a cell.
const BASELINE: u32 = 14;
const FONT_SIZE: u32 = 15;

/// The colours a dark terminal theme paints the reset (default) foreground and background with.
const DEFAULT_FOREGROUND: &str = "#d4d4d4";
const DEFAULT_BACKGROUND: &str = "#1e1e1e";

/// The SVG document of `buffer`: every cell, its colours, bold, italic, underline and reverse.
pub fn render(buffer: &Buffer) -> String {
    let area = buffer.area;
    let width = u32::from(area.width) * CELL_WIDTH;
    let height = u32::from(area.height) * CELL_HEIGHT;
    let mut svg = String::with_capacity(usize::from(area.width) * usize::from(area.height) * 24);
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"'DejaVu Sans Mono', 'Cascadia Mono', \
         Menlo, Consolas, monospace\" font-size=\"{FONT_SIZE}\" xml:space=\"preserve\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"{DEFAULT_BACKGROUND}\"/>\n"
    );
    for y in 0..area.height {
        let cells = row_cells(buffer, y);
        write_backgrounds(&mut svg, &cells, y);
        write_texts(&mut svg, &cells, y);
    }
    svg.push_str("</svg>\n");
    svg
}

/// One visible glyph of a row: its column, its width in cells, and its cell.
struct Glyph<'a> {
    column: u16,
    width: u16,
    cell: &'a Cell,
}

/// The glyphs of row `y`; the cells hidden behind a wide glyph (CJK, some emoji) are left out.
fn row_cells(buffer: &Buffer, y: u16) -> Vec<Glyph<'_>> {
    let area = buffer.area;
    let mut glyphs = Vec::with_capacity(usize::from(area.width));
    let mut x = 0;
    while x < area.width {
        let cell = &buffer[(area.x + x, area.y + y)];
        let width = (cell.symbol().width() as u16).clamp(1, area.width - x);
        glyphs.push(Glyph {
            column: x,
            width,
            cell,
        });
        x += width;
    }
    glyphs
}

/// The colours a cell is painted with, after `REVERSED` swapped them.
fn colours(cell: &Cell) -> (Option<String>, Option<String>) {
    let foreground = hex(cell.fg);
    let background = hex(cell.bg);
    if cell.modifier.contains(Modifier::REVERSED) {
        (
            Some(background.unwrap_or_else(|| DEFAULT_BACKGROUND.to_owned())),
            Some(foreground.unwrap_or_else(|| DEFAULT_FOREGROUND.to_owned())),
        )
    } else {
        (foreground, background)
    }
}

fn write_backgrounds(svg: &mut String, glyphs: &[Glyph<'_>], y: u16) {
    let mut index = 0;
    while index < glyphs.len() {
        let (_, background) = colours(glyphs[index].cell);
        let start = glyphs[index].column;
        let mut end = start + glyphs[index].width;
        index += 1;
        while index < glyphs.len() && colours(glyphs[index].cell).1 == background {
            end += glyphs[index].width;
            index += 1;
        }
        if let Some(fill) = background {
            let _ = writeln!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{CELL_HEIGHT}\" fill=\"{fill}\"/>",
                u32::from(start) * CELL_WIDTH,
                u32::from(y) * CELL_HEIGHT,
                u32::from(end - start) * CELL_WIDTH,
            );
        }
    }
}

/// The part of a cell's look that a `<text>` element carries.
#[derive(PartialEq)]
struct TextStyle {
    fill: String,
    modifier: Modifier,
}

fn text_style(cell: &Cell) -> TextStyle {
    let (foreground, _) = colours(cell);
    TextStyle {
        fill: foreground.unwrap_or_else(|| DEFAULT_FOREGROUND.to_owned()),
        modifier: cell.modifier
            & (Modifier::BOLD | Modifier::ITALIC | Modifier::UNDERLINED | Modifier::DIM),
    }
}

fn write_texts(svg: &mut String, glyphs: &[Glyph<'_>], y: u16) {
    let mut index = 0;
    while index < glyphs.len() {
        let style = text_style(glyphs[index].cell);
        let start = glyphs[index].column;
        let mut text = String::new();
        while index < glyphs.len() && text_style(glyphs[index].cell) == style {
            text.push_str(glyphs[index].cell.symbol());
            index += 1;
        }
        let underlined = style.modifier.contains(Modifier::UNDERLINED);
        // Blanks at either end need no glyphs (an underline does); cutting them keeps
        // `textLength` exact and the file small.
        let shown = if underlined {
            text.as_str()
        } else {
            text.trim()
        };
        if shown.is_empty() {
            continue;
        }
        let lead = if underlined {
            0
        } else {
            (text.width() - text.trim_start().width()) as u16
        };
        let start = start + lead;
        let columns = shown.width() as u16;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\" fill=\"{}\"",
            u32::from(start) * CELL_WIDTH,
            u32::from(y) * CELL_HEIGHT + BASELINE,
            u32::from(columns) * CELL_WIDTH,
            style.fill,
        );
        if style.modifier.contains(Modifier::BOLD) {
            svg.push_str(" font-weight=\"bold\"");
        }
        if style.modifier.contains(Modifier::ITALIC) {
            svg.push_str(" font-style=\"italic\"");
        }
        if style.modifier.contains(Modifier::UNDERLINED) {
            svg.push_str(" text-decoration=\"underline\"");
        }
        if style.modifier.contains(Modifier::DIM) {
            svg.push_str(" opacity=\"0.6\"");
        }
        svg.push('>');
        escape_into(svg, shown);
        svg.push_str("</text>\n");
    }
}

fn escape_into(svg: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => svg.push_str("&amp;"),
            '<' => svg.push_str("&lt;"),
            '>' => svg.push_str("&gt;"),
            '"' => svg.push_str("&quot;"),
            _ => svg.push(ch),
        }
    }
}

/// The colour as `#rrggbb` (the xterm palette for the 16 named colours), `None` for the default.
fn hex(color: Color) -> Option<String> {
    let (r, g, b) = match color {
        Color::Reset => return None,
        Color::Black => (0x00, 0x00, 0x00),
        Color::Red => (0xcd, 0x31, 0x31),
        Color::Green => (0x0d, 0xbc, 0x79),
        Color::Yellow => (0xe5, 0xe5, 0x10),
        Color::Blue => (0x24, 0x72, 0xc8),
        Color::Magenta => (0xbc, 0x3f, 0xbc),
        Color::Cyan => (0x11, 0xa8, 0xcd),
        Color::Gray => (0xe5, 0xe5, 0xe5),
        Color::DarkGray => (0x66, 0x66, 0x66),
        Color::LightRed => (0xf1, 0x4c, 0x4c),
        Color::LightGreen => (0x23, 0xd1, 0x8b),
        Color::LightYellow => (0xf5, 0xf5, 0x43),
        Color::LightBlue => (0x3b, 0x8e, 0xea),
        Color::LightMagenta => (0xd6, 0x70, 0xd6),
        Color::LightCyan => (0x29, 0xb8, 0xdb),
        Color::White => (0xff, 0xff, 0xff),
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(index) => indexed(index),
    };
    Some(format!("#{r:02x}{g:02x}{b:02x}"))
}

/// The xterm 256-colour palette: 16 named colours, a 6×6×6 cube, a 24-step grey ramp.
fn indexed(index: u8) -> (u8, u8, u8) {
    const NAMED: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    match index {
        0..=15 => {
            let rgb = hex(NAMED[usize::from(index)]).unwrap_or_default();
            let value = u32::from_str_radix(&rgb[1..], 16).unwrap_or(0);
            ((value >> 16) as u8, (value >> 8) as u8, value as u8)
        }
        16..=231 => {
            let level = |n: u8| if n == 0 { 0 } else { 55 + n * 40 };
            let n = index - 16;
            (level(n / 36), level((n / 6) % 6), level(n % 6))
        }
        _ => {
            let grey = 8 + (index - 232) * 10;
            (grey, grey, grey)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn keeps_cyrillic_colours_and_bold() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 20, 2));
        buffer.set_string(
            0,
            0,
            "Журнал <заявлений>",
            Style::new().fg(Color::Red).bold(),
        );
        buffer.set_string(2, 1, "№ 5", Style::new().bg(Color::Blue));
        let svg = render(&buffer);
        assert!(svg.contains("xml:space=\"preserve\""));
        assert!(
            svg.contains("fill=\"#cd3131\" font-weight=\"bold\">Журнал &lt;заявлений&gt;</text>")
        );
        assert!(
            svg.contains("<rect x=\"18\" y=\"18\" width=\"27\" height=\"18\" fill=\"#2472c8\"/>")
        );
        assert!(svg.contains(
            "textLength=\"27\" lengthAdjust=\"spacingAndGlyphs\" fill=\"#d4d4d4\">№ 5</text>"
        ));
        assert!(roxmltree::Document::parse(&svg).is_ok(), "{svg}");
    }

    #[test]
    fn reverse_swaps_the_colours_of_a_selected_row() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 4, 1));
        buffer.set_string(0, 0, "ab", Style::new().reversed());
        let svg = render(&buffer);
        assert!(svg.contains(&format!(
            "width=\"18\" height=\"18\" fill=\"{DEFAULT_FOREGROUND}\""
        )));
        assert!(svg.contains(&format!("fill=\"{DEFAULT_BACKGROUND}\">ab</text>")));
    }

    #[test]
    fn a_wide_glyph_takes_two_columns() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 6, 1));
        buffer.set_string(0, 0, "中x", Style::new().fg(Color::Green));
        let svg = render(&buffer);
        assert!(
            svg.contains(
                "textLength=\"27\" lengthAdjust=\"spacingAndGlyphs\" fill=\"#0dbc79\">中x</text>"
            ),
            "{svg}"
        );
    }

    #[test]
    fn palette_cube_and_grey_ramp() {
        assert_eq!(indexed(16), (0, 0, 0));
        assert_eq!(indexed(231), (255, 255, 255));
        assert_eq!(indexed(232), (8, 8, 8));
        assert_eq!(indexed(1), (0xcd, 0x31, 0x31));
    }
}
