//! The demo keystores of `keystores-example/` as its `index.json` lists them: the load
//! generator logs in with them, tests find their keys through them, never by file name.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One keystore of the index.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DemoKeystore {
    /// Relative to the index's folder; see [`DemoKeystore::path`].
    pub file: PathBuf,
    pub person: String,
    pub iin: String,
    /// `parent`, `applicant`, `operator` or `officer`.
    pub role: String,
    /// `AUTH` or `SIGN`.
    pub usage: String,
    /// `openssl3`, `nca-legacy` or `nca-ber`.
    pub format: String,
    /// `valid`, `expired`, `revoked`, `forged` or `wrong_usage`.
    pub status: String,
    pub password: String,
    #[serde(skip)]
    folder: PathBuf,
}

impl DemoKeystore {
    pub fn path(&self) -> PathBuf {
        self.folder.join(&self.file)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoIndexError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} is not a keystore index: {reason}")]
    Parse { path: String, reason: String },
}

/// Reads `folder/index.json`.
pub fn load_index(folder: &Path) -> Result<Vec<DemoKeystore>, DemoIndexError> {
    let path = folder.join("index.json");
    let text = std::fs::read_to_string(&path).map_err(|e| DemoIndexError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut entries: Vec<DemoKeystore> =
        serde_json::from_str(&text).map_err(|e| DemoIndexError::Parse {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    for entry in &mut entries {
        entry.folder = folder.to_owned();
    }
    Ok(entries)
}

/// The valid OpenSSL 3 keystore of `usage` for the person with `iin`.
pub fn find<'a>(
    index: &'a [DemoKeystore],
    iin: &str,
    usage: &str,
    status: &str,
) -> Option<&'a DemoKeystore> {
    index
        .iter()
        .find(|k| k.iin == iin && k.usage == usage && k.status == status && k.format == "openssl3")
}
