//! A log's address in PostgreSQL: `postgres://user@host:port/db?log=<log_id>` (also
//! `postgresql://`). The `log` parameter names the chain; every other parameter is the
//! client's own (`sslmode`, `connect_timeout`, `application_name`, `host=/socket/dir` ...).

use crate::audit::record::check_log_id;
use crate::audit::AuditError;

/// A parsed log address.
#[derive(Clone)]
pub(crate) struct StoreUrl {
    /// What the client connects with: the URL without `log`.
    pub config: postgres::Config,
    /// The log id (`log=`), if the URL names one.
    pub log: Option<String>,
    /// The URL without its password, for messages and `path()`.
    pub display: String,
}

impl std::fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display)
    }
}

impl StoreUrl {
    /// Parses `text`; the password never appears in `display` or in an error.
    pub(crate) fn parse(text: &str) -> Result<StoreUrl, AuditError> {
        let bad = |reason: String| AuditError::InvalidArgument { reason };
        let url = url::Url::parse(text).map_err(|e| bad(format!("not a postgres url: {e}")))?;
        let mut log = None;
        let mut rest = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url.query_pairs() {
            if k == "log" {
                if log.is_some() {
                    return Err(bad("the postgres url names two logs (log= twice)".into()));
                }
                check_log_id(&v).map_err(|r| bad(format!("log={v}: {r}")))?;
                log = Some(v.into_owned());
            } else {
                rest.append_pair(&k, &v);
            }
        }
        let rest = rest.finish();
        let mut plain = url.clone();
        plain.set_query(if rest.is_empty() { None } else { Some(&rest) });
        let mut display = plain.clone();
        if display.password().is_some() {
            let _ = display.set_password(None);
        }
        let mut display = display.to_string();
        if let Some(l) = &log {
            display.push(if rest.is_empty() { '?' } else { '&' });
            display.push_str("log=");
            display.push_str(&url::form_urlencoded::byte_serialize(l.as_bytes()).collect::<String>());
        }
        let mut config: postgres::Config =
            plain.as_str().parse().map_err(|e| bad(format!("bad postgres url {display}: {e}")))?;
        if config.get_application_name().is_none() {
            config.application_name("microgov");
        }
        if config.get_connect_timeout().is_none() {
            // An unreachable server fails the call instead of hanging it.
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        Ok(StoreUrl { config, log, display })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_parameter_names_the_chain_and_the_password_is_never_shown() {
        let u =
            StoreUrl::parse("postgres://app:s3cret@db.internal:5433/audit?sslmode=disable&log=tenant-acme").unwrap();
        assert_eq!(u.log.as_deref(), Some("tenant-acme"));
        assert_eq!(u.display, "postgres://app@db.internal:5433/audit?sslmode=disable&log=tenant-acme");
        assert_eq!(u.config.get_dbname(), Some("audit"));
        assert_eq!(u.config.get_password(), Some(&b"s3cret"[..]));
        use crate::audit::location::is_store_url;
        assert!(is_store_url("PostgreSQL://x/y") && is_store_url("postgres://x") && !is_store_url("audit.jsonl"));
    }

    #[test]
    fn bad_urls_are_invalid_arguments() {
        for bad in ["postgres://h/db?log=has%20space", "postgres://h/db?log=a&log=b", "postgres://h/db?nonsense=1"] {
            let e = StoreUrl::parse(bad).unwrap_err();
            assert_eq!(e.code(), "audit.invalid_argument", "{bad}");
        }
        assert_eq!(StoreUrl::parse("postgres://h/db").unwrap().log, None);
    }
}
