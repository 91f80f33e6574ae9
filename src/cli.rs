//! The command line: argument definitions, translated `--help`, exit codes.
//!
//! Exit codes: 0 success, 1 a check failed (invalid signature, wrong password), 2 bad usage or
//! unreadable input. Every handler returns a [`Failure`] instead of panicking.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use rust_i18n::t;

use crate::i18n::Lang;

mod client;
mod keystore;
mod loadgen;
mod log;
mod migrate;
mod outbox;
mod password;
mod screenshots;
mod serve;
mod xml;

#[derive(Debug, Parser)]
#[command(name = "kezek", version, about = "Kezek", propagate_version = true)]
pub struct Cli {
    /// Talk to a remote backend instead of starting the embedded one.
    #[arg(long, global = true, value_name = "URL")]
    pub server: Option<String>,
    /// Language of messages: kk, ru or en.
    #[arg(long, global = true, value_name = "LANG", value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// A root certificate (PEM or DER) trusted for the server besides the OS store; repeatable.
    #[arg(long, global = true, value_name = "FILE")]
    pub server_ca: Vec<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Keystore (PKCS#12) tools.
    #[command(subcommand)]
    Keystore(KeystoreCommand),
    /// XML signature tools.
    #[command(subcommand)]
    Xml(XmlCommand),
    /// Run the backend: the HTTP API over SQLite.
    Serve(ServeArgs),
    /// Load the backend with signed submissions from many clients and report the rate.
    Loadgen(LoadgenArgs),
    /// Draw the main screens with demo data into SVG pictures.
    Screenshots(ScreenshotsArgs),
    /// History (event log) tools.
    #[command(subcommand)]
    Log(LogCommand),
    /// The outbox of notifications and one-time codes.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Move a city's data from SQLite into an empty PostgreSQL database.
    Migrate(MigrateArgs),
}

// --- the ЦОН desk (issue 12) ---

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List the outbox's messages, newest first.
    List(OutboxListArgs),
}

#[derive(Debug, Args)]
pub struct OutboxListArgs {
    /// The database (sqlite://path or a path).
    #[arg(long, value_name = "URL")]
    pub db: String,
    /// Only the messages to this phone number.
    #[arg(long, value_name = "PHONE")]
    pub to: Option<String>,
    /// At most this many messages.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct ScreenshotsArgs {
    /// The folder to write the pictures into.
    #[arg(long, value_name = "DIR", default_value = "screenshots")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// From: the SQLite database (sqlite://path or a path).
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// To: an empty PostgreSQL database (postgres://…).
    #[arg(long, value_name = "URL")]
    pub to: String,
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Check the SHA-256 chain of every region's history; exit 1 at the first bad event.
    Verify(LogVerifyArgs),
}

#[derive(Debug, Args)]
pub struct LogVerifyArgs {
    /// The database (sqlite://path or a path).
    #[arg(long, value_name = "URL")]
    pub db: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080, or the configuration's).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// The SQLite database file or sqlite:// URL.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// The configuration file (TOML).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Seed the demo catalogue, registry, roles and applications once; trust the demo CA.
    #[arg(long)]
    pub demo: bool,
    /// How many synthetic applications --demo seeds.
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    pub demo_applications: u32,
    // --- issue 14 (notices) ---
    /// Send e-mail through this SMTP server (`smtp://host:port`, `smtps://…`, with
    /// `user:password@`), as `[notifications] smtp` does.
    #[arg(long, value_name = "URL")]
    pub smtp: Option<String>,
    /// Send SMS to this HTTP JSON provider, as `[notifications] sms_url` does.
    #[arg(long, value_name = "URL")]
    pub sms_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoadgenArgs {
    /// The folder of demo keystores with its index.json (keystores-example).
    #[arg(long, value_name = "DIR")]
    pub keystores: PathBuf,
    /// Concurrent clients.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub clients: usize,
    /// How long to submit, in seconds.
    #[arg(long, value_name = "S", default_value_t = 10)]
    pub duration: u64,
    /// Of every hundred signed writes, how many are actions (withdrawals of applications the
    /// clients register before the clock starts) rather than new applications.
    #[arg(long, value_name = "PERCENT", default_value_t = 10)]
    pub actions: u8,
    /// Another server of the same deployment (one database); repeatable. The clients are
    /// spread over `--server` and these in turn, sharing one session.
    #[arg(long = "also", value_name = "URL")]
    pub also: Vec<String>,
    /// How many applications to sign, and citizens to serve, before the clock starts (default
    /// 2 000 for each second of --duration); a client that runs out stops early, and the report
    /// says so.
    #[arg(long, value_name = "N")]
    pub prepare: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum KeystoreCommand {
    /// Show the keys of a PKCS#12 file as the key window does.
    Inspect(InspectArgs),
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The PKCS#12 file (.p12 or .pfx).
    #[arg(
        value_name = "FILE",
        required_unless_present = "pkcs11",
        conflicts_with = "pkcs11"
    )]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub password: PasswordArgs,
    #[command(flatten)]
    pub token: TokenArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A key on an ID card or token: the PKCS#11 module, the slot and where the PIN comes from.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The PKCS#11 module (a .so path) of the ID card reader or token.
    #[arg(long, value_name = "MODULE")]
    pub pkcs11: Option<PathBuf>,
    /// The slot of the token (default: the only slot holding one).
    #[arg(long, value_name = "N", requires = "pkcs11")]
    pub slot: Option<u64>,
    /// Read the token's PIN from this file (else KEZEK_PIN, else a prompt).
    #[arg(long, value_name = "FILE", requires = "pkcs11")]
    pub pin_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// Read the keystore password from this file (else KEZEK_KEYSTORE_PASSWORD, else a prompt).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum XmlCommand {
    /// Sign an XML document with an enveloped XMLDSig as NCALayer does.
    Sign(SignArgs),
    /// Verify the enveloped XML signature of a document.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The PKCS#12 keystore holding the signing key.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "pkcs11",
        conflicts_with = "pkcs11"
    )]
    pub keystore: Option<PathBuf>,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// The alias of the key to sign with (default: the only key).
    #[arg(long, value_name = "ALIAS", conflicts_with = "pkcs11")]
    pub alias: Option<String>,
    #[command(flatten)]
    pub token: TokenArgs,
    /// The token key to sign with, by label or hex CKA_ID (default: the only key).
    #[arg(long, value_name = "LABEL|ID", requires = "pkcs11")]
    pub key: Option<String>,
    /// The document to sign (default: standard input).
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
    /// Where to write the signed document (default: standard output).
    #[arg(short, long, value_name = "OUTPUT")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A trusted root or intermediate certificate (PEM or DER); repeatable.
    #[arg(long = "ca", value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// A certificate revocation list (PEM or DER); repeatable.
    #[arg(long = "crl", value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// Check validity at this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Check only the signature, not the certificate chain.
    #[arg(long)]
    pub no_chain: bool,
    /// Accept rsa-sha1 signatures and sha1 digests (old documents); refused by default.
    #[arg(long)]
    pub allow_sha1: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The signed document (default: standard input).
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
}

fn parse_lang(text: &str) -> Result<Lang, String> {
    Lang::parse(text).ok_or_else(|| t!("cli.error.lang", value = text).into_owned())
}

/// How a command ended, as the process exit code says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    CheckFailed = 1,
    BadInput = 2,
}

/// A command that could not do its work: a translated message for standard error and its code.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn check_failed(message: impl Into<String>) -> Failure {
        Failure {
            exit: Exit::CheckFailed,
            message: message.into(),
        }
    }

    pub fn bad_input(message: impl Into<String>) -> Failure {
        Failure {
            exit: Exit::BadInput,
            message: message.into(),
        }
    }
}

pub type Outcome = Result<Exit, Failure>;

/// Replaces the English doc-comment help of every command and argument with the translation
/// under `cli.<command path>.about` and `cli.<command path>.<argument id>`, where one exists,
/// and clap's own English («Usage:», «Commands:», «Options:», «Print help») with `cli.clap.*`.
fn localize(mut cmd: clap::Command, path: &str) -> clap::Command {
    if let Some(about) = translation(&format!("cli.{path}.about")) {
        cmd = cmd.about(about);
    }
    cmd = clap_in_language(cmd);
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        if let Some(help) = translation(&format!("cli.{path}.{id}")) {
            cmd = cmd.mut_arg(&id, |a| a.help(help));
        }
        let heading = if cmd
            .get_arguments()
            .any(|a| a.get_id() == id.as_str() && a.is_positional())
        {
            t!("cli.clap.arguments")
        } else {
            t!("cli.clap.options")
        };
        cmd = cmd.mut_arg(&id, |a| a.help_heading(heading.into_owned()));
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let sub_path = format!("{path}.{name}");
        cmd = cmd.mut_subcommand(name, |s| localize(s, &sub_path));
    }
    translated_usage(cmd, path)
}

/// The usage line with clap's «[OPTIONS]» in the current language, under the command's full
/// name (`kezek keystore inspect`), for the help and for usage errors alike.
fn translated_usage(mut cmd: clap::Command, path: &str) -> clap::Command {
    let rendered = cmd.clone().render_usage().to_string();
    let Some((_, usage)) = rendered.split_once(": ") else {
        return cmd;
    };
    let rest = usage.split_once(' ').map_or("", |(_, rest)| rest);
    let usage = format!(
        "{} {}",
        path.replace('.', " "),
        rest.replace("[OPTIONS]", &t!("cli.clap.options_value"))
    );
    cmd = cmd.override_usage(usage.trim_end().to_owned());
    cmd
}

/// clap's template, headings and built-in flags in the current language: the help and version
/// flags are replaced by our own with translated descriptions (same `-h/--help`, `-V/--version`),
/// and the `help` subcommand, whose text clap keeps in English, gives way to `--help`.
fn clap_in_language(cmd: clap::Command) -> clap::Command {
    use clap::{Arg, ArgAction};
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
        t!("cli.clap.usage")
    );
    cmd.help_template(template)
        .subcommand_help_heading(t!("cli.clap.commands").into_owned())
        .subcommand_value_name(t!("cli.clap.command").into_owned())
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .version(env!("CARGO_PKG_VERSION"))
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(t!("cli.clap.help").into_owned()),
        )
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(t!("cli.clap.version").into_owned()),
        )
}

/// A usage error in the user's language: what is wrong, the usage line and where to read more;
/// `None` for help and version (not errors) and for kinds clap alone can word.
fn usage_error(error: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind: ContextKind| {
        error.get(kind).map(|value| match value {
            ContextValue::String(text) => text.clone(),
            ContextValue::Strings(texts) => texts.join(", "),
            ContextValue::StyledStr(text) => text.to_string(),
            other => other.to_string(),
        })
    };
    let arg = context(ContextKind::InvalidArg).unwrap_or_default();
    let message = match error.kind() {
        ErrorKind::UnknownArgument => t!("cli.clap.error.unknown_argument", arg = arg),
        ErrorKind::InvalidSubcommand => t!(
            "cli.clap.error.unknown_command",
            command = context(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::MissingRequiredArgument => t!("cli.clap.error.missing", arg = arg),
        ErrorKind::MissingSubcommand => t!("cli.clap.error.missing_command"),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let value = context(ContextKind::InvalidValue).unwrap_or_default();
            // `--lang`'s parser already explains in the user's language.
            match std::error::Error::source(error) {
                Some(reason) => t!(
                    "cli.clap.error.invalid_value_because",
                    value = value,
                    arg = arg,
                    reason = reason
                ),
                None => t!("cli.clap.error.invalid_value", value = value, arg = arg),
            }
        }
        ErrorKind::ArgumentConflict => t!(
            "cli.clap.error.conflict",
            arg = arg,
            other = context(ContextKind::PriorArg).unwrap_or_default()
        ),
        ErrorKind::TooManyValues => {
            t!("cli.clap.error.too_many", arg = arg)
        }
        _ => return None,
    };
    let usage = context(ContextKind::Usage)
        .map(|usage| {
            let usage = usage.trim();
            let usage = usage.split_once(": ").map_or(usage, |(_, rest)| rest);
            format!("\n\n{} {usage}", t!("cli.clap.usage"))
        })
        .unwrap_or_default();
    Some(format!(
        "kezek: {message}{usage}\n\n{}",
        t!("cli.clap.error.more")
    ))
}

/// The translation of `key` in the current language, or `None` when no file has it.
pub fn translation(key: &str) -> Option<String> {
    let text = t!(key);
    (text != key && !text.ends_with(key)).then(|| text.into_owned())
}

/// The process entry point: parse, run, print the failure, return the exit code.
pub fn main() -> ExitCode {
    let lang = std::env::args()
        .skip_while(|a| a != "--lang")
        .nth(1)
        .and_then(|v| Lang::parse(&v))
        .unwrap_or_else(Lang::from_env);
    lang.activate();
    let command = localize(Cli::command(), "kezek");
    let cli = match command
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with code 0, usage errors with code 2;
            // its own words for usage errors are English, ours are in the user's language.
            match usage_error(&e) {
                Some(message) => eprintln!("{message}"),
                None => {
                    let _ = e.print();
                }
            }
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    match run(cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(failure) => {
            eprintln!("kezek: {}", failure.message);
            ExitCode::from(failure.exit as u8)
        }
    }
}

fn run(cli: Cli) -> Outcome {
    match cli.command {
        Some(Command::Keystore(KeystoreCommand::Inspect(args))) => keystore::inspect(args),
        Some(Command::Xml(XmlCommand::Sign(args))) => xml::sign(args),
        Some(Command::Xml(XmlCommand::Verify(args))) => xml::verify(args),
        Some(Command::Serve(args)) => serve::serve(args),
        Some(Command::Loadgen(args)) => loadgen::loadgen(cli.server, args),
        Some(Command::Screenshots(args)) => screenshots::run(args),
        Some(Command::Log(LogCommand::Verify(args))) => log::verify(args),
        Some(Command::Outbox(OutboxCommand::List(args))) => outbox::list(args),
        Some(Command::Migrate(args)) => migrate::migrate(args),
        None => client::run(crate::tui::Options {
            server: cli.server,
            lang: cli.lang,
            server_ca: cli.server_ca,
        }),
    }
}
