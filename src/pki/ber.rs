//! A small, forgiving reader of ASN.1 BER (and therefore DER) for PKCS#12 files and X.509
//! certificates.
//!
//! NCA's keystores are BER with indefinite lengths and constructed OCTET STRINGs, which strict
//! DER decoders refuse; reading BER directly lets us check the PKCS#12 MAC over the very bytes
//! that were MAC'd and keep every slice of a certificate (tbs, names, key) byte-exact for
//! signature checks. Every length is bounds-checked and nesting is limited, so no input can make
//! the reader panic or overflow the stack.

use std::borrow::Cow;

use der::asn1::ObjectIdentifier;

/// Why bytes are not well-formed BER.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BerError {
    #[error("the data ends in the middle of an element")]
    Truncated,
    #[error("malformed encoding: {0}")]
    Malformed(&'static str),
    #[error("expected tag {expected:#04x}, found {found:#04x}")]
    UnexpectedTag { expected: u8, found: u8 },
}

pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const UTF8_STRING: u8 = 0x0c;
pub const PRINTABLE_STRING: u8 = 0x13;
pub const TELETEX_STRING: u8 = 0x14;
pub const IA5_STRING: u8 = 0x16;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const UNIVERSAL_STRING: u8 = 0x1c;
pub const BMP_STRING: u8 = 0x1e;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
/// Bit 6 of the identifier octet: the element is made of elements.
pub const CONSTRUCTED: u8 = 0x20;

/// `[n]` with the constructed bit, as EXPLICIT tags and SEQUENCE-valued IMPLICIT tags are.
pub const fn context(n: u8) -> u8 {
    0xa0 | n
}

/// Indefinite lengths make the reader recurse to find the end; real files nest about ten deep.
const MAX_DEPTH: usize = 64;

/// One element: its identifier octet, its contents and its whole encoding.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    /// The contents octets; for an indefinite length, everything before the end-of-contents.
    pub content: &'a [u8],
    /// Header, contents and (for an indefinite length) the end-of-contents octets.
    pub raw: &'a [u8],
}

/// Reads one element at the start of `input`, returning it and the bytes after it.
pub fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), BerError> {
    read_at_depth(input, 0)
}

/// Reads exactly one element: trailing bytes are an error.
pub fn read_all(input: &[u8]) -> Result<Tlv<'_>, BerError> {
    let (tlv, rest) = read(input)?;
    if !rest.is_empty() {
        return Err(BerError::Malformed("data after the last element"));
    }
    Ok(tlv)
}

/// The identifier octet and the length of an element, as far as its header says.
#[derive(Debug, Clone, Copy)]
pub struct Header {
    pub tag: u8,
    /// `None` for an indefinite length.
    pub length: Option<usize>,
    /// How many bytes the identifier and length octets take.
    pub size: usize,
}

/// Reads only the identifier and length octets, without requiring the contents to be present:
/// used to tell a truncated file from something that was never an ASN.1 structure.
pub fn read_header(input: &[u8]) -> Result<Header, BerError> {
    let (&tag, rest) = input.split_first().ok_or(BerError::Truncated)?;
    if tag & 0x1f == 0x1f {
        return Err(BerError::Malformed("high tag numbers are not used here"));
    }
    let (&first, rest) = rest.split_first().ok_or(BerError::Truncated)?;
    if first < 0x80 {
        return Ok(Header {
            tag,
            length: Some(usize::from(first)),
            size: 2,
        });
    }
    if first == 0x80 {
        if tag & CONSTRUCTED == 0 {
            return Err(BerError::Malformed(
                "indefinite length on a primitive element",
            ));
        }
        return Ok(Header {
            tag,
            length: None,
            size: 2,
        });
    }
    let count = usize::from(first & 0x7f);
    if count > 4 {
        return Err(BerError::Malformed("length over four octets"));
    }
    let octets = rest.get(..count).ok_or(BerError::Truncated)?;
    let length = octets
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    Ok(Header {
        tag,
        length: Some(length),
        size: 2 + count,
    })
}

fn read_at_depth(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError::Malformed("nesting too deep"));
    }
    let header = read_header(input)?;
    let body = &input[header.size..];
    match header.length {
        Some(length) => {
            let content = body.get(..length).ok_or(BerError::Truncated)?;
            let total = header.size + length;
            Ok((
                Tlv {
                    tag: header.tag,
                    content,
                    raw: &input[..total],
                },
                &input[total..],
            ))
        }
        None => {
            // Walk the children until the end-of-contents octets 00 00.
            let mut rest = body;
            loop {
                if rest.starts_with(&[0, 0]) {
                    let content_len = body.len() - rest.len();
                    let total = header.size + content_len + 2;
                    return Ok((
                        Tlv {
                            tag: header.tag,
                            content: &body[..content_len],
                            raw: &input[..total],
                        },
                        &input[total..],
                    ));
                }
                if rest.is_empty() {
                    return Err(BerError::Truncated);
                }
                let (_, after) = read_at_depth(rest, depth + 1)?;
                rest = after;
            }
        }
    }
}

impl<'a> Tlv<'a> {
    pub fn is_constructed(&self) -> bool {
        self.tag & CONSTRUCTED != 0
    }

    /// This element, if its tag is `tag`.
    pub fn expect(self, tag: u8) -> Result<Tlv<'a>, BerError> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(BerError::UnexpectedTag {
                expected: tag,
                found: self.tag,
            })
        }
    }

    /// The elements inside a constructed element, in order.
    pub fn children(&self) -> Children<'a> {
        Children {
            rest: if self.is_constructed() {
                self.content
            } else {
                &[]
            },
        }
    }

    /// The value of an OCTET STRING or of an IMPLICIT-tagged one such as `[0]`: primitive, or
    /// constructed from segments (BER), which are joined.
    pub fn octets(&self) -> Result<Cow<'a, [u8]>, BerError> {
        if !self.is_constructed() {
            return Ok(Cow::Borrowed(self.content));
        }
        let mut joined = Vec::with_capacity(self.content.len());
        self.join_segments(&mut joined, 0)?;
        Ok(Cow::Owned(joined))
    }

    fn join_segments(&self, out: &mut Vec<u8>, depth: usize) -> Result<(), BerError> {
        if depth > MAX_DEPTH {
            return Err(BerError::Malformed("nesting too deep"));
        }
        for segment in self.children() {
            let segment = segment?;
            match segment.tag {
                OCTET_STRING => out.extend_from_slice(segment.content),
                tag if tag == OCTET_STRING | CONSTRUCTED => {
                    segment.join_segments(out, depth + 1)?
                }
                _ => {
                    return Err(BerError::Malformed(
                        "a string segment is not an OCTET STRING",
                    ));
                }
            }
        }
        Ok(())
    }

    /// A non-negative INTEGER that fits in 64 bits (versions, iteration counts, key lengths).
    pub fn small_uint(&self) -> Result<u64, BerError> {
        let digits = self.expect(INTEGER)?.content;
        if digits.is_empty() || digits[0] & 0x80 != 0 {
            return Err(BerError::Malformed("expected a non-negative INTEGER"));
        }
        let significant = match digits {
            [0, rest @ ..] => rest,
            all => all,
        };
        if significant.len() > 8 {
            return Err(BerError::Malformed("INTEGER too large"));
        }
        Ok(significant
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// Whether this is the OBJECT IDENTIFIER `oid`.
    pub fn is_oid(&self, oid: &ObjectIdentifier) -> bool {
        self.tag == OID && self.content == oid.as_bytes()
    }

    /// Whether this OBJECT IDENTIFIER lies under `arc` (the encoding of an arc prefix is a byte
    /// prefix, since every sub-identifier ends in a byte with the high bit clear).
    pub fn is_oid_under(&self, arc: &ObjectIdentifier) -> bool {
        self.tag == OID && self.content.starts_with(arc.as_bytes())
    }

    /// The dotted form of an OBJECT IDENTIFIER, for messages.
    pub fn oid_string(&self) -> String {
        match ObjectIdentifier::from_bytes(self.content) {
            Ok(oid) if self.tag == OID => oid.to_string(),
            _ => hex::encode(self.content),
        }
    }

    /// The contents of a BIT STRING with no unused bits (keys and signatures).
    pub fn bit_string_bytes(&self) -> Result<&'a [u8], BerError> {
        match self.expect(BIT_STRING)?.content {
            [0, bytes @ ..] => Ok(bytes),
            _ => Err(BerError::Malformed("BIT STRING with unused bits")),
        }
    }
}

/// An iterator over the elements of a constructed element; stops after the first error.
#[derive(Debug, Clone)]
pub struct Children<'a> {
    rest: &'a [u8],
}

impl<'a> Children<'a> {
    /// The next element, which must exist.
    pub fn required(&mut self) -> Result<Tlv<'a>, BerError> {
        self.next().unwrap_or(Err(BerError::Truncated))
    }

    /// The next element if it has `tag`; otherwise nothing is consumed.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, BerError> {
        match self.rest.first() {
            Some(&found) if found == tag => self.required().map(Some),
            _ => Ok(None),
        }
    }
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Tlv<'a>, BerError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match read(self.rest) {
            Ok((tlv, rest)) => {
                self.rest = rest;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_definite_lengths_short_and_long() {
        let mut long = vec![0x04, 0x81, 200];
        long.extend(std::iter::repeat_n(7u8, 200));
        let tlv = read_all(&long).unwrap();
        assert_eq!(tlv.content.len(), 200);
        assert_eq!(tlv.raw.len(), 203);
        let short = read_all(&[0x02, 0x01, 0x03]).unwrap();
        assert_eq!(short.small_uint().unwrap(), 3);
    }

    #[test]
    fn reads_indefinite_lengths_and_joins_constructed_octet_strings() {
        // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "cd" } } 00 00
        let bytes = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x02, b'c', b'd', 0, 0, 0, 0,
        ];
        let seq = read_all(&bytes).unwrap();
        assert_eq!(seq.raw.len(), bytes.len());
        let string = seq.children().required().unwrap();
        assert_eq!(string.octets().unwrap().as_ref(), b"abcd");
    }

    #[test]
    fn refuses_truncation_bad_lengths_and_deep_nesting() {
        assert_eq!(read(&[0x30, 0x05, 0x02]).unwrap_err(), BerError::Truncated);
        assert_eq!(
            read(&[0x30, 0x80, 0x02, 0x01, 0x00]).unwrap_err(),
            BerError::Truncated
        );
        assert!(matches!(
            read(&[0x04, 0x80, 0, 0]),
            Err(BerError::Malformed(_))
        ));
        assert!(matches!(
            read(&[0x04, 0x85, 1, 1, 1, 1, 1]),
            Err(BerError::Malformed(_))
        ));
        assert!(matches!(
            read(&[0x1f, 0x01, 0x00]),
            Err(BerError::Malformed(_))
        ));
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert!(matches!(read(&deep), Err(BerError::Malformed(_))));
        assert!(read_all(&[0x05, 0x00, 0x00]).is_err());
    }

    #[test]
    fn optional_fields_consume_only_their_tag() {
        let bytes = [0x30, 0x06, 0xa0, 0x01, 0x05, 0x02, 0x01, 0x01];
        let seq = read_all(&bytes).unwrap();
        let mut fields = seq.children();
        assert!(fields.optional(context(1)).unwrap().is_none());
        assert!(fields.optional(context(0)).unwrap().is_some());
        assert_eq!(fields.required().unwrap().small_uint().unwrap(), 1);
        assert!(fields.required().is_err());
    }

    #[test]
    fn integers_must_be_small_and_non_negative() {
        assert!(read_all(&[0x02, 0x01, 0x80]).unwrap().small_uint().is_err());
        let big = [0x02, 0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(read_all(&big).unwrap().small_uint().is_err());
        let padded = [0x02, 0x02, 0x00, 0x80];
        assert_eq!(read_all(&padded).unwrap().small_uint().unwrap(), 128);
    }
}
