//! XML canonicalization: Canonical XML 1.0 (W3C REC-xml-c14n-20010315) and Exclusive XML
//! Canonicalization 1.0 (REC-xml-exc-c14n-20020718), with and without comments.
//!
//! Our own serializer over `roxmltree`, because a signature stands or falls on every byte of
//! this output and we need exactly two node-sets: a whole document or one element's subtree,
//! optionally minus one excluded subtree (the enveloped `ds:Signature`). That keeps the code a
//! single document-order walk, with no XPath machinery.
//!
//! Input rules: DTDs are refused (no entity expansion, no default attributes, so what is
//! signed is what is written), and line ends are normalised before parsing as XML 1.0 §2.11
//! requires (see [`normalize_line_ends`]).

use std::borrow::Cow;

use roxmltree::{Document, Node, NodeId, NodeType, ParsingOptions};

use super::xml_limits::{self, LimitExceeded, XmlLimits};

/// `xml:` attributes live in this namespace; its declaration is never output.
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// The four canonicalization algorithms a signature may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Inclusive,
    InclusiveWithComments,
    Exclusive,
    ExclusiveWithComments,
}

impl Method {
    pub const ALL: [Method; 4] = [
        Method::Inclusive,
        Method::InclusiveWithComments,
        Method::Exclusive,
        Method::ExclusiveWithComments,
    ];

    /// The algorithm identifier used in `Algorithm="…"` attributes.
    pub fn uri(self) -> &'static str {
        match self {
            Method::Inclusive => "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
            Method::InclusiveWithComments => {
                "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
            }
            Method::Exclusive => "http://www.w3.org/2001/10/xml-exc-c14n#",
            Method::ExclusiveWithComments => "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
        }
    }

    pub fn from_uri(uri: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.uri() == uri)
    }

    pub fn with_comments(self) -> bool {
        matches!(
            self,
            Method::InclusiveWithComments | Method::ExclusiveWithComments
        )
    }

    pub fn is_exclusive(self) -> bool {
        matches!(self, Method::Exclusive | Method::ExclusiveWithComments)
    }

    /// The same algorithm with comments dropped: what a same-document reference (`URI=""`)
    /// gets, since XMLDSig §4.3.3.3 removes comment nodes from it before any transform.
    pub fn without_comments(self) -> Method {
        match self {
            Method::Inclusive | Method::InclusiveWithComments => Method::Inclusive,
            Method::Exclusive | Method::ExclusiveWithComments => Method::Exclusive,
        }
    }
}

/// Which nodes to canonicalize and how.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    pub method: Method,
    /// Exclusive C14N's InclusiveNamespaces PrefixList: prefixes treated by the inclusive
    /// rules; `#default` stands for the default namespace. Ignored by inclusive C14N.
    pub inclusive_prefixes: &'a [&'a str],
    /// A subtree left out of the output (the enveloped-signature transform).
    pub excluded: Option<NodeId>,
}

impl Options<'_> {
    pub fn new(method: Method) -> Options<'static> {
        Options {
            method,
            inclusive_prefixes: &[],
            excluded: None,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum C14nError {
    #[error("the document has a DTD (DOCTYPE); DTDs and entities are refused")]
    DtdRefused,
    #[error("malformed XML: {0}")]
    Malformed(String),
    #[error("{0}")]
    TooComplex(#[from] LimitExceeded),
}

/// Applies XML 1.0 §2.11 end-of-line handling: `\r\n` and lone `\r` become `\n`.
///
/// roxmltree does this for text and attributes but leaves comments and processing instructions
/// raw, and a literal `\r` just before a reference escapes it; normalising the input first is
/// exactly what the specification describes and leaves `&#13;` references intact.
pub fn normalize_line_ends(xml: &str) -> Cow<'_, str> {
    if !xml.contains('\r') {
        return Cow::Borrowed(xml);
    }
    let mut out = String::with_capacity(xml.len());
    let mut chars = xml.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Parses already line-end-normalised XML within the default [`XmlLimits`], refusing DTDs
/// (hence entity expansion attacks).
pub fn parse(xml: &str) -> Result<Document<'_>, C14nError> {
    parse_bounded(xml, &XmlLimits::default())
}

/// Parses already line-end-normalised XML: first the linear [`xml_limits::check`], then
/// roxmltree with its own node limit as a second fence, DTDs refused.
pub fn parse_bounded<'input>(
    xml: &'input str,
    limits: &XmlLimits,
) -> Result<Document<'input>, C14nError> {
    xml_limits::check(xml, limits)?;
    let options = ParsingOptions {
        allow_dtd: false,
        // The document node is one more than the scan counts.
        nodes_limit: limits.max_nodes.saturating_add(1),
        ..ParsingOptions::default()
    };
    Document::parse_with_options(xml, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => C14nError::DtdRefused,
        roxmltree::Error::NodesLimitReached => C14nError::TooComplex(LimitExceeded {
            limit: "max_nodes",
            value: limits.max_nodes,
        }),
        other => C14nError::Malformed(other.to_string()),
    })
}

/// Canonicalizes a whole document given as text: the convenience used by tests and tools.
pub fn canonicalize_text(xml: &str, method: Method) -> Result<String, C14nError> {
    let text = normalize_line_ends(xml);
    let doc = parse(&text)?;
    let mut out = String::with_capacity(text.len());
    canonicalize(doc.root(), &Options::new(method), &mut out);
    Ok(out)
}

/// Appends the canonical form of `apex` (the document root or an element, with its subtree)
/// to `out`. The document must come from [`parse`] over [`normalize_line_ends`] output.
pub fn canonicalize(apex: Node<'_, '_>, options: &Options<'_>, out: &mut String) {
    // Sorted once, so that a long PrefixList costs a binary search per namespace in scope.
    let mut inclusive_prefixes = options.inclusive_prefixes.to_vec();
    inclusive_prefixes.sort_unstable();
    inclusive_prefixes.dedup();
    let mut writer = Writer {
        options,
        inclusive_prefixes,
        source: apex.document().input_text(),
        out,
        rendered: Vec::new(),
        marks: Vec::new(),
        after_document_element: false,
    };
    // An iterative walk in document order: deeply nested input must not exhaust the stack.
    let mut node = apex;
    'walk: loop {
        if writer.enter(node, apex) {
            if let Some(child) = node.first_child() {
                node = child;
                continue;
            }
            writer.leave(node);
        }
        // `node` is finished: go on with its next sibling, closing every parent left behind.
        loop {
            if node == apex {
                return;
            }
            if let Some(next) = node.next_sibling() {
                node = next;
                continue 'walk;
            }
            match node.parent() {
                Some(parent) => node = parent,
                None => return,
            }
            writer.leave(node);
        }
    }
}

struct Writer<'o, 'a, 'input> {
    options: &'o Options<'o>,
    /// `options.inclusive_prefixes`, sorted and without repeats.
    inclusive_prefixes: Vec<&'o str>,
    source: &'input str,
    out: &'o mut String,
    /// Namespace declarations in force in the output: (prefix, "" for the default; URI).
    rendered: Vec<(&'a str, &'a str)>,
    /// `rendered.len()` at each open element, to restore on its end tag.
    marks: Vec<usize>,
    /// Document-level comments and PIs take a line break before them after the root element,
    /// after them before it.
    after_document_element: bool,
}

/// One attribute of the output: sort key (namespace URI, local name), qualified name, value.
struct OutputAttribute<'a> {
    namespace: &'a str,
    local: &'a str,
    qname: &'a str,
    value: &'a str,
}

impl<'o, 'a, 'input: 'a> Writer<'o, 'a, 'input> {
    fn is_excluded(&self, node: Node) -> bool {
        self.options.excluded == Some(node.id())
    }

    /// Writes the start of `node`; says whether its children are to be walked.
    fn enter(&mut self, node: Node<'a, 'input>, apex: Node<'a, 'input>) -> bool {
        if self.is_excluded(node) {
            return false;
        }
        let at_document_level = node.parent().is_some_and(|p| p.is_root());
        match node.node_type() {
            NodeType::Root => true,
            NodeType::Element => {
                self.start_tag(node, node == apex);
                true
            }
            NodeType::Text => {
                // Whitespace outside the document element is not part of the infoset output.
                if !at_document_level {
                    escape_text(node.text().unwrap_or(""), self.out);
                }
                false
            }
            NodeType::Comment => {
                if self.options.method.with_comments() {
                    self.document_level_break_before(at_document_level);
                    self.out.push_str("<!--");
                    self.out.push_str(node.text().unwrap_or(""));
                    self.out.push_str("-->");
                    self.document_level_break_after(at_document_level);
                }
                false
            }
            NodeType::PI => {
                if let Some(pi) = node.pi() {
                    self.document_level_break_before(at_document_level);
                    self.out.push_str("<?");
                    self.out.push_str(pi.target);
                    if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                        self.out.push(' ');
                        self.out.push_str(value);
                    }
                    self.out.push_str("?>");
                    self.document_level_break_after(at_document_level);
                }
                false
            }
        }
    }

    fn leave(&mut self, node: Node<'a, 'input>) {
        if node.is_element() {
            self.out.push_str("</");
            self.out.push_str(element_qname(self.source, node));
            self.out.push('>');
            let mark = self.marks.pop().unwrap_or(0);
            self.rendered.truncate(mark);
            if node.parent().is_some_and(|p| p.is_root()) {
                self.after_document_element = true;
            }
        }
    }

    fn document_level_break_before(&mut self, at_document_level: bool) {
        if at_document_level && self.after_document_element {
            self.out.push('\n');
        }
    }

    fn document_level_break_after(&mut self, at_document_level: bool) {
        if at_document_level && !self.after_document_element {
            self.out.push('\n');
        }
    }

    /// The URI last rendered for `prefix` by an output ancestor.
    fn rendered_uri(&self, prefix: &str) -> Option<&'a str> {
        self.rendered
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map(|(_, uri)| *uri)
    }

    /// Whether the declaration (prefix, uri) must be written on this element: it differs from
    /// what the output already has in force. An empty default namespace (`xmlns=""`) is only
    /// written to undo a non-empty default of an output ancestor.
    fn needs_declaration(&self, prefix: &str, uri: &str) -> bool {
        match self.rendered_uri(prefix) {
            Some(current) => current != uri,
            None => !(prefix.is_empty() && uri.is_empty()),
        }
    }

    fn start_tag(&mut self, element: Node<'a, 'input>, is_apex: bool) {
        let qname = element_qname(self.source, element);
        let mut declarations: Vec<(&'a str, &'a str)> = Vec::new();
        if self.options.method.is_exclusive() {
            self.exclusive_declarations(element, qname, &mut declarations);
        } else {
            for ns in element.namespaces() {
                let prefix = ns.name().unwrap_or("");
                if self.needs_declaration(prefix, ns.uri()) {
                    declarations.push((prefix, ns.uri()));
                }
            }
        }
        declarations.sort_unstable_by(|a, b| a.0.cmp(b.0));

        let mut attributes: Vec<OutputAttribute<'a>> = element
            .attributes()
            .map(|a| OutputAttribute {
                namespace: a.namespace().unwrap_or(""),
                local: a.name(),
                qname: &self.source[a.range_qname()],
                value: a.value(),
            })
            .collect();
        if is_apex && !self.options.method.is_exclusive() {
            inherit_xml_attributes(element, self.source, &mut attributes);
        }
        attributes.sort_unstable_by(|a, b| (a.namespace, a.local).cmp(&(b.namespace, b.local)));

        self.marks.push(self.rendered.len());
        self.out.push('<');
        self.out.push_str(qname);
        for (prefix, uri) in declarations {
            if prefix.is_empty() {
                self.out.push_str(" xmlns=\"");
            } else {
                self.out.push_str(" xmlns:");
                self.out.push_str(prefix);
                self.out.push_str("=\"");
            }
            escape_attribute(uri, self.out);
            self.out.push('"');
            self.rendered.push((prefix, uri));
        }
        for attribute in attributes {
            self.out.push(' ');
            self.out.push_str(attribute.qname);
            self.out.push_str("=\"");
            escape_attribute(attribute.value, self.out);
            self.out.push('"');
        }
        self.out.push('>');
    }

    /// Exclusive C14N: only the prefixes the element and its attributes visibly use, plus
    /// the InclusiveNamespaces PrefixList, each when not already in force in the output.
    fn exclusive_declarations(
        &self,
        element: Node<'a, 'input>,
        qname: &'a str,
        declarations: &mut Vec<(&'a str, &'a str)>,
    ) {
        let mut used: Vec<&'a str> = vec![prefix_of(qname)];
        for attribute in element.attributes() {
            let prefix = prefix_of(&self.source[attribute.range_qname()]);
            if !prefix.is_empty() && prefix != "xml" {
                used.push(prefix);
            }
        }
        for ns in element.namespaces() {
            let prefix = ns.name().unwrap_or("");
            let listed = if prefix.is_empty() {
                "#default"
            } else {
                prefix
            };
            if self.inclusive_prefixes.binary_search(&listed).is_ok() {
                used.push(prefix);
            }
        }
        for prefix in used {
            let uri = element
                .namespaces()
                .find(|ns| ns.name().unwrap_or("") == prefix)
                .map_or("", |ns| ns.uri());
            if self.needs_declaration(prefix, uri) && !declarations.iter().any(|d| d.0 == prefix) {
                declarations.push((prefix, uri));
            }
        }
    }
}

/// Canonical XML 1.0 §2.4: when the apex's ancestors are left out, the `xml:` attributes it
/// would inherit from them (nearest first) are written on it.
fn inherit_xml_attributes<'a>(
    apex: Node<'a, '_>,
    source: &'a str,
    attributes: &mut Vec<OutputAttribute<'a>>,
) {
    for ancestor in apex.ancestors().skip(1).filter(|n| n.is_element()) {
        for attribute in ancestor.attributes() {
            if attribute.namespace() == Some(XML_NAMESPACE)
                && !attributes
                    .iter()
                    .any(|a| a.namespace == XML_NAMESPACE && a.local == attribute.name())
            {
                attributes.push(OutputAttribute {
                    namespace: XML_NAMESPACE,
                    local: attribute.name(),
                    qname: &source[attribute.range_qname()],
                    value: attribute.value(),
                });
            }
        }
    }
}

/// The element's name as written (`prefix:local` or `local`), read from the source text
/// because roxmltree keeps only the resolved namespace.
fn element_qname<'a>(source: &'a str, element: Node) -> &'a str {
    let start = element.range().start + 1;
    let rest = &source[start..];
    let end = rest
        .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
        .unwrap_or(rest.len());
    &rest[..end]
}

fn prefix_of(qname: &str) -> &str {
    qname.split_once(':').map_or("", |(prefix, _)| prefix)
}

fn escape_text(text: &str, out: &mut String) {
    escape(text, out, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '\r' => Some("&#xD;"),
        _ => None,
    });
}

fn escape_attribute(value: &str, out: &mut String) {
    escape(value, out, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '"' => Some("&quot;"),
        '\t' => Some("&#x9;"),
        '\n' => Some("&#xA;"),
        '\r' => Some("&#xD;"),
        _ => None,
    });
}

/// Copies `text`, replacing the characters `replacement` names, in runs for speed.
fn escape(text: &str, out: &mut String, replacement: impl Fn(char) -> Option<&'static str>) {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if let Some(escaped) = replacement(c) {
            out.push_str(&text[start..i]);
            out.push_str(escaped);
            start = i + c.len_utf8();
        }
    }
    out.push_str(&text[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n(xml: &str) -> String {
        canonicalize_text(xml, Method::Inclusive).unwrap()
    }

    #[test]
    fn normalizes_crlf_and_lone_cr_but_keeps_references() {
        assert_eq!(normalize_line_ends("a\r\nb\rc"), "a\nb\nc");
        assert_eq!(c14n("<a>x\r\n&#13;\r&amp;</a>"), "<a>x\n&#xD;\n&amp;</a>");
        assert_eq!(
            canonicalize_text("<a><!--x\r\ny--></a>", Method::InclusiveWithComments).unwrap(),
            "<a><!--x\ny--></a>"
        );
    }

    #[test]
    fn refuses_dtd() {
        assert_eq!(
            canonicalize_text("<!DOCTYPE a []><a/>", Method::Inclusive),
            Err(C14nError::DtdRefused)
        );
        assert!(matches!(
            canonicalize_text("<a>&ent;</a>", Method::Inclusive),
            Err(C14nError::Malformed(_))
        ));
    }

    #[test]
    fn excluded_subtree_leaves_surrounding_text() {
        let doc = parse("<r>a<s><t/></s>b</r>").unwrap();
        let s = doc.descendants().find(|n| n.has_tag_name("s")).unwrap();
        let mut out = String::new();
        let options = Options {
            excluded: Some(s.id()),
            ..Options::new(Method::Inclusive)
        };
        canonicalize(doc.root(), &options, &mut out);
        assert_eq!(out, "<r>ab</r>");
    }

    #[test]
    fn subtree_apex_takes_in_scope_namespaces_and_xml_attributes() {
        let xml = r#"<r xmlns="urn:d" xmlns:p="urn:p" xml:lang="kk"><p:s a="1"><t/></p:s></r>"#;
        let doc = parse(xml).unwrap();
        let s = doc
            .descendants()
            .find(|n| n.has_tag_name(("urn:p", "s")))
            .unwrap();
        let mut out = String::new();
        canonicalize(s, &Options::new(Method::Inclusive), &mut out);
        assert_eq!(
            out,
            r#"<p:s xmlns="urn:d" xmlns:p="urn:p" a="1" xml:lang="kk"><t></t></p:s>"#
        );
        out.clear();
        canonicalize(s, &Options::new(Method::Exclusive), &mut out);
        assert_eq!(
            out,
            r#"<p:s xmlns:p="urn:p" a="1"><t xmlns="urn:d"></t></p:s>"#
        );
    }

    #[test]
    fn exclusive_prefix_list_renders_unused_prefixes() {
        let xml = r#"<r xmlns="urn:d" xmlns:q="urn:q"><s/></r>"#;
        let doc = parse(xml).unwrap();
        let s = doc.root_element().first_child().unwrap();
        let mut out = String::new();
        let prefixes = ["q", "#default"];
        let options = Options {
            inclusive_prefixes: &prefixes,
            ..Options::new(Method::Exclusive)
        };
        canonicalize(s, &options, &mut out);
        assert_eq!(out, r#"<s xmlns="urn:d" xmlns:q="urn:q"></s>"#);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 100_000;
        let xml = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        // Far above the default limits, which refuse such a document before parsing.
        let limits = XmlLimits {
            max_depth: depth as u32,
            max_nodes: depth as u32,
            ..XmlLimits::default()
        };
        let doc = parse_bounded(&xml, &limits).unwrap();
        let mut out = String::new();
        canonicalize(doc.root(), &Options::new(Method::Inclusive), &mut out);
        assert_eq!(out.len(), xml.len());
        assert!(matches!(parse(&xml), Err(C14nError::TooComplex(_))));
    }
}
