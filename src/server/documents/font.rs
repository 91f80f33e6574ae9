//! The shipped font (DejaVu Sans, `assets/fonts/`), measured with skrifa and embedded into a PDF
//! as a subsetted CIDFontType2 with a ToUnicode map, so every Kazakh and Russian letter shows and
//! can be copied or searched in any reader.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Name, Pdf, Rect, Ref, Str};
use sha2::{Digest, Sha256};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, GlyphId, MetadataProvider};
use subsetter::GlyphRemapper;

use super::DocumentError;

/// The two weights the documents use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    Regular,
    Bold,
}

struct Source {
    data: &'static [u8],
    postscript_name: &'static str,
    /// The OS/2 weight class, for the font descriptor's stem width.
    weight: f32,
    tables: OnceLock<Result<Tables, String>>,
}

static REGULAR: Source = Source {
    data: include_bytes!("../../../assets/fonts/DejaVuSans.ttf"),
    postscript_name: "DejaVuSans",
    weight: 400.0,
    tables: OnceLock::new(),
};

static BOLD: Source = Source {
    data: include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf"),
    postscript_name: "DejaVuSans-Bold",
    weight: 700.0,
    tables: OnceLock::new(),
};

/// What measuring and encoding text need of a font, read from its tables once per process:
/// looking characters up in the font itself was most of the cost of a document, and three are
/// made inside every registration's transaction.
struct Tables {
    units_per_em: f32,
    /// The glyph of every character of the Basic Multilingual Plane, by code point (a direct
    /// table: names and sentences are looked up character by character).
    bmp: Vec<GlyphId>,
    /// The glyphs of the characters beyond it.
    astral: HashMap<u32, GlyphId>,
    /// Advance widths in thousandths of the font size (PDF glyph space), by glyph id.
    advances: Vec<f32>,
}

impl Source {
    fn font(&'static self) -> Result<FontRef<'static>, DocumentError> {
        FontRef::new(self.data).map_err(|e| DocumentError::Font(e.to_string()))
    }

    fn tables(&'static self) -> Result<&'static Tables, DocumentError> {
        self.tables
            .get_or_init(|| {
                let font = self.font().map_err(|e| e.to_string())?;
                let units_per_em = f32::from(
                    font.metrics(Size::unscaled(), LocationRef::default())
                        .units_per_em,
                );
                let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
                let advances = (0..metrics.glyph_count())
                    .map(|id| {
                        metrics.advance_width(GlyphId::new(id)).unwrap_or(0.0) * 1000.0
                            / units_per_em
                    })
                    .collect();
                let mut bmp = vec![GlyphId::NOTDEF; 0x1_0000];
                let mut astral = HashMap::new();
                for (code, glyph) in font.charmap().mappings() {
                    match bmp.get_mut(code as usize) {
                        Some(slot) => *slot = glyph,
                        None => {
                            astral.insert(code, glyph);
                        }
                    }
                }
                Ok(Tables {
                    units_per_em,
                    bmp,
                    astral,
                    advances,
                })
            })
            .as_ref()
            .map_err(|e| DocumentError::Font(e.clone()))
    }
}

/// Refuses to render when the shipped fonts are not those a template was made with (the
/// SHA-256 of each TrueType file, regular then bold, in hex): the glyphs, metrics and subsets
/// would differ, and so would the document.
pub(super) fn check(expected: [&str; 2]) -> Result<(), DocumentError> {
    static SHIPPED: OnceLock<[String; 2]> = OnceLock::new();
    let shipped = SHIPPED
        .get_or_init(|| [REGULAR.data, BOLD.data].map(|data| hex::encode(Sha256::digest(data))));
    for (shipped, expected) in shipped.iter().zip(expected) {
        if shipped != expected {
            return Err(DocumentError::FontChanged {
                expected: expected.to_owned(),
                shipped: shipped.clone(),
            });
        }
    }
    Ok(())
}

/// One font face in use by one document: measures text, turns it into the glyph codes of the
/// subset (remapped as glyphs are first used), and remembers which character each glyph shows.
pub(super) struct Face {
    source: &'static Source,
    tables: &'static Tables,
    remapper: GlyphRemapper,
    /// New glyph id → the text it stands for, for the ToUnicode map.
    text_of: BTreeMap<u16, char>,
}

impl Face {
    pub(super) fn new(style: Style) -> Result<Face, DocumentError> {
        let source = match style {
            Style::Regular => &REGULAR,
            Style::Bold => &BOLD,
        };
        Ok(Face {
            source,
            tables: source.tables()?,
            remapper: GlyphRemapper::new(),
            text_of: BTreeMap::new(),
        })
    }

    /// The glyph of a character; `.notdef` (a box) for the few characters the font lacks, so an
    /// odd character in a name never stops a document.
    fn glyph(&self, c: char) -> GlyphId {
        let code = u32::from(c);
        match self.tables.bmp.get(code as usize) {
            Some(&glyph) => glyph,
            None => self
                .tables
                .astral
                .get(&code)
                .copied()
                .unwrap_or(GlyphId::NOTDEF),
        }
    }

    /// Advance width of a glyph in thousandths of the font size (PDF glyph space).
    fn advance(&self, glyph: GlyphId) -> f32 {
        let index = usize::try_from(glyph.to_u32()).unwrap_or(usize::MAX);
        self.tables.advances.get(index).copied().unwrap_or(0.0)
    }

    /// The width of `text` set at `size` points.
    pub(super) fn width(&self, text: &str, size: f32) -> f32 {
        let thousandths: f32 = text.chars().map(|c| self.advance(self.glyph(c))).sum();
        thousandths * size / 1000.0
    }

    /// The two-byte codes (glyph ids of the subset) that show `text` under Identity-H.
    pub(super) fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut codes = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let glyph = self.glyph(c);
            let original = u16::try_from(glyph.to_u32()).expect("TrueType glyph ids are 16-bit");
            let code = self.remapper.remap(original);
            self.text_of.entry(code).or_insert(c);
            codes.extend_from_slice(&code.to_be_bytes());
        }
        codes
    }

    /// Writes the Type0 font, its CIDFontType2 descendant, descriptor, ToUnicode map and the
    /// subsetted font program; returns the Type0 font's reference for the page resources.
    pub(super) fn write(&self, pdf: &mut Pdf, next_ref: &mut Ref) -> Result<Ref, DocumentError> {
        let type0 = next_ref.bump();
        let cid = next_ref.bump();
        let descriptor = next_ref.bump();
        let to_unicode = next_ref.bump();
        let program = next_ref.bump();

        let subset = subsetter::subset(self.source.data, 0, &self.remapper)
            .map_err(|e| DocumentError::Font(e.to_string()))?;
        // A subset gets a tag of six capitals derived from its glyphs (ISO 32000-1, 9.6.4):
        // hashed from the glyph list rather than the font program, which is far longer.
        let glyphs: Vec<u8> = self
            .remapper
            .remapped_gids()
            .flat_map(u16::to_be_bytes)
            .collect();
        let digest = Sha256::digest(&glyphs);
        let tag: String = digest[..6]
            .iter()
            .map(|byte| char::from(b'A' + byte % 26))
            .collect();
        let base_font = format!("{tag}+{}", self.source.postscript_name);
        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };

        pdf.type0_font(type0)
            .base_font(Name(base_font.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(to_unicode);

        let widths: Vec<f32> = self
            .remapper
            .remapped_gids()
            .map(|original| self.advance(GlyphId::new(u32::from(original))))
            .collect();
        let mut cid_font = pdf.cid_font(cid);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(Name(base_font.as_bytes()))
            .system_info(system_info)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid_font.widths().consecutive(0, widths);
        drop(cid_font);

        let metrics = self
            .source
            .font()?
            .metrics(Size::unscaled(), LocationRef::default());
        let scale = 1000.0 / self.tables.units_per_em;
        let bounds = metrics.bounds.unwrap_or_default();
        pdf.font_descriptor(descriptor)
            .name(Name(base_font.as_bytes()))
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                bounds.x_min * scale,
                bounds.y_min * scale,
                bounds.x_max * scale,
                bounds.y_max * scale,
            ))
            .italic_angle(0.0)
            .ascent(metrics.ascent * scale)
            .descent(metrics.descent * scale)
            .cap_height(metrics.cap_height.unwrap_or(metrics.ascent) * scale)
            .stem_v(10.0 + 0.244 * (self.source.weight - 50.0))
            .font_file2(program);

        let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
        for (&code, &c) in &self.text_of {
            cmap.pair(code, c);
        }
        pdf.cmap(to_unicode, &cmap.finish());

        let length = i32::try_from(subset.len()).expect("a font subset is far below 2 GiB");
        pdf.stream(program, &subset).pair(Name(b"Length1"), length);
        Ok(type0)
    }
}
