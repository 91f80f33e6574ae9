//! The runner: carries out every [`Call`] a screen makes in a tokio task, and its result comes
//! back to the app as a [`Reply`] (see [`crate::tui::protocol`]).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use zeroize::Zeroizing;

use crate::api::applications::AttachmentUploaded;
use crate::api::documents::Document;
use crate::api::report::{ReportFormat, ReportQuery};
use crate::client::Client;
use crate::domain::ApplicationNumber;
use crate::pki::keystore::Keystore;
use crate::pki::xmldsig;
use crate::tui::keyring::{KeyringError, OsKeyring};
use crate::tui::protocol::{Call, CallError, ReceiptOutput, Reply, Sent, SignTask, SignedLogin};
use crate::tui::screens::officer;
use crate::tui::signing_key::{ChosenKey, Modules};

/// Carries out [`Call`]s; cheap to clone into each task.
#[derive(Clone)]
pub struct Runner {
    client: Arc<RwLock<Client>>,
    keyring: Option<Arc<OsKeyring>>,
    /// The token the keyring kept from the last run, tried once by [`Call::ResumeSession`]
    /// (never again: a later login screen comes after a logout).
    kept_token: Arc<std::sync::Mutex<Option<Zeroizing<String>>>>,
    /// Whether session tokens go to the keyring: not for the embedded backend, whose sessions
    /// are throw-away (each run may use a fresh data folder, and would leave an entry behind).
    keep_sessions: bool,
    /// The PKCS#11 modules of the device stores, loaded once each.
    modules: Arc<Modules>,
    /// The command receipts are printed with; the PDF goes to its standard input.
    printer: Arc<str>,
}

impl Runner {
    pub fn new(client: Client) -> Runner {
        Runner {
            client: Arc::new(RwLock::new(client)),
            keyring: None,
            kept_token: Arc::default(),
            keep_sessions: true,
            modules: Arc::default(),
            printer: Arc::from("lp"),
        }
    }

    /// Prints receipts with `command` (split at spaces; the PDF on its standard input).
    pub fn with_printer(self, command: String) -> Runner {
        Runner {
            printer: Arc::from(command),
            ..self
        }
    }

    /// The citizen an operator serves: the shared client's reads carry them.
    fn set_citizen(&self, citizen: Option<crate::domain::Iin>) {
        self.client
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .set_citizen(citizen);
    }

    /// Stops keeping session tokens in the keyring (the embedded backend's sessions).
    pub fn without_kept_sessions(self) -> Runner {
        Runner {
            keep_sessions: false,
            ..self
        }
    }

    /// Keeps the session token and keystore paths in `keyring`; `token`, kept by the last run,
    /// is offered once to [`Call::ResumeSession`].
    pub fn with_keyring(self, keyring: Arc<OsKeyring>, token: Option<Zeroizing<String>>) -> Runner {
        Runner {
            keyring: Some(keyring),
            kept_token: Arc::new(std::sync::Mutex::new(token)),
            ..self
        }
    }

    fn set_token(&self, token: Option<String>) {
        self.client
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .set_token(token);
    }

    /// Runs `work` with the keyring on a blocking thread (D-Bus and keyutils block); a failure
    /// is logged, never shown: the keyring is a convenience.
    async fn with_keyring_blocking(
        &self,
        work: impl FnOnce(&OsKeyring) -> Result<(), KeyringError> + Send + 'static,
    ) {
        let Some(keyring) = self.keyring.clone() else {
            return;
        };
        let outcome = tokio::task::spawn_blocking(move || work(&keyring)).await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "OS keyring call failed"),
            Err(e) => tracing::warn!(error = %e, "OS keyring task failed"),
        }
    }

    /// A copy of the client with the current session token (a cheap clone).
    fn client(&self) -> Client {
        self.client
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The kept session, if the server still accepts its token; a refused token is forgotten
    /// (expired, or logged out elsewhere) and the user logs in as usual.
    async fn resume_session(&self) -> Reply {
        let kept = self
            .kept_token
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some(token) = kept else {
            return Reply::Resumed(None);
        };
        let mut client = self.client();
        client.set_token(Some(token.as_str().to_owned()));
        match client.profile().await {
            Ok(profile) => {
                self.set_token(Some(token.as_str().to_owned()));
                Reply::Resumed(Some(profile))
            }
            Err(e) => {
                tracing::info!(error = %e, "kept session not resumed");
                self.with_keyring_blocking(OsKeyring::forget_session_token)
                    .await;
                Reply::Resumed(None)
            }
        }
    }

    /// Runs one request to completion.
    pub async fn run(&self, call: Call) -> Reply {
        match call {
            Call::Regions => Reply::Regions(self.client().regions().await.map_err(Into::into)),
            Call::Benefits => Reply::Benefits(self.client().benefits().await.map_err(Into::into)),
            Call::Kindergartens(query) => Reply::Kindergartens(
                self.client()
                    .kindergartens(&query)
                    .await
                    .map_err(Into::into),
            ),
            Call::Profile => Reply::Profile(self.client().profile().await.map_err(Into::into)),
            Call::RegistryPerson(iin) => {
                Reply::Person(self.client().registry_person(iin).await.map_err(Into::into))
            }
            Call::ChildCheck(iin) => Reply::ChildChecked {
                iin,
                result: self.client().child_check(iin).await.map_err(Into::into),
            },
            Call::OpenKeystore { path, password } => Reply::Keystore(
                tokio::task::spawn_blocking(move || {
                    Keystore::open_file(&path, password.expose()).map(Arc::new)
                })
                .await
                .expect("keystore task does not panic")
                .map_err(Into::into),
            ),
            Call::SignLogin { key } => Reply::LoginSigned(self.sign_login(key).await),
            Call::Login { signed_xml } => {
                let mut client = self.client();
                let result = client.login(&signed_xml).await;
                if let Ok(login) = &result {
                    self.set_token(Some(login.token.clone()));
                    if self.keep_sessions {
                        let token = Zeroizing::new(login.token.clone());
                        self.with_keyring_blocking(move |k| k.keep_session_token(&token))
                            .await;
                    }
                }
                Reply::LoggedIn(result.map_err(Into::into))
            }
            Call::Logout => {
                let mut client = self.client();
                if let Err(e) = client.logout().await {
                    tracing::info!(error = %e, "logout request failed; the token is dropped anyway");
                }
                self.set_token(None);
                self.set_citizen(None);
                self.with_keyring_blocking(OsKeyring::forget_session_token)
                    .await;
                Reply::LoggedOut
            }
            Call::ResumeSession => self.resume_session().await,
            Call::KeepRemembered(remembered) => {
                self.with_keyring_blocking(move |k| k.keep_remembered(&remembered))
                    .await;
                Reply::Kept
            }
            Call::SaveContacts(contacts) => Reply::ContactsSaved(
                self.client()
                    .update_contacts(&contacts)
                    .await
                    .map(|_| ())
                    .map_err(Into::into),
            ),
            Call::UploadAttachment(path) => {
                let result = self.upload(&path).await;
                Reply::Uploaded { path, result }
            }
            Call::SignAndSend { key, task } => Reply::Sent(self.sign_and_send(key, task).await),
            Call::Journal(query) => {
                let result = self.client().journal(&query).await.map_err(Into::into);
                Reply::Journal {
                    query: Box::new(query),
                    result,
                }
            }
            Call::Application(number) => Reply::Application(
                self.client()
                    .application(&number)
                    .await
                    .map(Box::new)
                    .map_err(Into::into),
            ),
            Call::History(number) => {
                Reply::History(self.client().history(&number).await.map_err(Into::into))
            }
            Call::Documents(number) => {
                Reply::Documents(self.client().documents(&number).await.map_err(Into::into))
            }
            Call::Positions(number) => Reply::Positions(
                self.client()
                    .position_history(&number)
                    .await
                    .map_err(Into::into),
            ),
            Call::Bindings => Reply::Bindings(self.client().bindings().await.map_err(Into::into)),
            Call::BindChild(iin) => {
                Reply::Bound(self.client().bind_child(iin).await.map_err(Into::into))
            }
            Call::PublicQueue(query) => {
                Reply::PublicQueue(self.client().public_queue(&query).await.map_err(Into::into))
            }
            Call::PublicStats(region) => Reply::PublicStats(
                self.client()
                    .public_stats(&region)
                    .await
                    .map_err(Into::into),
            ),
            Call::Download {
                number,
                document_id,
                path,
            } => Reply::Saved(self.download(&number, &document_id, path).await),
            Call::RegionReport(query) => Reply::RegionReport(
                self.client()
                    .region_report(&query)
                    .await
                    .map_err(Into::into),
            ),
            Call::ExportReport {
                query,
                format,
                path,
            } => Reply::Saved(self.export_report(&query, format, path).await),
            Call::TokenSlots { module } => {
                let modules = Arc::clone(&self.modules);
                Reply::TokenSlots(
                    tokio::task::spawn_blocking(move || modules.slots(&module))
                        .await
                        .expect("token task does not panic")
                        .map_err(Into::into),
                )
            }
            Call::OpenToken { module, slot, pin } => {
                let modules = Arc::clone(&self.modules);
                Reply::Token(
                    tokio::task::spawn_blocking(move || {
                        // The PIN is zeroized when `pin` drops at the end of this closure.
                        modules.open(&module, slot, pin.zeroizing()).map(Arc::new)
                    })
                    .await
                    .expect("token task does not panic")
                    .map_err(Into::into),
                )
            }
            Call::Inbox(query) => {
                Reply::Inbox(self.client().inbox(&query).await.map_err(Into::into))
            }
            Call::MarkRead(id) => Reply::MarkedRead {
                id,
                result: self.client().mark_read(id).await.map_err(Into::into),
            },
            Call::Messages(number) => Reply::Messages(
                self.client()
                    .application_messages(&number)
                    .await
                    .map_err(Into::into),
            ),
            Call::Officer(call) => Reply::Officer(officer::calls::run(call, self.client()).await),
            Call::StartService(iin) => {
                Reply::ServiceStarted(self.client().start_service(iin).await.map_err(Into::into))
            }
            Call::ConfirmCode { id, code } => {
                let mut client = self.client();
                let result = client.confirm_code(&id, code.expose()).await;
                if let Ok(service) = &result {
                    self.set_citizen(Some(service.citizen_iin));
                }
                Reply::CodeConfirmed(result.map_err(Into::into))
            }
            Call::CitizenCard(id) => Reply::CitizenCard(
                self.client()
                    .citizen_card(&id)
                    .await
                    .map(Box::new)
                    .map_err(Into::into),
            ),
            Call::EndService(id) => {
                self.set_citizen(None);
                let mut client = self.client();
                Reply::ServiceEnded(client.end_service(&id).await.map_err(Into::into))
            }
            Call::Receipt { id, number, output } => {
                Reply::ReceiptDone(self.receipt(&id, &number, output).await)
            }
            Call::CitizenBindings(id) => Reply::Bindings(
                self.client()
                    .citizen_bindings(&id)
                    .await
                    .map_err(Into::into),
            ),
            Call::BindForCitizen { id, child } => Reply::Bound(
                self.client()
                    .bind_citizen_child(&id, child)
                    .await
                    .map_err(Into::into),
            ),
            Call::OwnAudit => Reply::Audit(self.client().own_audit().await.map_err(Into::into)),
            Call::RegionAudit => {
                Reply::Audit(self.client().region_audit().await.map_err(Into::into))
            }
        }
    }

    /// The receipt, saved into a file (`Some(path)`) or printed (`None`).
    async fn receipt(
        &self,
        id: &str,
        number: &ApplicationNumber,
        output: ReceiptOutput,
    ) -> Result<Option<PathBuf>, CallError> {
        let download = self.client().receipt(id, number).await?;
        match output {
            ReceiptOutput::Save(path) => save(path, &download.bytes).await.map(Some),
            ReceiptOutput::Print => {
                let command = self.printer.clone();
                tokio::task::spawn_blocking(move || print(&command, &download.bytes))
                    .await
                    .expect("printing task does not panic")
                    .map(|()| None)
            }
        }
    }

    async fn sign_login(&self, key: ChosenKey) -> Result<SignedLogin, CallError> {
        let client = self.client();
        let (challenge, anchors) = tokio::join!(client.challenge(), client.trust_anchors());
        let challenge = challenge?;
        let anchors = anchors
            .inspect_err(
                |e| tracing::info!(error = %e, "trust anchors not fetched; no local check"),
            )
            .ok();
        tokio::task::spawn_blocking(move || {
            let (signed_xml, certificate) = key.with_signer(|signer| {
                let signed = xmldsig::sign_with(&challenge.xml, signer)?;
                Ok((signed, signer.certificate().clone()))
            })?;
            let subject = &certificate.info().subject;
            // The same chain check the server makes (revocation aside: the lists stay there).
            let untrusted = anchors.and_then(|anchors| {
                crate::pki::trust::TrustStore::new(anchors)
                    .check(&certificate, chrono::Utc::now())
                    .err()
            });
            Ok(SignedLogin {
                signed_xml,
                iin: subject.iin.clone().unwrap_or_default(),
                full_name: subject.common_name.clone().unwrap_or_default(),
                untrusted,
            })
        })
        .await
        .expect("signing task does not panic")
    }

    async fn upload(&self, path: &std::path::Path) -> Result<AttachmentUploaded, CallError> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|source| CallError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scan".to_owned());
        Ok(self.client().upload_attachment(&name, bytes).await?)
    }

    async fn sign_and_send(&self, key: ChosenKey, task: SignTask) -> Result<Sent, CallError> {
        // The signing time is now, not when the wizard was opened; the request id stays, so a
        // retry after a lost answer never makes two applications.
        let document = match &task {
            SignTask::Submit(submission) => {
                let mut submission = submission.as_ref().clone();
                submission.envelope.signed_at = chrono::Utc::now();
                Document::Application(Box::new(submission))
            }
            SignTask::Act(action) => {
                let mut action = action.clone();
                action.envelope.signed_at = chrono::Utc::now();
                Document::Action(action)
            }
            SignTask::Places(places) => {
                let mut places = places.clone();
                places.envelope.signed_at = chrono::Utc::now();
                Document::Places(places)
            }
            SignTask::Kindergarten(change) => {
                let mut change = change.clone();
                change.envelope.signed_at = chrono::Utc::now();
                Document::Kindergarten(change)
            }
        };
        let request_id = document
            .envelope()
            .map(|e| e.request_id.clone())
            .unwrap_or_default();
        let xml = document.to_xml();
        let signed_xml = tokio::task::spawn_blocking(move || {
            key.with_signer(|signer| Ok(xmldsig::sign_with(&xml, signer)?))
        })
        .await
        .expect("signing task does not panic")?;
        let client = self.client();
        match task {
            SignTask::Submit(_) => Ok(Sent::Submitted(
                client.submit_application(&request_id, &signed_xml).await?,
            )),
            SignTask::Act(action) if action.action.is_officer_action() => {
                Ok(Sent::Acted(Box::new(
                    client
                        .officer_act(
                            &action.number,
                            action.action.code(),
                            &request_id,
                            &signed_xml,
                        )
                        .await?,
                )))
            }
            SignTask::Act(action) => Ok(Sent::Acted(Box::new(
                client
                    .act(
                        &action.number,
                        action.action.code(),
                        &request_id,
                        &signed_xml,
                    )
                    .await?,
            ))),
            SignTask::Places(_) => Ok(Sent::Published(Box::new(
                client.publish_free_places(&request_id, &signed_xml).await?,
            ))),
            SignTask::Kindergarten(_) => Ok(Sent::KindergartenChanged(Box::new(
                client.change_kindergarten(&request_id, &signed_xml).await?,
            ))),
        }
    }

    async fn download(
        &self,
        number: &ApplicationNumber,
        document_id: &str,
        path: PathBuf,
    ) -> Result<PathBuf, CallError> {
        let download = self.client().download_document(number, document_id).await?;
        save(path, &download.bytes).await
    }

    /// Issue 13: the region report as CSV or XLSX, saved into `path`.
    async fn export_report(
        &self,
        query: &ReportQuery,
        format: ReportFormat,
        path: PathBuf,
    ) -> Result<PathBuf, CallError> {
        let bytes = self.client().region_report_file(query, format).await?;
        save(path, &bytes).await
    }
}

/// Sends `pdf` to the standard input of the printer `command` (split at spaces) and waits for
/// it; a failure to start or a non-zero exit is an error with what the command said.
fn print(command: &str, pdf: &[u8]) -> Result<(), CallError> {
    use std::io::Write;
    let failed = |reason: String| CallError::Print {
        command: command.to_owned(),
        reason,
    };
    let mut words = command.split_whitespace();
    let program = words.next().ok_or_else(|| failed("empty".to_owned()))?;
    let mut child = std::process::Command::new(program)
        .args(words)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(pdf).map_err(|e| failed(e.to_string()))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| failed(e.to_string()))?;
    if output.status.success() {
        Ok(())
    } else {
        let said = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        Err(failed(if said.is_empty() {
            output.status.to_string()
        } else {
            said
        }))
    }
}

/// Writes `bytes` into `path`, making its folder; answers where they went.
async fn save(path: PathBuf, bytes: &[u8]) -> Result<PathBuf, CallError> {
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|source| CallError::Write {
                path: path.clone(),
                source,
            })?;
    }
    match tokio::fs::write(&path, bytes).await {
        Ok(()) => Ok(path),
        Err(source) => {
            // Some file systems (FAT on a USB stick, old SMB shares) refuse Cyrillic names:
            // the same name in Latin letters is tried before giving up.
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let latin = name
                .as_deref()
                .map(crate::tui::format::latin_file_name)
                .filter(|latin| Some(latin.as_str()) != name.as_deref());
            if let Some(latin) = latin {
                let fallback = path.with_file_name(latin);
                if tokio::fs::write(&fallback, bytes).await.is_ok() {
                    return Ok(fallback);
                }
            }
            Err(CallError::Write { path, source })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake printer: a script that records what it is sent into the file it is given.
    fn fake_printer(folder: &std::path::Path) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let script = folder.join("fake-lp");
        std::fs::write(&script, "#!/bin/sh\ncat > \"$1\"\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        script
    }

    #[test]
    fn a_receipt_goes_to_the_printer_commands_input() {
        let folder = tempfile::tempdir().unwrap();
        let printed = folder.path().join("printed.pdf");
        let command = format!(
            "{} {}",
            fake_printer(folder.path()).display(),
            printed.display()
        );
        print(&command, b"%PDF-1.7 receipt").unwrap();
        assert_eq!(std::fs::read(&printed).unwrap(), b"%PDF-1.7 receipt");
    }

    #[test]
    fn a_printer_that_fails_or_is_missing_says_so() {
        let failed = print("false", b"%PDF-").unwrap_err();
        assert!(matches!(failed, CallError::Print { .. }), "{failed:?}");
        let missing = print("/nonexistent/lp -d desk", b"%PDF-").unwrap_err();
        assert!(
            matches!(&missing, CallError::Print { command, .. } if command.starts_with("/nonexistent")),
            "{missing:?}"
        );
        assert!(print("  ", b"%PDF-").is_err());
    }
}
