//! A benefit scan drawn in the terminal as half-block characters: each cell shows two pixels,
//! the upper one as the colour of «▀» and the lower one as the cell's background. Works in every
//! terminal with true colour (where the terminal has a graphics protocol, the review screen
//! draws the same picture with it instead, `tui::graphics`); the picture is decoded once (off the UI thread) and drawn by
//! sampling, so a frame costs one lookup per cell whatever the scan's size.

use image::imageops::FilterType;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// A decoded picture, RGB, at most a few hundred pixels on a side.
#[derive(Clone, PartialEq, Eq)]
pub struct Picture {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl std::fmt::Debug for Picture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Picture({}x{})", self.width, self.height)
    }
}

impl Picture {
    /// A PNG or JPEG file's picture, scaled down to at most `side` pixels on its longer side;
    /// `None` for anything else (a PDF, a damaged file).
    pub fn decode(bytes: &[u8], side: u32) -> Option<Picture> {
        let image = image::load_from_memory(bytes).ok()?;
        let image = if image.width() > side || image.height() > side {
            image.resize(side, side, FilterType::Triangle)
        } else {
            image
        };
        let rgb = image.to_rgb8();
        Some(Picture {
            width: rgb.width(),
            height: rgb.height(),
            rgb: rgb.into_raw(),
        })
    }

    /// A picture from raw RGB rows (tests and the showcase).
    pub fn from_rgb(width: u32, height: u32, rgb: Vec<u8>) -> Option<Picture> {
        (width > 0 && height > 0 && rgb.len() == (width * height * 3) as usize).then_some(Picture {
            width,
            height,
            rgb,
        })
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The picture as an image, for the terminal's graphics protocol (`tui::graphics`).
    pub fn to_image(&self) -> image::DynamicImage {
        let rgb = image::RgbImage::from_raw(self.width, self.height, self.rgb.clone())
            .expect("the buffer holds width × height pixels");
        image::DynamicImage::ImageRgb8(rgb)
    }

    fn pixel(&self, x: u32, y: u32) -> Color {
        let at = ((y.min(self.height - 1) * self.width + x.min(self.width - 1)) * 3) as usize;
        Color::Rgb(self.rgb[at], self.rgb[at + 1], self.rgb[at + 2])
    }

    /// The cells the picture takes in `area` with its proportions kept (a cell is two pixels
    /// high and about as wide as half its height).
    pub fn fit(&self, area: Rect) -> (u16, u16) {
        let (w, h) = (f64::from(self.width), f64::from(self.height));
        let scale = (f64::from(area.width) / w).min(f64::from(area.height) * 2.0 / h);
        let cols = ((w * scale).floor() as u16).clamp(1, area.width.max(1));
        let rows = ((h * scale / 2.0).floor() as u16).clamp(1, area.height.max(1));
        (cols, rows)
    }

    /// Draws the picture centred in `area`.
    pub fn render(&self, frame: &mut Frame, area: Rect) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let (cols, rows) = self.fit(area);
        let x0 = area.x + (area.width - cols) / 2;
        let y0 = area.y + (area.height - rows) / 2;
        let lines: Vec<Line> = (0..rows)
            .map(|row| {
                let top = u32::from(row) * 2 * self.height / (u32::from(rows) * 2);
                let bottom = (u32::from(row) * 2 + 1) * self.height / (u32::from(rows) * 2);
                Line::from(
                    (0..cols)
                        .map(|col| {
                            let x = u32::from(col) * self.width / u32::from(cols);
                            Span::styled(
                                "▀",
                                Style::default()
                                    .fg(self.pixel(x, top))
                                    .bg(self.pixel(x, bottom)),
                            )
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        frame.render_widget(
            Paragraph::new(lines),
            Rect {
                x: x0,
                y: y0,
                width: cols,
                height: rows,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_is_decoded_and_scaled_down_keeping_its_proportions() {
        let mut png = Vec::new();
        let source = image::RgbImage::from_fn(640, 320, |x, _| {
            if x < 320 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            }
        });
        image::DynamicImage::ImageRgb8(source)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("encodes");
        let picture = Picture::decode(&png, 320).expect("a PNG");
        assert_eq!(picture.size(), (320, 160));
        assert_eq!(picture.pixel(0, 0), Color::Rgb(255, 0, 0));
        assert_eq!(picture.pixel(319, 159), Color::Rgb(0, 0, 255));
        assert!(Picture::decode(b"%PDF-1.7 not a picture", 320).is_none());
    }

    #[test]
    fn the_picture_fits_the_area_in_cells_of_two_pixels() {
        let picture = Picture::from_rgb(100, 100, vec![0; 100 * 100 * 3]).expect("sized");
        // A square takes as many columns as twice its rows.
        assert_eq!(picture.fit(Rect::new(0, 0, 80, 20)), (40, 20));
        assert_eq!(picture.fit(Rect::new(0, 0, 20, 40)), (20, 10));
    }
}
