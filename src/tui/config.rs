//! The client's configuration file and folders (XDG): `$XDG_CONFIG_HOME/kezek/config.toml`,
//! the database in `$XDG_DATA_HOME/kezek/`, the log in `$XDG_STATE_HOME/kezek/kezek.log`.
//! Logs never go to the screen: it belongs to the TUI.
//!
//! ```toml
//! server = "https://kezek.example.kz"   # else the embedded backend
//! language = "kk"                        # kk, ru or en
//! key_folders = ["~/ЭЦП"]                # offered first by «Выбрать сертификат»
//! colours = true                         # NO_COLOR wins over this
//! mouse = false                          # capture breaks copy-paste, so off by default
//! images = true                          # scans with the terminal's graphics (kitty, iTerm2, sixel)
//! downloads = "~/Downloads"
//! demo_applications = 5000               # what the embedded backend seeds on its first run
//! server_ca = ["~/nca/root_rsa.pem"]     # roots trusted for the server, beside the OS store
//! [keys.wizard]                          # rebinds: screen id, binding name, keys
//! next = ["F10", "ctrl-n"]
//! [pkcs11]                               # the PKCS#11 module of each device store (README)
//! id_card = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
//! kaztoken = "/usr/lib/libkztokenp11.so"
//! [desk]                                 # the ЦОН desk (issue 12)
//! printer_command = "lp"                 # receipts go to its standard input as a PDF
//! ```
//!
//! `KEZEK_PKCS11_ID_CARD` and `KEZEK_PKCS11_KAZTOKEN` override the `[pkcs11]` paths.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rust_i18n::t;
use serde::Deserialize;

use crate::i18n::Lang;
use crate::pki::pkcs11::ModulePaths;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: Option<String>,
    pub language: Option<Lang>,
    pub key_folders: Vec<PathBuf>,
    pub colours: bool,
    pub mouse: bool,
    /// Ask the terminal for a graphics protocol at start and draw scans with it; half-blocks
    /// otherwise (`tui::graphics`).
    pub images: bool,
    pub downloads: Option<PathBuf>,
    /// Synthetic applications the embedded backend seeds on its first run: enough for a lively
    /// journal, few enough that the first start takes seconds.
    pub demo_applications: u32,
    /// Root certificates (PEM or DER) trusted for the server's TLS certificate beside the
    /// operating system's store: the national root CA that state services use is not in it.
    pub server_ca: Vec<PathBuf>,
    pub keys: HashMap<String, HashMap<String, Vec<String>>>,
    /// The PKCS#11 module of «Удостоверение личности» and of «Казтокен».
    pub pkcs11: ModulePaths,
    /// The ЦОН desk's settings.
    pub desk: DeskConfig,
}

/// The ЦОН desk's settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DeskConfig {
    /// The command a receipt is printed with (split at spaces; the PDF on its standard input).
    pub printer_command: String,
}

impl Default for DeskConfig {
    fn default() -> DeskConfig {
        DeskConfig {
            printer_command: "lp".to_owned(),
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            server: None,
            language: None,
            key_folders: Vec::new(),
            colours: true,
            mouse: false,
            images: true,
            downloads: None,
            demo_applications: 5_000,
            server_ca: Vec::new(),
            keys: HashMap::new(),
            pkcs11: ModulePaths::default(),
            desk: DeskConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no home directory")]
    NoHome,
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("cannot open the log {path}: {source}")]
    Log {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ConfigError {
    pub fn message(&self) -> String {
        match self {
            ConfigError::NoHome => t!("tui.error.no_home").into_owned(),
            ConfigError::Read { path, source } => t!(
                "tui.error.config_read",
                path = path.display(),
                reason = source
            )
            .into_owned(),
            ConfigError::Parse { path, source } => t!(
                "tui.error.config_parse",
                path = path.display(),
                reason = source.message()
            )
            .into_owned(),
            ConfigError::Log { path, source } => {
                t!("tui.error.log", path = path.display(), reason = source).into_owned()
            }
        }
    }
}

/// Where the client keeps its files.
#[derive(Debug, Clone)]
pub struct Dirs {
    pub config_file: PathBuf,
    pub data: PathBuf,
    pub state: PathBuf,
    pub downloads: PathBuf,
}

impl Dirs {
    /// The XDG folders of this user (the `XDG_*_HOME` variables are honoured).
    pub fn discover() -> Result<Dirs, ConfigError> {
        let project = directories::ProjectDirs::from("", "", "kezek").ok_or(ConfigError::NoHome)?;
        let downloads = directories::UserDirs::new()
            .and_then(|u| u.download_dir().map(Path::to_path_buf))
            .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()))
            .ok_or(ConfigError::NoHome)?;
        Ok(Dirs {
            config_file: project.config_dir().join("config.toml"),
            data: project.data_dir().to_path_buf(),
            state: project
                .state_dir()
                .unwrap_or_else(|| project.data_local_dir())
                .to_path_buf(),
            downloads,
        })
    }
}

impl Config {
    /// Reads the config file; a missing file is the default configuration.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source: Box::new(source),
        })
    }

    /// Key folders with a leading `~` expanded.
    pub fn key_folders(&self) -> Vec<PathBuf> {
        self.key_folders.iter().map(|p| expand_home(p)).collect()
    }
}

impl Config {
    /// The device stores' modules: the `[pkcs11]` table with `~` expanded, where the
    /// environment (`KEZEK_PKCS11_ID_CARD`, `KEZEK_PKCS11_KAZTOKEN`, read through `env`)
    /// overrides it; an empty variable leaves the store without a module.
    pub fn pkcs11_modules(&self, env: impl Fn(&str) -> Option<String>) -> ModulePaths {
        let pick = |configured: &Option<PathBuf>, variable: &str| match env(variable) {
            Some(value) if value.trim().is_empty() => None,
            Some(value) => Some(expand_home(Path::new(value.trim()))),
            None => configured.as_deref().map(expand_home),
        };
        ModulePaths {
            id_card: pick(&self.pkcs11.id_card, "KEZEK_PKCS11_ID_CARD"),
            kaztoken: pick(&self.pkcs11.kaztoken, "KEZEK_PKCS11_KAZTOKEN"),
        }
    }
}

/// `~/x` → `$HOME/x`; anything else unchanged.
pub fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), directories::BaseDirs::new()) {
        (Ok(rest), Some(base)) => base.home_dir().join(rest),
        _ => path.to_path_buf(),
    }
}

/// Sends `tracing` output to `<state>/kezek.log` (appending), filtered by `KEZEK_LOG`
/// (default `info`). Never to the terminal, which the TUI owns.
pub fn init_logging(state: &Path) -> Result<PathBuf, ConfigError> {
    let path = state.join("kezek.log");
    let log_error = |source| ConfigError::Log {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(state).map_err(log_error)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(log_error)?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEZEK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second initialisation (tests) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_setting_and_defaults_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "server = \"https://k.example\"\nlanguage = \"kk\"\nmouse = true\n[keys.wizard]\nnext = [\"F10\"]\n",
        )
        .unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!(config.server.as_deref(), Some("https://k.example"));
        assert_eq!(config.language, Some(Lang::Kk));
        assert!(config.mouse);
        assert!(config.colours);
        assert_eq!(config.keys["wizard"]["next"], vec!["F10".to_owned()]);
        assert_eq!(
            Config::load(&dir.path().join("none.toml")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn reads_the_pkcs11_modules_and_their_environment_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[pkcs11]\nid_card = \"/opt/card/p11.so\"\nkaztoken = \"/usr/lib/libkztokenp11.so\"\n",
        )
        .unwrap();
        let config = Config::load(&path).unwrap();
        let none = |_: &str| None;
        let modules = config.pkcs11_modules(none);
        assert_eq!(modules.id_card, Some(PathBuf::from("/opt/card/p11.so")));
        assert_eq!(
            modules.kaztoken,
            Some(PathBuf::from("/usr/lib/libkztokenp11.so"))
        );
        let env = |name: &str| match name {
            "KEZEK_PKCS11_KAZTOKEN" => Some("/usr/lib/softhsm/libsofthsm2.so".to_owned()),
            "KEZEK_PKCS11_ID_CARD" => Some(String::new()),
            _ => None,
        };
        let modules = config.pkcs11_modules(env);
        assert_eq!(
            modules.id_card, None,
            "an empty variable turns the store off"
        );
        assert_eq!(
            modules.kaztoken,
            Some(PathBuf::from("/usr/lib/softhsm/libsofthsm2.so"))
        );
        std::fs::write(&path, "[pkcs11]\nkaz_token = \"/x.so\"\n").unwrap();
        assert!(
            matches!(Config::load(&path), Err(ConfigError::Parse { .. })),
            "a misspelt store is refused, not ignored"
        );
    }

    #[test]
    fn rejects_unknown_settings_with_the_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "colour = false\n").unwrap();
        let err = Config::load(&path).unwrap_err();
        assert!(matches!(err, ConfigError::Parse { .. }));
        assert!(err.message().contains("config.toml"));
    }
}
