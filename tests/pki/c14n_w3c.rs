//! The worked examples of the W3C Canonical XML 1.0 recommendation (REC-xml-c14n-20010315,
//! section 3) and the namespace example of Exclusive XML Canonicalization 1.0 (section 2.2),
//! typed in from the recommendations.
//!
//! Kezek refuses DTDs, so:
//! - 3.1 is run without its `<!DOCTYPE doc SYSTEM "doc.dtd">` line (an external DTD subset that
//!   canonical output drops anyway), and the original is checked to be refused;
//! - 3.3 and 3.4 are run without their internal DTD subsets, and the expected output changes
//!   exactly where the DTD contributed: 3.3 loses e9's defaulted `attr="default"`; in 3.4 the
//!   `normNames` (NMTOKENS) and `normId` (ID) attributes are plain CDATA, so their values keep
//!   the spaces that DTD-typed normalisation would collapse;
//! - 3.5 (entity references) needs entity declarations: it is checked to be refused, not run;
//! - 3.7 (a document subset chosen by an XPath expression) is skipped: Kezek canonicalizes a
//!   whole document or one element's subtree, never an XPath node-set. Subtree behaviour is
//!   covered by the exclusive C14N example below.

use kezek::pki::c14n::{C14nError, Method, Options, canonicalize, canonicalize_text, parse};

fn c14n(xml: &str, method: Method) -> String {
    canonicalize_text(xml, method).unwrap_or_else(|e| panic!("{e}"))
}

const EXAMPLE_3_1: &str = r#"<?xml version="1.0"?>

<?xml-stylesheet   href="doc.xsl"
   type="text/xsl"   ?>

<!DOCTYPE doc SYSTEM "doc.dtd">

<doc>Hello, world!<!-- Comment 1 --></doc>

<?pi-without-data     ?>

<!-- Comment 2 -->

<!-- Comment 3 -->"#;

#[test]
fn example_3_1_pis_comments_and_outside_of_document_element() {
    let without_dtd = EXAMPLE_3_1.replace("<!DOCTYPE doc SYSTEM \"doc.dtd\">\n", "");
    assert_eq!(
        c14n(&without_dtd, Method::Inclusive),
        "<?xml-stylesheet href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n\
         <doc>Hello, world!</doc>\n\
         <?pi-without-data?>"
    );
    assert_eq!(
        c14n(&without_dtd, Method::InclusiveWithComments),
        "<?xml-stylesheet href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n\
         <doc>Hello, world!<!-- Comment 1 --></doc>\n\
         <?pi-without-data?>\n\
         <!-- Comment 2 -->\n\
         <!-- Comment 3 -->"
    );
    assert_eq!(
        canonicalize_text(EXAMPLE_3_1, Method::Inclusive),
        Err(C14nError::DtdRefused)
    );
}

#[test]
fn example_3_2_whitespace_in_document_content() {
    let input = "<doc>
   <clean>   </clean>
   <dirty>   A   B   </dirty>
   <mixed>
      A
      <clean>   </clean>
      B
      <dirty>   A   B   </dirty>
      C
   </mixed>
</doc>";
    // Canonical XML keeps all whitespace inside the document element.
    assert_eq!(c14n(input, Method::Inclusive), input);
}

#[test]
fn example_3_3_start_and_end_tags() {
    // Without `<!DOCTYPE doc [<!ATTLIST e9 attr CDATA "default">]>`.
    let input = r#"<doc>
   <e1   />
   <e2   ></e2>
   <e3   name = "elem3"   id="elem3"   />
   <e4   name="elem4"   id="elem4"   ></e4>
   <e5 a:attr="out" b:attr="sorted" attr2="all" attr="I'm"
      xmlns:b="http://www.ietf.org"
      xmlns:a="http://www.w3.org"
      xmlns="http://example.org"/>
   <e6 xmlns="" xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="" xmlns:a="http://www.w3.org">
            <e9 xmlns="" xmlns:a="http://www.ietf.org"/>
         </e8>
      </e7>
   </e6>
</doc>"#;
    let expected = r#"<doc>
   <e1></e1>
   <e2></e2>
   <e3 id="elem3" name="elem3"></e3>
   <e4 id="elem4" name="elem4"></e4>
   <e5 xmlns="http://example.org" xmlns:a="http://www.w3.org" xmlns:b="http://www.ietf.org" attr="I'm" attr2="all" b:attr="sorted" a:attr="out"></e5>
   <e6 xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="">
            <e9 xmlns:a="http://www.ietf.org"></e9>
         </e8>
      </e7>
   </e6>
</doc>"#;
    assert_eq!(c14n(input, Method::Inclusive), expected);
}

#[test]
fn example_3_4_character_modifications_and_character_references() {
    // Without `<!DOCTYPE doc [<!ATTLIST normId id ID #IMPLIED>
    // <!ATTLIST normNames attr NMTOKENS #IMPLIED>]>`.
    let input = r#"<doc>
   <text>First line&#x0d;&#10;Second line</text>
   <value>&#x32;</value>
   <compute><![CDATA[value>"0" && value<"10" ?"valid":"error"]]></compute>
   <compute expr='value>"0" &amp;&amp; value&lt;"10" ?"valid":"error"'>valid</compute>
   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>
   <normNames attr='   A   &#x20;&#13;&#xa;&#9;   B   '/>
   <normId id=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>
</doc>"#;
    let expected = r#"<doc>
   <text>First line&#xD;
Second line</text>
   <value>2</value>
   <compute>value&gt;"0" &amp;&amp; value&lt;"10" ?"valid":"error"</compute>
   <compute expr="value>&quot;0&quot; &amp;&amp; value&lt;&quot;10&quot; ?&quot;valid&quot;:&quot;error&quot;">valid</compute>
   <norm attr=" '    &#xD;&#xA;&#x9;   ' "></norm>
   <normNames attr="   A    &#xD;&#xA;&#x9;   B   "></normNames>
   <normId id=" '    &#xD;&#xA;&#x9;   ' "></normId>
</doc>"#;
    assert_eq!(c14n(input, Method::Inclusive), expected);
}

#[test]
fn example_3_5_entity_references_are_refused() {
    let input = r#"<!DOCTYPE doc [
<!ATTLIST doc attrExtEnt ENTITY #IMPLIED>
<!ENTITY ent1 "Hello">
<!ENTITY ent2 SYSTEM "world.txt">
<!ENTITY entExt SYSTEM "earth.gif" NDATA gif>
<!NOTATION gif SYSTEM "viewgif.exe">
]>
<doc attrExtEnt="entExt">
   &ent1;, &ent2;!
</doc>

<!-- Let world.txt contain "world" (excluding the quotes) -->"#;
    assert_eq!(
        canonicalize_text(input, Method::Inclusive),
        Err(C14nError::DtdRefused)
    );
}

#[test]
fn example_3_6_utf8_encoding() {
    let input = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<doc>&#169;</doc>";
    assert_eq!(c14n(input, Method::Inclusive), "<doc>\u{a9}</doc>");
}

/// Exclusive XML Canonicalization 1.0, section 2.2: the subtree of `n1:elem2`.
#[test]
fn exclusive_c14n_example_2_2_subtree() {
    let input = r#"<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org">
  <n1:elem2 xmlns:n1="http://example.net" xml:lang="en">
    <n3:stuff xmlns:n3="ftp://example.org"/>
  </n1:elem2>
</n0:local>"#;
    let doc = parse(input).unwrap();
    let elem2 = doc
        .descendants()
        .find(|n| n.has_tag_name(("http://example.net", "elem2")))
        .unwrap();
    let mut inclusive = String::new();
    canonicalize(elem2, &Options::new(Method::Inclusive), &mut inclusive);
    assert_eq!(
        inclusive,
        r#"<n1:elem2 xmlns:n0="foo:bar" xmlns:n1="http://example.net" xmlns:n3="ftp://example.org" xml:lang="en">
    <n3:stuff></n3:stuff>
  </n1:elem2>"#
    );
    let mut exclusive = String::new();
    canonicalize(elem2, &Options::new(Method::Exclusive), &mut exclusive);
    assert_eq!(
        exclusive,
        r#"<n1:elem2 xmlns:n1="http://example.net" xml:lang="en">
    <n3:stuff xmlns:n3="ftp://example.org"></n3:stuff>
  </n1:elem2>"#
    );
}

#[test]
fn billion_laughs_is_refused() {
    let input = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>"#;
    assert_eq!(
        canonicalize_text(input, Method::Inclusive),
        Err(C14nError::DtdRefused)
    );
}

#[test]
fn exclusive_renders_namespaces_where_used_and_undoes_default_only_when_needed() {
    let input = r#"<r xmlns="urn:d" xmlns:a="urn:a" xmlns:unused="urn:u"><a:x a:k="1"><y xmlns=""><z/></y></a:x></r>"#;
    assert_eq!(
        c14n(input, Method::Exclusive),
        r#"<r xmlns="urn:d"><a:x xmlns:a="urn:a" a:k="1"><y xmlns=""><z></z></y></a:x></r>"#
    );
    assert_eq!(
        c14n(input, Method::Inclusive),
        r#"<r xmlns="urn:d" xmlns:a="urn:a" xmlns:unused="urn:u"><a:x a:k="1"><y xmlns=""><z></z></y></a:x></r>"#
    );
}

#[test]
fn redundant_declarations_and_escaping() {
    let input = "<r xmlns:p=\"urn:p\"><p:c xmlns:p=\"urn:p\" b=\"&lt;&amp;&gt;&quot;&#9;\" a='\"'>1 &lt; 2 &gt; 0 &amp; &#x20AC;</p:c></r>";
    assert_eq!(
        c14n(input, Method::Inclusive),
        "<r xmlns:p=\"urn:p\"><p:c a=\"&quot;\" b=\"&lt;&amp;>&quot;&#x9;\">1 &lt; 2 &gt; 0 &amp; \u{20ac}</p:c></r>"
    );
}

#[test]
fn comments_are_kept_only_with_comments() {
    let input = "<!--before--><r><!-- in --></r><!--after-->";
    assert_eq!(c14n(input, Method::Inclusive), "<r></r>");
    assert_eq!(
        c14n(input, Method::InclusiveWithComments),
        "<!--before-->\n<r><!-- in --></r>\n<!--after-->"
    );
    assert_eq!(
        c14n(input, Method::ExclusiveWithComments),
        "<!--before-->\n<r><!-- in --></r>\n<!--after-->"
    );
}

#[test]
fn algorithm_identifiers_round_trip() {
    for method in Method::ALL {
        assert_eq!(Method::from_uri(method.uri()), Some(method));
    }
    assert_eq!(
        Method::from_uri("http://www.w3.org/2006/12/xml-c14n11"),
        None
    );
}
