//! Settings: defaults that run on a laptop, an optional TOML file, and `KYNNYS_*` environment
//! overrides (the environment wins). Validated once at start; passed by value, never global.

use crate::ServerError;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use kynnys_store::DatabaseUrl;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use url::Url;

pub const DEFAULT_DATA_DIR: &str = "./data";
pub const DEFAULT_INDEX_DIR: &str = "./search-index/data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_SMTP_URL: &str = "smtp://127.0.0.1:1025";
pub const DATABASE_FILE: &str = "kynnys.db";

/// The settings a `kynnys` process runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub data_dir: PathBuf,
    pub index_dir: PathBuf,
    pub listen: SocketAddr,
    /// The address users reach this service at (links in mails and pages).
    pub public_url: Url,
    pub smtp_url: Url,
    /// Take client addresses from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
    /// Login, registration and password-reset attempts per minute, per client and per account.
    pub auth_rate_per_minute: std::num::NonZeroU32,
    /// Sender of every mail, e.g. `kynnys <no-reply@kynnys.example.fi>`.
    pub mail_from: String,
    /// When digests go out (Europe/Helsinki).
    pub digest: crate::digest::DigestSchedule,
    /// Threads one search runs on (its segments and its page side by side); `None` is one per
    /// core, at most four.
    pub search_threads: Option<std::num::NonZeroUsize>,
}

/// Keys as they appear in the file (`database_url = "…"`) and, upper-cased with the `KYNNYS_`
/// prefix, in the environment.
const KEYS: [&str; 13] = [
    "database_url",
    "data_dir",
    "index_dir",
    "listen",
    "public_url",
    "smtp_url",
    "trust_forwarded_for",
    "auth_rate_per_minute",
    "mail_from",
    "digest_weekday",
    "digest_time",
    "digest_send_empty",
    "search_threads",
];

/// Default of `auth_rate_per_minute`.
pub const DEFAULT_AUTH_RATE_PER_MINUTE: u32 = 10;

/// Every setting as text, however the file or the environment typed it (`10`, `true` and
/// `"10"` alike); each is parsed and checked by [`Settings::from_raw`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    #[serde(default, deserialize_with = "scalar_text")]
    database_url: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    data_dir: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    index_dir: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    listen: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    public_url: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    smtp_url: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    trust_forwarded_for: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    auth_rate_per_minute: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    mail_from: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    digest_weekday: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    digest_time: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    digest_send_empty: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    search_threads: Option<String>,
}

/// A setting's value as written: text, a number or a flag.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Whole(i64),
    Number(f64),
    Flag(bool),
}

fn scalar_text<'de, D: serde::Deserializer<'de>>(value: D) -> Result<Option<String>, D::Error> {
    Ok(
        Option::<Scalar>::deserialize(value)?.map(|scalar| match scalar {
            Scalar::Text(text) => text,
            Scalar::Whole(n) => n.to_string(),
            Scalar::Number(x) => x.to_string(),
            Scalar::Flag(b) => b.to_string(),
        }),
    )
}

fn invalid(key: &str, value: &str, reason: impl std::fmt::Display) -> ServerError {
    ServerError::Config(format!(
        "{} (KYNNYS_{}) = {value:?}: {reason}",
        key,
        key.to_ascii_uppercase()
    ))
}

impl Settings {
    /// Reads the optional file and the process environment.
    pub fn load(config_file: Option<&Path>) -> Result<Self, ServerError> {
        Self::load_from(config_file, Env::prefixed("KYNNYS_").only(&KEYS))
    }

    fn load_from(config_file: Option<&Path>, env: Env) -> Result<Self, ServerError> {
        let mut figment = Figment::new();
        if let Some(path) = config_file {
            if !path.is_file() {
                return Err(ServerError::Config(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file(path));
        }
        let raw: RawSettings = figment
            .merge(env)
            .extract()
            .map_err(|e| ServerError::Config(e.to_string()))?;
        Self::from_raw(raw)
    }

    fn from_raw(raw: RawSettings) -> Result<Self, ServerError> {
        let data_dir = PathBuf::from(raw.data_dir.unwrap_or_else(|| DEFAULT_DATA_DIR.to_owned()));
        let database_url = match raw.database_url {
            Some(value) => value
                .parse::<DatabaseUrl>()
                .map_err(|e| invalid("database_url", &value, e))?,
            None => DatabaseUrl::Sqlite(data_dir.join(DATABASE_FILE)),
        };
        let index_dir = PathBuf::from(
            raw.index_dir
                .unwrap_or_else(|| DEFAULT_INDEX_DIR.to_owned()),
        );
        let listen_text = raw.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen: SocketAddr = listen_text.parse().map_err(|e| {
            invalid(
                "listen",
                &listen_text,
                format!("{e} (expected e.g. 127.0.0.1:8080)"),
            )
        })?;
        let public_text = raw
            .public_url
            .unwrap_or_else(|| format!("http://{listen}/"));
        let public_url =
            Url::parse(&public_text).map_err(|e| invalid("public_url", &public_text, e))?;
        if !matches!(public_url.scheme(), "http" | "https") || public_url.host().is_none() {
            return Err(invalid(
                "public_url",
                &public_text,
                "must be an http(s) URL with a host",
            ));
        }
        let smtp_text = raw.smtp_url.unwrap_or_else(|| DEFAULT_SMTP_URL.to_owned());
        let smtp_url =
            Url::parse(&smtp_text).map_err(|e| invalid("smtp_url", &redact_url(&smtp_text), e))?;
        if !matches!(smtp_url.scheme(), "smtp" | "smtps") || smtp_url.host().is_none() {
            return Err(invalid(
                "smtp_url",
                &redact_url(&smtp_text),
                "must be smtp://host[:port] or smtps://host[:port]",
            ));
        }
        let flag = |key: &str, value: Option<&str>| match value {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(invalid(key, other, "must be true or false")),
        };
        let trust_forwarded_for = flag("trust_forwarded_for", raw.trust_forwarded_for.as_deref())?;
        let host = match public_url.host() {
            Some(url::Host::Domain(domain)) => domain.to_owned(),
            _ => "localhost".to_owned(),
        };
        let mail_from = raw
            .mail_from
            .unwrap_or_else(|| format!("kynnys <no-reply@{host}>"));
        if !mail_from.contains('@') {
            return Err(invalid(
                "mail_from",
                &mail_from,
                "must be an address, e.g. kynnys <no-reply@example.fi>",
            ));
        }
        let mut digest = crate::digest::DigestSchedule::default();
        if let Some(day) = raw.digest_weekday {
            digest.weekday = day
                .parse()
                .map_err(|_| invalid("digest_weekday", &day, "a weekday, e.g. mon"))?;
        }
        if let Some(time) = raw.digest_time {
            digest.time = chrono::NaiveTime::parse_from_str(&time, "%H:%M")
                .map_err(|e| invalid("digest_time", &time, format!("{e} (HH:MM)")))?;
        }
        digest.send_empty = flag("digest_send_empty", raw.digest_send_empty.as_deref())?;
        let auth_rate_per_minute = match raw.auth_rate_per_minute {
            None => std::num::NonZeroU32::new(DEFAULT_AUTH_RATE_PER_MINUTE)
                .unwrap_or(std::num::NonZeroU32::MIN),
            Some(text) => text.parse().map_err(|e| {
                invalid(
                    "auth_rate_per_minute",
                    &text,
                    format!("{e} (a whole number above 0)"),
                )
            })?,
        };
        let search_threads = raw
            .search_threads
            .map(|text| {
                text.parse().map_err(|e| {
                    invalid(
                        "search_threads",
                        &text,
                        format!("{e} (a whole number above 0)"),
                    )
                })
            })
            .transpose()?;
        Ok(Self {
            database_url,
            data_dir,
            index_dir,
            listen,
            public_url,
            smtp_url,
            trust_forwarded_for,
            auth_rate_per_minute,
            mail_from,
            digest,
            search_threads,
        })
    }
}

/// Hides a password in a URL before it is shown.
fn redact_url(text: &str) -> String {
    match Url::parse(text) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> Result<Settings, ServerError> {
        let mut figment = Figment::new();
        for (k, v) in pairs {
            figment = figment.merge((*k, *v));
        }
        Settings::from_raw(figment.extract().unwrap())
    }

    #[test]
    fn defaults_run_on_a_laptop() {
        let s = raw(&[]).unwrap();
        assert_eq!(
            s.database_url,
            DatabaseUrl::Sqlite(PathBuf::from("./data/kynnys.db"))
        );
        assert_eq!(s.index_dir, PathBuf::from("./search-index/data"));
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(s.search_threads, None);
    }

    #[test]
    fn search_threads_is_a_whole_number_above_zero() {
        let s = raw(&[("search_threads", "1")]).unwrap();
        assert_eq!(s.search_threads.map(|n| n.get()), Some(1));
        for bad in ["0", "-2", "two"] {
            let err = raw(&[("search_threads", bad)]).unwrap_err().to_string();
            assert!(err.contains("KYNNYS_SEARCH_THREADS"), "{err}");
        }
    }

    #[test]
    fn the_data_dir_moves_the_default_database() {
        let s = raw(&[("data_dir", "/var/lib/kynnys")]).unwrap();
        assert_eq!(
            s.database_url,
            DatabaseUrl::Sqlite(PathBuf::from("/var/lib/kynnys/kynnys.db"))
        );
    }

    #[test]
    fn invalid_values_name_the_setting() {
        let err = raw(&[("listen", "localhost")]).unwrap_err().to_string();
        assert!(err.contains("KYNNYS_LISTEN"), "{err}");
        let err = raw(&[("database_url", "mysql://x/y")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("KYNNYS_DATABASE_URL"), "{err}");
        let err = raw(&[("smtp_url", "http://user:pw@mail")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("KYNNYS_SMTP_URL") && !err.contains("pw"),
            "{err}"
        );
        let err = raw(&[("public_url", "not a url")]).unwrap_err().to_string();
        assert!(err.contains("KYNNYS_PUBLIC_URL"), "{err}");
    }

    #[test]
    fn a_config_file_is_read_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kynnys.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/k\"\n").unwrap();
        let s = Settings::load_from(Some(&file), Env::prefixed("KYNNYS_TEST_UNUSED_")).unwrap();
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
        std::fs::write(&file, "lissen = \"0.0.0.0:9000\"\n").unwrap();
        let err =
            Settings::load_from(Some(&file), Env::prefixed("KYNNYS_TEST_UNUSED_")).unwrap_err();
        assert!(err.to_string().contains("lissen"), "{err}");
        let missing = Settings::load_from(Some(&dir.path().join("nope.toml")), Env::prefixed("X_"));
        assert!(missing.is_err());
    }

    #[test]
    fn numbers_and_flags_are_settings_whether_quoted_or_not() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kynnys.toml");
        std::fs::write(
            &file,
            "auth_rate_per_minute = 20\ntrust_forwarded_for = true\nsearch_threads = \"3\"\n",
        )
        .unwrap();
        let s = Settings::load_from(Some(&file), Env::prefixed("KYNNYS_TEST_UNUSED_")).unwrap();
        assert_eq!(s.auth_rate_per_minute.get(), 20);
        assert!(s.trust_forwarded_for);
        assert_eq!(s.search_threads.map(|n| n.get()), Some(3));
        std::fs::write(&file, "search_threads = 1.5\n").unwrap();
        let err =
            Settings::load_from(Some(&file), Env::prefixed("KYNNYS_TEST_UNUSED_")).unwrap_err();
        assert!(err.to_string().contains("KYNNYS_SEARCH_THREADS"), "{err}");
    }
}
