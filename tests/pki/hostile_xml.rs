//! Hostile XML: generated bombs (deep nesting, wide namespaces, many attributes, huge text, too
//! many nodes) are refused by the shape limits as `xml_too_complex` before any tree is built,
//! in the verifier and in the reader of Kezek documents alike; documents within the limits are
//! never refused for their shape.

use kezek::api::documents::{Document, DocumentError};
use kezek::pki::xml_limits::XmlLimits;
use kezek::pki::xmldsig;
use proptest::prelude::*;

/// A bomb of one kind, `size` past the default limit it aims at.
#[derive(Debug, Clone)]
enum Bomb {
    Deep(usize),
    /// Declarations on the root, then children declaring one more each (issue 11's bomb).
    WideNamespaces {
        root: usize,
        children: usize,
    },
    Attributes(usize),
    Text(usize),
    Nodes(usize),
}

impl Bomb {
    fn xml(&self) -> String {
        let open = "<login xmlns=\"urn:kezek:v1\"";
        match *self {
            Bomb::Deep(depth) => format!(
                "{open}>{}{}</login>",
                "<a>".repeat(depth),
                "</a>".repeat(depth)
            ),
            Bomb::WideNamespaces { root, children } => {
                let declarations: String = (0..root)
                    .map(|i| format!(" xmlns:p{i}=\"urn:b:{i}\""))
                    .collect();
                let children: String = (0..children)
                    .map(|i| format!("<c xmlns:q{i}=\"urn:c:{i}\"/>"))
                    .collect();
                format!("{open}{declarations}>{children}</login>")
            }
            Bomb::Attributes(count) => {
                let attributes: String = (0..count).map(|i| format!(" a{i}=\"{i}\"")).collect();
                format!("{open}><nonce{attributes}/></login>")
            }
            Bomb::Text(bytes) => format!("{open}><nonce>{}</nonce></login>", "x".repeat(bytes)),
            Bomb::Nodes(count) => format!("{open}>{}</login>", "<n/>".repeat(count)),
        }
    }
}

fn bombs() -> impl Strategy<Value = Bomb> {
    let limits = XmlLimits::default();
    let (depth, nodes) = (limits.max_depth as usize, limits.max_nodes as usize);
    let (text, attributes) = (
        limits.max_text_bytes as usize,
        limits.max_attributes as usize,
    );
    let namespaces = limits.max_namespaces as usize;
    prop_oneof![
        (depth..depth * 300).prop_map(Bomb::Deep),
        (0..5000usize, 0..600usize)
            .prop_filter("over the namespace limits", move |(r, c)| r + c + 1
                > namespaces)
            .prop_map(|(root, children)| Bomb::WideNamespaces { root, children }),
        (attributes + 1..attributes * 100).prop_map(Bomb::Attributes),
        (text + 1..text * 8).prop_map(Bomb::Text),
        (nodes + 1..nodes * 5).prop_map(Bomb::Nodes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn bombs_are_refused_for_their_shape(bomb in bombs()) {
        let xml = bomb.xml();
        let error = xmldsig::verify(&xml).unwrap_err();
        prop_assert_eq!(error.code(), "xml_too_complex", "{:?}", bomb);
        prop_assert!(
            matches!(Document::parse(&xml), Err(DocumentError::TooComplex(_))),
            "{:?}",
            bomb
        );
    }

    /// Just under every limit at once the document is read (and refused only for what it
    /// lacks: a nonce's text, a signature).
    #[test]
    fn documents_within_the_limits_are_read(depth in 1..30usize, count in 1..15usize) {
        let bomb_free = format!(
            "<login xmlns=\"urn:kezek:v1\"{}><nonce>n</nonce><issuedAt>2026-01-01T00:00:00Z</issuedAt>{}{}{}</login>",
            (0..count).map(|i| format!(" xmlns:p{i}=\"urn:b:{i}\"")).collect::<String>(),
            "<a>".repeat(depth),
            "</a>".repeat(depth),
            (0..count).map(|i| format!("<c a{i}=\"{i}\"/>")).collect::<String>(),
        );
        let read = Document::parse(&bomb_free);
        prop_assert!(read.is_ok(), "{:?}", read);
        prop_assert_eq!(xmldsig::verify(&bomb_free).unwrap_err().code(), "signature_missing");
    }
}

/// The bomb of issue 11 as filed: an 80 KB login body.
#[test]
fn the_namespace_bomb_of_the_issue_is_refused() {
    let xml = Bomb::WideNamespaces {
        root: 4000,
        children: 500,
    }
    .xml();
    assert!(xml.len() > 80_000);
    let error = xmldsig::verify(&xml).unwrap_err();
    assert_eq!(error.code(), "xml_too_complex");
    assert!(error.to_string().contains("max_namespaces"), "{error}");
}
