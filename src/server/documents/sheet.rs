//! A small typesetter for one-column official notices on A4: centred headings, wrapped
//! paragraphs, rules and two-column «label: value» rows, flowing onto further pages when needed.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::DocumentError;
use super::font::{Face, Style};

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN_X: f32 = 62.0;
const MARGIN_TOP: f32 = 56.0;
const MARGIN_BOTTOM: f32 = 56.0;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.35;
/// The label column of field rows takes this share of the text width.
const LABEL_SHARE: f32 = 0.4;
const CELL_PADDING: f32 = 4.0;

const REGULAR_NAME: Name<'static> = Name(b"F1");
const BOLD_NAME: Name<'static> = Name(b"F2");

/// The page being filled and those before it.
pub(super) struct Sheet {
    regular: Face,
    bold: Face,
    pages: Vec<Content>,
    /// Distance of the next line's top from the top edge of the current page.
    cursor: f32,
}

impl Sheet {
    pub(super) fn new() -> Result<Sheet, DocumentError> {
        Ok(Sheet {
            regular: Face::new(Style::Regular)?,
            bold: Face::new(Style::Bold)?,
            pages: vec![Content::new()],
            cursor: MARGIN_TOP,
        })
    }

    fn face(&self, style: Style) -> &Face {
        match style {
            Style::Regular => &self.regular,
            Style::Bold => &self.bold,
        }
    }

    /// Starts a new page when `height` more points would cross the bottom margin.
    fn make_room(&mut self, height: f32) {
        if self.cursor + height > PAGE_HEIGHT - MARGIN_BOTTOM && self.cursor > MARGIN_TOP {
            self.pages.push(Content::new());
            self.cursor = MARGIN_TOP;
        }
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a sheet always has a page")
    }

    /// Sets one line whose top is at the cursor, `x` from the left edge.
    fn line_at(&mut self, x: f32, text: &str, style: Style, size: f32) {
        let (codes, font) = match style {
            Style::Regular => (self.regular.encode(text), REGULAR_NAME),
            Style::Bold => (self.bold.encode(text), BOLD_NAME),
        };
        // DejaVu's glyphs reach 0.93 em above the baseline and 0.24 em below; one em under the
        // line's top centres them in a line of 1.35 em.
        let baseline = PAGE_HEIGHT - self.cursor - size;
        let page = self.page();
        page.begin_text();
        page.set_font(font, size);
        page.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, baseline]);
        page.show(Str(&codes));
        page.end_text();
    }

    /// Breaks `text` into lines no wider than `width`; words longer than a line are cut.
    fn wrap(&self, text: &str, style: Style, size: f32, width: f32) -> Vec<String> {
        let face = self.face(style);
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if face.width(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                for c in word.chars() {
                    line.push(c);
                    if face.width(&line, size) > width && line.chars().count() > 1 {
                        line.pop();
                        lines.push(std::mem::replace(&mut line, c.to_string()));
                    }
                }
            }
            lines.push(line);
        }
        lines
    }

    /// A heading or line centred on the page, wrapped if long.
    pub(super) fn centred(&mut self, text: &str, style: Style, size: f32) {
        for line in self.wrap(text, style, size, TEXT_WIDTH) {
            self.make_room(size * LEADING);
            let x = MARGIN_X + (TEXT_WIDTH - self.face(style).width(&line, size)) / 2.0;
            self.line_at(x, &line, style, size);
            self.cursor += size * LEADING;
        }
    }

    /// A left-aligned paragraph across the full width.
    pub(super) fn paragraph(&mut self, text: &str, style: Style, size: f32) {
        for line in self.wrap(text, style, size, TEXT_WIDTH) {
            self.make_room(size * LEADING);
            self.line_at(MARGIN_X, &line, style, size);
            self.cursor += size * LEADING;
        }
    }

    pub(super) fn gap(&mut self, points: f32) {
        self.cursor += points;
    }

    /// A horizontal line across the text width.
    pub(super) fn rule(&mut self, thickness: f32) {
        self.make_room(thickness + 4.0);
        let y = PAGE_HEIGHT - self.cursor;
        let page = self.page();
        page.set_line_width(thickness);
        page.move_to(MARGIN_X, y);
        page.line_to(MARGIN_X + TEXT_WIDTH, y);
        page.stroke();
        self.cursor += thickness + 4.0;
    }

    /// A table row: the label on the left in bold, the value on the right, both wrapped, framed
    /// by thin lines like the seeds' information panels.
    pub(super) fn field(&mut self, label: &str, value: &str, size: f32) {
        let label_width = TEXT_WIDTH * LABEL_SHARE - 2.0 * CELL_PADDING;
        let value_width = TEXT_WIDTH * (1.0 - LABEL_SHARE) - 2.0 * CELL_PADDING;
        let label_lines = self.wrap(label, Style::Bold, size, label_width);
        let value_lines = self.wrap(value, Style::Regular, size, value_width);
        let rows = label_lines.len().max(value_lines.len());
        let height = rows as f32 * size * LEADING + 2.0 * CELL_PADDING;
        self.make_room(height);

        let top = PAGE_HEIGHT - self.cursor;
        let divider = MARGIN_X + TEXT_WIDTH * LABEL_SHARE;
        let page = self.page();
        page.set_fill_gray(0.93);
        page.rect(MARGIN_X, top - height, TEXT_WIDTH * LABEL_SHARE, height);
        page.fill_nonzero();
        page.set_fill_gray(0.0);
        page.set_line_width(0.4);
        page.set_stroke_gray(0.55);
        page.rect(MARGIN_X, top - height, TEXT_WIDTH, height);
        page.move_to(divider, top);
        page.line_to(divider, top - height);
        page.stroke();
        page.set_stroke_gray(0.0);

        let row_top = self.cursor + CELL_PADDING;
        for (i, line) in label_lines.iter().enumerate() {
            self.cursor = row_top + i as f32 * size * LEADING;
            self.line_at(MARGIN_X + CELL_PADDING, line, Style::Bold, size);
        }
        for (i, line) in value_lines.iter().enumerate() {
            self.cursor = row_top + i as f32 * size * LEADING;
            self.line_at(divider + CELL_PADDING, line, Style::Regular, size);
        }
        self.cursor = PAGE_HEIGHT - top + height;
    }

    /// Writes the PDF: catalog with the document's language, info with its title, the pages and
    /// the two embedded fonts.
    pub(super) fn finish(self, title: &str, lang: &str) -> Result<Vec<u8>, DocumentError> {
        let mut pdf = Pdf::new();
        let mut next_ref = Ref::new(1);
        let catalog = next_ref.bump();
        let tree = next_ref.bump();
        let info = next_ref.bump();
        let page_refs: Vec<(Ref, Ref)> = self
            .pages
            .iter()
            .map(|_| (next_ref.bump(), next_ref.bump()))
            .collect();
        let regular = self.regular.write(&mut pdf, &mut next_ref)?;
        let bold = self.bold.write(&mut pdf, &mut next_ref)?;

        pdf.catalog(catalog).pages(tree).lang(TextStr(lang));
        pdf.document_info(info)
            .title(TextStr(title))
            .producer(TextStr("Kezek"));
        pdf.pages(tree)
            .kids(page_refs.iter().map(|&(page, _)| page))
            .count(page_refs.len() as i32);
        for (content, (page_ref, content_ref)) in self.pages.into_iter().zip(&page_refs) {
            let mut page = pdf.page(*page_ref);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
                .parent(tree)
                .contents(*content_ref);
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            fonts.pair(REGULAR_NAME, regular);
            fonts.pair(BOLD_NAME, bold);
            fonts.finish();
            resources.finish();
            page.finish();
            pdf.stream(*content_ref, &content.finish());
        }
        Ok(pdf.finish())
    }
}
