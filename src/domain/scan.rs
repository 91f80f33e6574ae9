//! What an uploaded scan is, by parsing its structure rather than trusting its first bytes, and
//! the name it is kept under. Nothing is decoded or decompressed (no image or stream bombs): the
//! checks walk the container only, in one pass over the bytes.
//!
//! - PDF: the header `%PDF-1.0`…`%PDF-2.0`; at the end `startxref`, its offset and `%%EOF`
//!   (only white space after it); the offset points at a cross-reference table (whose first
//!   object in use is an indirect object `N G obj`, and a `trailer` follows) or at a
//!   cross-reference stream (an indirect object of `/Type /XRef`).
//! - JPEG: SOI, then well-formed segments with a frame header (SOF) of non-zero size and one
//!   to four components before the first scan, the scans' entropy-coded data, and EOI as the
//!   last two bytes.
//! - PNG: the signature, chunks whose CRCs match, IHDR first with a valid size, bit depth and
//!   colour type, at least one IDAT, and IEND as the last chunk.
//!
//! A file that only starts like one of them (a text file behind `%PDF-`, a truncated photo) is
//! refused. `docs/design-api.md`, «Attachments».

use super::limits::Text;
use super::wizard::FileKind;

/// Why a file is not a scan we take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// Neither a PDF, a JPEG nor a PNG signature.
    #[error("not a PDF, JPEG or PNG")]
    UnknownType,
    /// The signature of `kind`, but not its structure.
    #[error("a broken {kind:?}: {reason}")]
    Broken {
        kind: FileKind,
        reason: &'static str,
    },
}

/// A structure check: why the bytes are not what their signature says.
type Check = fn(&[u8]) -> Result<(), &'static str>;

/// The kind of scan `bytes` are, once their structure holds.
pub fn recognise(bytes: &[u8]) -> Result<FileKind, ScanError> {
    let (kind, check): (FileKind, Check) = if bytes.starts_with(b"%PDF-") {
        (FileKind::Pdf, pdf)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        (FileKind::Png, png)
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        (FileKind::Jpeg, jpeg)
    } else {
        return Err(ScanError::UnknownType);
    };
    check(bytes).map_err(|reason| ScanError::Broken { kind, reason })?;
    Ok(kind)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// PDF white space (ISO 32000-1, 7.2.2).
fn pdf_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0C' | b'\0')
}

/// A run of decimal digits at the start of `bytes` (at most 20) and the rest.
fn digits(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let end = bytes
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(bytes.len());
    if end == 0 || end > 20 {
        return None;
    }
    let value = std::str::from_utf8(&bytes[..end]).ok()?.parse().ok()?;
    Some((value, &bytes[end..]))
}

fn skip_space(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !pdf_space(*b))
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// `N G obj` at the start of `bytes`: the rest after `obj`.
fn indirect_object(bytes: &[u8]) -> Option<&[u8]> {
    let (_, rest) = digits(bytes)?;
    let spaced = skip_space(rest);
    if spaced.len() == rest.len() {
        return None;
    }
    let (_, rest) = digits(spaced)?;
    skip_space(rest).strip_prefix(b"obj")
}

/// The end of a PDF is searched for in its last kibibyte, as readers do.
const PDF_TAIL: usize = 1024;

fn pdf(bytes: &[u8]) -> Result<(), &'static str> {
    let version = bytes.get(5..8).ok_or("no version in the header")?;
    if !matches!(version, [b'1', b'.', b'0'..=b'7'] | b"2.0") {
        return Err("unknown version in the header");
    }
    let tail_start = bytes.len().saturating_sub(PDF_TAIL);
    let tail = &bytes[tail_start..];
    let eof = rfind(tail, b"%%EOF").ok_or("no %%EOF at the end")?;
    if !tail[eof + 5..].iter().all(|b| pdf_space(*b)) {
        return Err("data after %%EOF");
    }
    let start = rfind(&tail[..eof], b"startxref").ok_or("no startxref at the end")?;
    let (offset, rest) =
        digits(skip_space(&tail[start + 9..eof])).ok_or("no offset after startxref")?;
    if !skip_space(rest).is_empty() {
        return Err("junk after the startxref offset");
    }
    let at = usize::try_from(offset)
        .ok()
        .and_then(|offset| bytes.get(offset..))
        .filter(|at| !at.is_empty())
        .ok_or("startxref points outside the file")?;
    if let Some(table) = at.strip_prefix(b"xref") {
        xref_table(bytes, table)
    } else if let Some(object) = indirect_object(at) {
        let head = &object[..object.len().min(PDF_TAIL)];
        if find(head, b"/XRef").is_some() {
            Ok(())
        } else {
            Err("startxref points at an object that is not a cross-reference stream")
        }
    } else {
        Err("startxref points at neither xref nor an object")
    }
}

/// A classic cross-reference table: its first object in use (in whichever subsection; an
/// incremental update's often starts with a lone free entry) must be an indirect object where
/// the table says, and a trailer must follow.
fn xref_table(bytes: &[u8], table: &[u8]) -> Result<(), &'static str> {
    let mut rest = skip_space(table);
    loop {
        if rest.starts_with(b"trailer") {
            return Err("no object in use in the xref table");
        }
        let (_, after) = digits(rest).ok_or("no xref subsection")?;
        let (count, after) = digits(skip_space(after)).ok_or("no xref subsection")?;
        rest = after;
        // Each entry takes input, so a huge count ends with the bytes.
        for _ in 0..count {
            let (offset, after) = digits(skip_space(rest)).ok_or("bad xref entry")?;
            let (_, after) = digits(skip_space(after)).ok_or("bad xref entry")?;
            let after = skip_space(after);
            rest = after.get(1..).unwrap_or_default();
            match after.first() {
                Some(b'n') => {
                    let object = usize::try_from(offset)
                        .ok()
                        .and_then(|offset| bytes.get(offset..))
                        .ok_or("an xref entry points outside the file")?;
                    indirect_object(object).ok_or("an xref entry does not point at an object")?;
                    return find(rest, b"trailer")
                        .map(drop)
                        .ok_or("no trailer after the xref table");
                }
                Some(b'f') => {}
                _ => return Err("bad xref entry"),
            }
        }
        rest = skip_space(rest);
    }
}

/// Frame headers: SOF0…SOF15 except DHT (C4), JPG (C8) and DAC (CC).
fn is_frame(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

fn frame(body: &[u8]) -> Result<(), &'static str> {
    let [precision, h1, h0, w1, w0, components, ..] = *body else {
        return Err("short frame header");
    };
    if !matches!(precision, 8 | 12 | 16) {
        return Err("bad sample precision");
    }
    if u16::from_be_bytes([h1, h0]) == 0 || u16::from_be_bytes([w1, w0]) == 0 {
        return Err("an image without size");
    }
    if !(1..=4).contains(&components) || body.len() != 6 + 3 * usize::from(components) {
        return Err("bad frame components");
    }
    Ok(())
}

/// Skips the entropy-coded data of a scan: the position of the marker after it.
fn entropy_end(bytes: &[u8], mut at: usize) -> Result<usize, &'static str> {
    loop {
        let ff = bytes[at..]
            .iter()
            .position(|b| *b == 0xFF)
            .map(|p| at + p)
            .ok_or("a scan without an end")?;
        match bytes.get(ff + 1) {
            // Stuffed zero, restart markers, fill bytes: still inside the scan.
            Some(0x00 | 0xD0..=0xD7) => at = ff + 2,
            Some(0xFF) => at = ff + 1,
            Some(_) => return Ok(ff),
            None => return Err("a scan without an end"),
        }
    }
}

fn jpeg(bytes: &[u8]) -> Result<(), &'static str> {
    let mut at = 2;
    let mut framed = false;
    let mut scans = 0;
    loop {
        if bytes.get(at) != Some(&0xFF) {
            return Err("no marker where one must be");
        }
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at).ok_or("truncated")?;
        at += 1;
        match marker {
            0xD9 if framed && scans > 0 => {
                return if at == bytes.len() {
                    Ok(())
                } else {
                    Err("data after EOI")
                };
            }
            0xD9 => return Err("EOI before any image"),
            0x00 | 0xD8 => return Err("a misplaced marker"),
            0x01 | 0xD0..=0xD7 => {}
            _ => {
                let length = bytes
                    .get(at..at + 2)
                    .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
                    .filter(|length| *length >= 2)
                    .ok_or("a bad segment length")?;
                let body = bytes.get(at + 2..at + length).ok_or("truncated segment")?;
                at += length;
                if is_frame(marker) {
                    frame(body)?;
                    framed = true;
                } else if marker == 0xDA {
                    if !framed {
                        return Err("a scan before the frame header");
                    }
                    scans += 1;
                    at = entropy_end(bytes, at)?;
                }
            }
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const PNG_CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

fn be32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

fn header(body: &[u8]) -> Result<(), &'static str> {
    if body.len() != 13 {
        return Err("IHDR of the wrong length");
    }
    let (width, height) = (be32(&body[0..4]), be32(&body[4..8]));
    let size = 1..=0x7FFF_FFFF;
    if !size.contains(&width) || !size.contains(&height) {
        return Err("an image without size");
    }
    let valid_depth = match body[9] {
        0 => matches!(body[8], 1 | 2 | 4 | 8 | 16),
        3 => matches!(body[8], 1 | 2 | 4 | 8),
        2 | 4 | 6 => matches!(body[8], 8 | 16),
        _ => false,
    };
    if !valid_depth || body[10] != 0 || body[11] != 0 || body[12] > 1 {
        return Err("bad IHDR fields");
    }
    Ok(())
}

fn png(bytes: &[u8]) -> Result<(), &'static str> {
    let mut rest = &bytes[PNG_SIGNATURE.len()..];
    let mut first = true;
    let mut data = false;
    loop {
        if rest.len() < 12 {
            return Err("truncated chunk");
        }
        let length = be32(rest);
        if length > 0x7FFF_FFFF {
            return Err("bad chunk length");
        }
        let end = 8 + length as usize;
        if rest.len() < end + 4 {
            return Err("truncated chunk");
        }
        let kind = &rest[4..8];
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err("bad chunk type");
        }
        if PNG_CRC.checksum(&rest[4..end]) != be32(&rest[end..]) {
            return Err("a chunk's CRC does not match");
        }
        let body = &rest[8..end];
        match (first, kind) {
            (true, b"IHDR") => header(body)?,
            (true, _) => return Err("IHDR is not first"),
            (false, b"IHDR") => return Err("a second IHDR"),
            (false, b"IDAT") => data = true,
            (false, b"IEND") if !data => return Err("no image data"),
            (false, b"IEND") => {
                return if rest.len() == end + 4 {
                    Ok(())
                } else {
                    Err("data after IEND")
                };
            }
            _ => {}
        }
        first = false;
        rest = &rest[end + 4..];
    }
}

/// Bidirectional controls and invisible format characters: they make a name read differently
/// from what it is: `scan\u{202E}fdp.exe` shows as «scanexe.pdf».
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
        | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// The longest extension kept whole when a long name is shortened.
const MAX_EXTENSION: usize = 10;

/// The name a scan is kept and listed under, from the name the uploader sent: its base name
/// only (no folders, `../../x.pdf` is `x.pdf`), without control, bidirectional and invisible
/// characters or leading dots, at most [`Text::FileName`] characters (the extension kept),
/// and never empty (`scan.pdf` and the like).
pub fn file_name(sent: &str, kind: FileKind) -> String {
    let base = sent.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !invisible(*c))
        .collect();
    let clean = clean.trim().trim_start_matches('.').trim_start();
    if clean.is_empty() {
        return format!("scan.{}", kind.extension());
    }
    let max = Text::FileName.max_chars();
    if clean.chars().count() <= max {
        return clean.to_owned();
    }
    let extension = clean
        .rsplit_once('.')
        .map(|(_, extension)| extension)
        .filter(|e| e.chars().count() <= MAX_EXTENSION)
        .unwrap_or_default();
    let keep = max - extension.chars().count() - usize::from(!extension.is_empty());
    let stem: String = clean.chars().take(keep).collect();
    if extension.is_empty() {
        stem
    } else {
        format!("{}.{extension}", stem.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF with an xref table (`tests/fixtures/scans/README.md`).
    fn minimal_pdf() -> Vec<u8> {
        include_bytes!("../../tests/fixtures/scans/page.pdf").to_vec()
    }

    /// That page rendered by poppler into a PNG (libpng) and a baseline JPEG (libjpeg).
    fn minimal_png() -> Vec<u8> {
        include_bytes!("../../tests/fixtures/scans/page.png").to_vec()
    }

    fn minimal_jpeg() -> Vec<u8> {
        include_bytes!("../../tests/fixtures/scans/page.jpg").to_vec()
    }

    /// A one-page PDF whose cross-references are a stream, as `pdf-writer` makes it.
    fn xref_stream_pdf() -> Vec<u8> {
        use pdf_writer::{Pdf, Rect, Ref};
        let mut pdf = Pdf::new();
        pdf.catalog(Ref::new(1)).pages(Ref::new(2));
        pdf.pages(Ref::new(2)).kids([Ref::new(3)]).count(1);
        pdf.page(Ref::new(3))
            .parent(Ref::new(2))
            .media_box(Rect::new(0.0, 0.0, 100.0, 100.0));
        pdf.finish_with_xref_stream(Ref::new(4))
    }

    /// `bytes` with the first `from` replaced by `to` (of the same length, so offsets hold).
    fn replaced(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        assert_eq!(from.len(), to.len());
        let at = find(bytes, from).expect("the text to replace");
        [&bytes[..at], to, &bytes[at + from.len()..]].concat()
    }

    fn reason(bytes: &[u8]) -> &'static str {
        match recognise(bytes) {
            Err(ScanError::Broken { reason, .. }) => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn real_structures_are_recognised() {
        assert_eq!(recognise(&minimal_pdf()), Ok(FileKind::Pdf));
        assert_eq!(recognise(&xref_stream_pdf()), Ok(FileKind::Pdf));
        assert_eq!(recognise(&minimal_png()), Ok(FileKind::Png));
        assert_eq!(recognise(&minimal_jpeg()), Ok(FileKind::Jpeg));
        // White space after %%EOF is fine.
        let mut pdf = minimal_pdf();
        pdf.extend(b"\r\n");
        assert_eq!(recognise(&pdf), Ok(FileKind::Pdf));
        // An incremental update: its xref section starts with a lone free entry, and its
        // startxref points at it, after the first section.
        let mut updated = minimal_pdf();
        let object = updated.len();
        updated.extend(b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 60 80] >>\nendobj\n");
        let xref = updated.len();
        updated.extend(b"xref\n0 1\n0000000000 65535 f\r\n3 1\n");
        updated.extend(format!("{object:010} 00000 n\r\n").as_bytes());
        updated.extend(b"trailer\n<< /Size 5 /Root 1 0 R /Prev 0 >>\n");
        updated.extend(format!("startxref\n{xref}\n%%EOF\n").as_bytes());
        assert_eq!(recognise(&updated), Ok(FileKind::Pdf));
    }

    #[test]
    fn first_bytes_alone_are_not_enough() {
        assert_eq!(recognise(b"hello"), Err(ScanError::UnknownType));
        assert_eq!(recognise(b""), Err(ScanError::UnknownType));
        assert_eq!(reason(b"%PDF-1.4\n%%EOF\n"), "no startxref at the end");
        assert_eq!(reason(b"%PDF-9.9 text"), "unknown version in the header");
        assert_eq!(reason(b"\x89PNG\r\n\x1a\n0000"), "truncated chunk");
        assert_eq!(
            reason(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            "truncated segment"
        );
    }

    #[test]
    fn broken_pdfs_are_refused() {
        let pdf = minimal_pdf();
        let mut appended = pdf.clone();
        appended.extend(b"<script>");
        assert_eq!(reason(&appended), "data after %%EOF");
        let body = &pdf[..rfind(&pdf, b"startxref").unwrap()];
        let moved = [body, b"startxref\n3\n%%EOF\n".as_slice()].concat();
        assert_eq!(
            reason(&moved),
            "startxref points at neither xref nor an object"
        );
        let far = [body, b"startxref\n99999999\n%%EOF\n".as_slice()].concat();
        assert_eq!(reason(&far), "startxref points outside the file");
        let mut emptied = pdf.clone();
        while find(&emptied, b" 00000 n").is_some() {
            emptied = replaced(&emptied, b" 00000 n", b" 00000 f");
        }
        assert_eq!(reason(&emptied), "no object in use in the xref table");
        let untrailed = replaced(&pdf, b"trailer", b"trai1er");
        assert_eq!(reason(&untrailed), "no trailer after the xref table");
        let stream = xref_stream_pdf();
        let untyped = replaced(&stream, b"/XRef", b"/Page");
        assert_eq!(
            reason(&untyped),
            "startxref points at an object that is not a cross-reference stream"
        );
        let cut = &pdf[..pdf.len() / 2];
        assert_eq!(reason(cut), "no %%EOF at the end");
    }

    #[test]
    fn broken_images_are_refused() {
        let png = minimal_png();
        let mut flipped = png.clone();
        flipped[16] ^= 1; // in IHDR's width

        assert_eq!(reason(&flipped), "a chunk's CRC does not match");
        let mut appended = png.clone();
        appended.extend(b"PK\x03\x04");
        assert_eq!(reason(&appended), "data after IEND");
        assert_eq!(reason(&png[..png.len() - 12]), "truncated chunk");
        let jpeg = minimal_jpeg();
        assert_eq!(reason(&jpeg[..jpeg.len() - 2]), "a scan without an end");
        let mut appended = jpeg.clone();
        appended.extend(b"PK");
        assert_eq!(reason(&appended), "data after EOI");
        let frame = find(&jpeg, &[0xFF, 0xC0]).expect("a baseline frame header");
        let mut sizeless = jpeg.clone();
        sizeless[frame + 7..frame + 9].copy_from_slice(&[0, 0]); // width 0
        assert_eq!(reason(&sizeless), "an image without size");
        let length = usize::from(u16::from_be_bytes([jpeg[frame + 2], jpeg[frame + 3]]));
        let frameless: Vec<u8> = [&jpeg[..frame], &jpeg[frame + 2 + length..]].concat();
        assert_eq!(reason(&frameless), "a scan before the frame header");
    }

    #[test]
    fn file_names_keep_the_base_name_only_clean_and_short() {
        let pdf = FileKind::Pdf;
        assert_eq!(file_name("../../x.pdf", pdf), "x.pdf");
        assert_eq!(
            file_name("C:\\Users\\Fatima\\справка.pdf", pdf),
            "справка.pdf"
        );
        assert_eq!(file_name("scan\u{202E}fdp.exe", pdf), "scanfdp.exe");
        assert_eq!(file_name("a\u{0}b\nc\u{7}.png", FileKind::Png), "abc.png");
        assert_eq!(file_name(".bashrc", pdf), "bashrc");
        assert_eq!(file_name("../..", pdf), "scan.pdf");
        assert_eq!(file_name("", FileKind::Jpeg), "scan.jpg");
        assert_eq!(file_name("\u{200B}\u{FEFF}", FileKind::Png), "scan.png");
        let long = format!("{}.pdf", "ж".repeat(500));
        let kept = file_name(&long, pdf);
        assert_eq!(kept.chars().count(), Text::FileName.max_chars());
        assert!(kept.ends_with("жж.pdf"));
        let no_extension = "ы".repeat(500);
        assert_eq!(
            file_name(&no_extension, pdf).chars().count(),
            Text::FileName.max_chars()
        );
    }
}
