//! The officer's requests: what the officer screens read from the server, a benefit scan
//! fetched and decoded for drawing, a saved file opened with the desktop's viewer. The app's
//! runner hands each [`OfficerCall`] to [`run`] in a tokio task (`effects::Call::Officer`); the
//! screens never call the client themselves.

use std::path::PathBuf;

use crate::api::officer::{
    BenefitReviewsPage, BenefitReviewsQuery, DirectionsPage, DirectionsQuery, KindergartenInfo,
    KindergartensQuery, OfferInfo, OffersQuery,
};
use crate::api::report::RejectionReasonInfo;
use crate::client::Client;
use crate::domain::ApplicationNumber;
use crate::tui::protocol::CallError;
use crate::tui::screens::officer::scan::Picture;

/// A request of an officer screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfficerCall {
    Kindergartens(KindergartensQuery),
    Offers(OffersQuery),
    Directions(DirectionsQuery),
    Reviews(BenefitReviewsQuery),
    /// The reasons a benefit document may be rejected with, named in the three languages.
    RejectionReasons,
    /// A scan of an application, decoded for drawing on a blocking thread.
    Scan {
        number: ApplicationNumber,
        document_id: String,
    },
    /// A saved file opened with the desktop's viewer (`xdg-open`, not waited for).
    OpenFile(PathBuf),
}

/// A scan as the review screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanView {
    Picture(Picture),
    /// Not a picture the client decodes (a PDF): saved or opened with the viewer only.
    Other {
        content_type: String,
    },
}

/// The answer to an [`OfficerCall`].
#[derive(Debug)]
pub enum OfficerReply {
    Kindergartens(Result<Vec<KindergartenInfo>, CallError>),
    Offers(Result<Vec<OfferInfo>, CallError>),
    /// The page asked for, with its query, so a page for older filters is recognised.
    Directions {
        query: Box<DirectionsQuery>,
        result: Result<DirectionsPage, CallError>,
    },
    Reviews(Result<BenefitReviewsPage, CallError>),
    RejectionReasons(Result<Vec<RejectionReasonInfo>, CallError>),
    Scan {
        document_id: String,
        result: Result<ScanView, CallError>,
    },
    Opened(Result<PathBuf, CallError>),
}

impl OfficerReply {
    /// Whether the answer is from local work (no request to the backend).
    pub fn is_local(&self) -> bool {
        matches!(self, OfficerReply::Opened(_))
    }

    /// The request's error, if it failed.
    pub fn error(&self) -> Option<&CallError> {
        match self {
            OfficerReply::Kindergartens(r) => r.as_ref().err(),
            OfficerReply::Offers(r) => r.as_ref().err(),
            OfficerReply::Directions { result, .. } => result.as_ref().err(),
            OfficerReply::Reviews(r) => r.as_ref().err(),
            OfficerReply::RejectionReasons(r) => r.as_ref().err(),
            OfficerReply::Scan { result, .. } => result.as_ref().err(),
            OfficerReply::Opened(r) => r.as_ref().err(),
        }
    }
}

/// The largest side a scan is kept at once decoded: more than any terminal shows in cells.
const SCAN_SIDE: u32 = 320;

/// Runs one officer request with `client` (carrying the session).
pub async fn run(call: OfficerCall, client: Client) -> OfficerReply {
    match call {
        OfficerCall::Kindergartens(query) => OfficerReply::Kindergartens(
            client
                .officer_kindergartens(&query)
                .await
                .map_err(Into::into),
        ),
        OfficerCall::Offers(query) => {
            OfficerReply::Offers(client.offers(&query).await.map_err(Into::into))
        }
        OfficerCall::Directions(query) => {
            let result = client.officer_directions(&query).await.map_err(Into::into);
            OfficerReply::Directions {
                query: Box::new(query),
                result,
            }
        }
        OfficerCall::Reviews(query) => OfficerReply::Reviews(
            client
                .officer_benefit_reviews(&query)
                .await
                .map_err(Into::into),
        ),
        OfficerCall::RejectionReasons => {
            OfficerReply::RejectionReasons(client.rejection_reasons().await.map_err(Into::into))
        }
        OfficerCall::Scan {
            number,
            document_id,
        } => {
            let result = match client.download_document(&number, &document_id).await {
                Ok(download) => Ok(tokio::task::spawn_blocking(move || {
                    match Picture::decode(&download.bytes, SCAN_SIDE) {
                        Some(picture) => ScanView::Picture(picture),
                        None => ScanView::Other {
                            content_type: download.content_type,
                        },
                    }
                })
                .await
                .expect("decoding task does not panic")),
                Err(e) => Err(e.into()),
            };
            OfficerReply::Scan {
                document_id,
                result,
            }
        }
        OfficerCall::OpenFile(path) => OfficerReply::Opened(open_with_viewer(path).await),
    }
}

/// Starts the desktop's viewer on `path` and leaves it running; only a failure to start it
/// is reported.
async fn open_with_viewer(path: PathBuf) -> Result<PathBuf, CallError> {
    const VIEWER: &str = "xdg-open";
    let started = tokio::process::Command::new(VIEWER)
        .arg(&path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match started {
        Ok(mut child) => {
            // Reaped in the background so no zombie is left; its exit status is the viewer's.
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
            Ok(path)
        }
        Err(source) => Err(CallError::Launch {
            program: VIEWER.to_owned(),
            source,
        }),
    }
}
