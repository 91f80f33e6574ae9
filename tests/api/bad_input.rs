//! Bad input against the real server: every case is refused with problem+json, its HTTP status
//! and its stable code, and nothing of it reaches the database.

use crate::common;

use common::*;
use kezek::api::documents::Submission;
use reqwest::Method;

/// What a case sends.
enum Body {
    Empty,
    /// A body with its content type.
    Raw(&'static str, Vec<u8>),
    /// A multipart upload of one file.
    Upload(&'static str, Vec<u8>),
}

struct Case {
    name: &'static str,
    method: Method,
    path: String,
    /// The `Idempotency-Key` header.
    request_id: Option<String>,
    body: Body,
    status: u16,
    code: &'static str,
}

fn case(name: &'static str, method: Method, path: &str, body: Body) -> Case {
    Case {
        name,
        method,
        path: path.to_owned(),
        request_id: Some("bad-input".to_owned()),
        body,
        status: 0,
        code: "",
    }
}

impl Case {
    fn refused(self, status: u16, code: &'static str) -> Case {
        Case {
            status,
            code,
            ..self
        }
    }

    fn without_request_id(self) -> Case {
        Case {
            request_id: None,
            ..self
        }
    }
}

fn json(value: serde_json::Value) -> Body {
    Body::Raw("application/json", value.to_string().into_bytes())
}

fn signed_xml(xml: &str) -> Body {
    json(serde_json::json!({ "signed_xml": xml }))
}

/// The applicant's application to `/applications`, signed with her SIGN key after `change`
/// spoiled it, under its own request id.
fn signed_application(
    w: &World,
    name: &'static str,
    child: u32,
    change: impl FnOnce(&mut Submission),
) -> Case {
    let mut submission = application(AIGERIM, &child_iin(child));
    change(&mut submission);
    let body = signed_xml(&sign(
        &w.keystore(AIGERIM, "SIGN", "valid"),
        &xml_of(&submission),
    ));
    Case {
        request_id: Some(submission.envelope.request_id.clone()),
        ..case(name, Method::POST, "/applications", body)
    }
}

/// Every table the server writes a citizen's input to.
const TABLES: [&str; 7] = [
    "applications",
    "events",
    "queue_changes",
    "documents",
    "attachments",
    "idempotency",
    "bindings",
];

#[tokio::test]
async fn bad_input_is_problem_json_with_its_code_and_nothing_is_stored() {
    let w = world().await;
    let client = w.login(AIGERIM).await;
    let token = client.token().unwrap().to_owned();
    let before = w.rows(&TABLES).await;
    let submit = "/applications";
    let huge = "x".repeat(8 * 1024);
    let cases = vec![
        case("malformed JSON", Method::POST, submit, {
            Body::Raw("application/json", b"{\"signed_xml\": ".to_vec())
        })
        .refused(400, "malformed_json"),
        case("a JSON field of the wrong type", Method::POST, submit, {
            json(serde_json::json!({ "signed_xml": 5 }))
        })
        .refused(400, "invalid_input"),
        case(
            "malformed XML",
            Method::POST,
            submit,
            signed_xml("<application"),
        )
        .refused(400, "malformed_xml"),
        case(
            "a DOCTYPE with an entity",
            Method::POST,
            submit,
            signed_xml("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>"),
        )
        .refused(400, "dtd_refused"),
        signed_application(
            &w,
            "a signed document without its Idempotency-Key",
            1,
            |_| {},
        )
        .without_request_id()
        .refused(400, "missing_idempotency_key"),
        case("text/plain instead of JSON", Method::POST, submit, {
            Body::Raw("text/plain", b"{\"signed_xml\": \"<a/>\"}".to_vec())
        })
        .refused(415, "unsupported_media_type"),
        case("an XML body instead of JSON", Method::POST, submit, {
            Body::Raw("application/xml", b"<application/>".to_vec())
        })
        .refused(415, "unsupported_media_type"),
        case("an oversize JSON body", Method::POST, submit, {
            Body::Raw("application/json", vec![b' '; 2 * 1024 * 1024])
        })
        .refused(413, "payload_too_large"),
        signed_application(
            &w,
            "an invalid child IIN in the signed application",
            2,
            |s| s.draft.child.iin = "220315612151".to_owned(),
        )
        .refused(400, "invalid_iin"),
        case(
            "an invalid IIN in the path",
            Method::GET,
            "/registry/persons/220315612151",
            Body::Empty,
        )
        .refused(400, "invalid_iin"),
        case(
            "an invalid IIN in the body",
            Method::POST,
            "/profile/bindings",
            json(serde_json::json!({ "child_iin": "22031561215" })),
        )
        .refused(400, "invalid_iin"),
        case(
            "an invalid IIN in the query",
            Method::GET,
            "/public/queue?child_iin=2203156121",
            Body::Empty,
        )
        .refused(400, "invalid_iin"),
        case(
            "an application number that cannot be",
            Method::GET,
            "/applications/УО.2026.1/history",
            Body::Empty,
        )
        .refused(404, "application_not_found"),
        case(
            "an unknown action",
            Method::POST,
            "/applications/УО.2026.000001.1/actions/fly-away",
            signed_xml("<a/>"),
        )
        .refused(404, "not_found"),
        case(
            "a huge query parameter",
            Method::GET,
            &format!("/applications?text={huge}"),
            Body::Empty,
        )
        .refused(400, "invalid_input"),
        case(
            "a huge public query parameter",
            Method::GET,
            &format!("/public/queue?number={huge}"),
            Body::Empty,
        )
        .refused(400, "invalid_input"),
        case(
            "a public search without a number or IIN",
            Method::GET,
            "/public/queue",
            Body::Empty,
        )
        .refused(400, "invalid_input"),
        case(
            "an upload that is not multipart",
            Method::POST,
            "/attachments",
            json(serde_json::json!({ "file": "scan.pdf" })),
        )
        .refused(415, "unsupported_media_type"),
        case(
            "a text file named .pdf",
            Method::POST,
            "/attachments",
            Body::Upload("scan.pdf", b"hello, not a pdf".to_vec()),
        )
        .refused(400, "attachment_type"),
        case(
            "a scan over 10 MiB",
            Method::POST,
            "/attachments",
            Body::Upload("scan.pdf", {
                let mut pdf = b"%PDF-1.7\n".to_vec();
                pdf.resize(10 * 1024 * 1024 + 1, b'0');
                pdf
            }),
        )
        .refused(413, "payload_too_large"),
    ];
    let http = reqwest::Client::new();
    for case in cases {
        let url = format!("{}/api/v1{}", w.url(), case.path);
        let mut request = http.request(case.method, &url).bearer_auth(&token);
        if let Some(id) = &case.request_id {
            request = request.header("idempotency-key", id);
        }
        request = match case.body {
            Body::Empty => request,
            Body::Raw(content_type, bytes) => {
                request.header("content-type", content_type).body(bytes)
            }
            Body::Upload(name, bytes) => request.multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            )),
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers().get("content-type").cloned();
        let text = response.text().await.unwrap();
        assert_eq!(
            content_type.as_ref().and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{}: {status} {text}",
            case.name
        );
        let problem: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            (status, problem["code"].as_str()),
            (case.status, Some(case.code)),
            "{}: {text}",
            case.name
        );
        assert_eq!(problem["status"], case.status, "{}", case.name);
        assert_eq!(
            w.rows(&TABLES).await,
            before,
            "{} stored something",
            case.name
        );
    }
    // Content decides a scan's type, not its name (docs/domain-rules.md): a PNG named .pdf is a
    // PNG.
    let png = client
        .upload_attachment("scan.pdf", png_scan())
        .await
        .unwrap();
    assert_eq!(png.content_type, "image/png");
}
