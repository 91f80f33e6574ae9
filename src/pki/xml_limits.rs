//! Hard limits on the shape of an XML document, checked by one linear pass over the text before
//! any parser builds a tree of it.
//!
//! Parsers and canonicalizers spend more than linear time on some shapes: roxmltree copies the
//! namespaces in scope into every element that declares one more (a root with thousands of
//! declarations and children each declaring one cost seconds of CPU), and C14N compares each
//! element's namespaces with those already rendered. Documents people sign are small and flat,
//! so [`check`] refuses anything far outside that before the work starts: too many nodes, too
//! deep, too many attributes or namespace declarations on one element or in the whole
//! document, too long a text or attribute value. The scan only counts; well-formedness stays the
//! parser's business, and where the scan cannot follow the text it stops and leaves the parser
//! to refuse it (the parser is then also bounded by [`XmlLimits::max_nodes`]).
//! `docs/design-api.md` («Hostile XML») lists the limits and their defaults.

use serde::{Deserialize, Serialize};

/// The limits, `[limits.xml]` of the server's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct XmlLimits {
    /// Elements, text runs, comments and processing instructions in the whole document.
    pub max_nodes: u32,
    /// How deeply elements nest.
    pub max_depth: u32,
    /// Attributes of one element, namespace declarations included.
    pub max_attributes: u32,
    /// Namespace declarations (`xmlns`, `xmlns:p`) on one element.
    pub max_namespaces_per_element: u32,
    /// Namespace declarations in the whole document.
    pub max_namespaces: u32,
    /// Bytes of one text run (between two pieces of markup) or CDATA section.
    pub max_text_bytes: u32,
    /// Bytes of one attribute value.
    pub max_attribute_bytes: u32,
}

impl Default for XmlLimits {
    /// Far above any Kezek document or NCALayer signature (a signed application has about a
    /// hundred nodes, depth 5, three namespace declarations and a 2 KB certificate text).
    fn default() -> Self {
        XmlLimits {
            max_nodes: 4096,
            max_depth: 32,
            max_attributes: 32,
            max_namespaces_per_element: 16,
            max_namespaces: 64,
            max_text_bytes: 64 * 1024,
            max_attribute_bytes: 4096,
        }
    }
}

/// Which limit a document broke: the name of its configuration key and its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the document is over the limit {limit} = {value}")]
pub struct LimitExceeded {
    pub limit: &'static str,
    pub value: u32,
}

/// Checks `xml` against `limits` in one pass, without building anything.
pub fn check(xml: &str, limits: &XmlLimits) -> Result<(), LimitExceeded> {
    Scan {
        bytes: xml.as_bytes(),
        at: 0,
        limits,
        nodes: 0,
        depth: 0,
        namespaces: 0,
    }
    .run()
}

struct Scan<'a> {
    bytes: &'a [u8],
    at: usize,
    limits: &'a XmlLimits,
    nodes: u32,
    depth: u32,
    namespaces: u32,
}

/// The scan cannot follow the text from here: the parser will refuse it.
struct Unreadable;

/// What a step of the scan ends in.
type Step = Result<Result<(), Unreadable>, LimitExceeded>;

fn over(limit: &'static str, value: u32) -> LimitExceeded {
    LimitExceeded { limit, value }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Scan<'a> {
    fn run(mut self) -> Result<(), LimitExceeded> {
        while self.at < self.bytes.len() {
            let step = if self.bytes[self.at] == b'<' {
                self.markup()
            } else {
                self.text()
            };
            if step?.is_err() {
                break;
            }
        }
        Ok(())
    }

    fn node(&mut self) -> Result<(), LimitExceeded> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(over("max_nodes", self.limits.max_nodes));
        }
        Ok(())
    }

    fn rest(&self) -> &'a [u8] {
        &self.bytes[self.at..]
    }

    /// Moves past the first `end` after the current position; `false` when there is none.
    fn skip_past(&mut self, end: &[u8]) -> bool {
        match find(self.rest(), end) {
            Some(i) => {
                self.at += i + end.len();
                true
            }
            None => false,
        }
    }

    fn text(&mut self) -> Step {
        let length = find(self.rest(), b"<").unwrap_or(self.rest().len());
        self.at += length;
        if length > self.limits.max_text_bytes as usize {
            return Err(over("max_text_bytes", self.limits.max_text_bytes));
        }
        self.node()?;
        Ok(Ok(()))
    }

    fn markup(&mut self) -> Step {
        let rest = self.rest();
        let (start, end): (&[u8], &[u8]) = if rest.starts_with(b"<!--") {
            (b"<!--", b"-->")
        } else if rest.starts_with(b"<![CDATA[") {
            (b"<![CDATA[", b"]]>")
        } else if rest.starts_with(b"<?") {
            (b"<?", b"?>")
        } else if rest.starts_with(b"<!") {
            // A DOCTYPE: the parser refuses it before reading further.
            return Ok(Err(Unreadable));
        } else if rest.starts_with(b"</") {
            return Ok(self.end_tag());
        } else {
            return self.start_tag();
        };
        let from = self.at;
        self.at += start.len();
        if !self.skip_past(end) {
            return Ok(Err(Unreadable));
        }
        let content = self.at - from - start.len() - end.len();
        if start == b"<![CDATA[" && content > self.limits.max_text_bytes as usize {
            return Err(over("max_text_bytes", self.limits.max_text_bytes));
        }
        self.node()?;
        Ok(Ok(()))
    }

    fn end_tag(&mut self) -> Result<(), Unreadable> {
        if !self.skip_past(b">") {
            return Err(Unreadable);
        }
        self.depth = self.depth.saturating_sub(1);
        Ok(())
    }

    /// `<name attr="value" …>` or `…/>`: counts the element, its attributes and namespace
    /// declarations, and the depth it opens.
    fn start_tag(&mut self) -> Step {
        self.at += 1;
        self.node()?;
        if self.depth >= self.limits.max_depth {
            return Err(over("max_depth", self.limits.max_depth));
        }
        self.name();
        let mut attributes = 0;
        let mut declarations = 0;
        loop {
            self.skip_spaces();
            match self.rest().first() {
                None => return Ok(Err(Unreadable)),
                Some(b'>') => {
                    self.at += 1;
                    self.depth += 1;
                    return Ok(Ok(()));
                }
                Some(b'/') => {
                    if self.rest().get(1) != Some(&b'>') {
                        return Ok(Err(Unreadable));
                    }
                    self.at += 2;
                    return Ok(Ok(()));
                }
                Some(_) => {}
            }
            let name = self.name();
            if name.is_empty() {
                return Ok(Err(Unreadable));
            }
            attributes += 1;
            if attributes > self.limits.max_attributes {
                return Err(over("max_attributes", self.limits.max_attributes));
            }
            if name == b"xmlns" || name.starts_with(b"xmlns:") {
                declarations += 1;
                self.namespaces += 1;
                if declarations > self.limits.max_namespaces_per_element {
                    return Err(over(
                        "max_namespaces_per_element",
                        self.limits.max_namespaces_per_element,
                    ));
                }
                if self.namespaces > self.limits.max_namespaces {
                    return Err(over("max_namespaces", self.limits.max_namespaces));
                }
            }
            self.skip_spaces();
            if self.rest().first() != Some(&b'=') {
                return Ok(Err(Unreadable));
            }
            self.at += 1;
            self.skip_spaces();
            let Some(&quote) = self.rest().first().filter(|q| matches!(q, b'"' | b'\'')) else {
                return Ok(Err(Unreadable));
            };
            self.at += 1;
            let Some(length) = self.rest().iter().position(|&b| b == quote) else {
                return Ok(Err(Unreadable));
            };
            if length > self.limits.max_attribute_bytes as usize {
                return Err(over("max_attribute_bytes", self.limits.max_attribute_bytes));
            }
            self.at += length + 1;
        }
    }

    /// Moves past an element or attribute name (everything up to a space, `=`, `/` or `>`),
    /// which it answers.
    fn name(&mut self) -> &'a [u8] {
        let from = self.at;
        let length = self
            .rest()
            .iter()
            .position(|&b| is_space(b) || matches!(b, b'=' | b'/' | b'>'))
            .unwrap_or(self.rest().len());
        self.at += length;
        &self.bytes[from..self.at]
    }

    fn skip_spaces(&mut self) {
        self.at += self
            .rest()
            .iter()
            .position(|&b| !is_space(b))
            .unwrap_or(self.rest().len());
    }
}

/// Where `needle` first occurs: a byte search for its first byte, then a comparison.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(i) = haystack[from..].iter().position(|b| b == first) {
        let at = from + i;
        if haystack[at + 1..].starts_with(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> XmlLimits {
        XmlLimits {
            max_nodes: 20,
            max_depth: 3,
            max_attributes: 3,
            max_namespaces_per_element: 2,
            max_namespaces: 3,
            max_text_bytes: 10,
            max_attribute_bytes: 8,
        }
    }

    fn limit(xml: &str) -> Option<&'static str> {
        check(xml, &limits()).err().map(|e| e.limit)
    }

    #[test]
    fn documents_within_the_limits_pass() {
        for xml in [
            "<a/>",
            "<?xml version=\"1.0\"?>\n<a x='1' y = \"a>b\"><b><c/></b>text</a>",
            "<!-- c --><a xmlns='u' xmlns:p='v'><p:b xmlns:q='w'/></a>",
            "<a><![CDATA[<not a b>]]></a>",
        ] {
            assert_eq!(limit(xml), None, "{xml}");
        }
    }

    #[test]
    fn each_limit_is_named() {
        assert_eq!(limit(&"<a/>".repeat(21)), Some("max_nodes"));
        assert_eq!(limit("<a><b><c><d/></c></b></a>"), Some("max_depth"));
        assert_eq!(
            limit("<a w='1' x='1' y='1' z='1'/>"),
            Some("max_attributes")
        );
        assert_eq!(
            limit("<a xmlns='u' xmlns:p='v' xmlns:q='w'/>"),
            Some("max_namespaces_per_element")
        );
        assert_eq!(
            limit("<a xmlns:p='v' xmlns:q='w'><b xmlns:r='x'/><c xmlns:s='y'/></a>"),
            Some("max_namespaces")
        );
        assert_eq!(limit("<a>01234567890</a>"), Some("max_text_bytes"));
        assert_eq!(
            limit("<a><![CDATA[01234567890]]></a>"),
            Some("max_text_bytes")
        );
        assert_eq!(limit("<a x='012345678'/>"), Some("max_attribute_bytes"));
    }

    #[test]
    fn what_the_scan_cannot_follow_is_left_to_the_parser() {
        for xml in [
            "<!DOCTYPE a [<!ENTITY b 'c'>]><a/>",
            "<a x=1/>",
            "<a x='1",
            "<a",
            "<!-- open",
        ] {
            assert_eq!(limit(xml), None, "{xml}");
        }
        // Sibling end tags never drive the depth below zero.
        assert_eq!(limit("</a></a></a><a><b><c/></b></a>"), None);
    }
}
