//! Where secrets may go. An endpoint or token URL must be `https://` (plain `http://` only on
//! loopback, for local tests), and one that comes from a template, a file shared between
//! people, must be a Relatics host, loopback, or a host the user trusts by name
//! (`RELSYNC_TRUSTED_HOSTS`): otherwise a template could send the API key anywhere.

use std::path::Path;

use anyhow::bail;

/// The domains Relatics serves from.
const RELATICS_DOMAINS: [&str; 2] = ["relatics.com", "relaticsonline.com"];

/// The variable that lists further hosts a template may name.
pub const TRUSTED_HOSTS_VAR: &str = "RELSYNC_TRUSTED_HOSTS";

/// `localhost`, `*.localhost`, `127.0.0.0/8` and `::1`.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Checks that `url` is https, or http on a loopback host; returns it parsed.
pub fn check_url(url: &str, what: &str) -> anyhow::Result<url::Url> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| anyhow::anyhow!("the {what} '{url}' is not a URL ({e})"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        bail!("the {what} must not hold a user name or password; relsync sends credentials itself");
    }
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => bail!(
            "the {what} '{url}' uses plain http, which would send the token unencrypted; use https:// \
             (plain http is only allowed for 127.0.0.1, localhost and [::1])"
        ),
        other => bail!("the {what} '{url}' must be an https:// URL, not {other}:"),
    }
}

/// Hosts the user trusts besides Relatics' own: `RELSYNC_TRUSTED_HOSTS`, separated by commas
/// or spaces; `*.example.com` (or `.example.com`) trusts every host under that domain (not
/// `example.com` itself, which can be listed as well).
fn user_trusted() -> Vec<String> {
    std::env::var(TRUSTED_HOSTS_VAR)
        .unwrap_or_default()
        .split([',', ' ', ';'])
        .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

fn under(host: &str, domain: &str) -> bool {
    host == domain || host.strip_suffix(domain).is_some_and(|rest| rest.ends_with('.'))
}

/// May a template name `url`? Relatics' domains, loopback, and the user's trusted hosts.
pub fn template_may_name(url: &url::Url) -> bool {
    if is_loopback(url) {
        return true;
    }
    let Some(host) = url.host_str().map(|h| h.trim_end_matches('.').to_ascii_lowercase()) else {
        return false;
    };
    if RELATICS_DOMAINS.iter().any(|d| under(&host, d)) {
        return true;
    }
    trusted_by(&host, &user_trusted())
}

/// Is `host` one of `trusted` (host names, or `*.domain` for the hosts under a domain)?
fn trusted_by(host: &str, trusted: &[String]) -> bool {
    trusted
        .iter()
        .any(|t| match t.strip_prefix("*.").or_else(|| t.strip_prefix('.')) {
            // A wildcard trusts the hosts under the domain, not the domain itself.
            Some(domain) => host != domain && under(host, domain),
            None => host == t,
        })
}

/// Refuses a URL from a template whose host the user has not trusted; `flag` and `var` say
/// where it may come from instead.
pub fn ensure_template_may_name(
    url: &url::Url,
    template: &Path,
    key: &str,
    flag: &str,
    var: &str,
) -> anyhow::Result<()> {
    ensure_shared_may_name(
        url,
        &format!("{key} in the template {}", template.display()),
        "template",
        &format!("Give the URL with {flag} or {var}, or trust"),
    )
}

/// The same rule for a URL from any shared file (a template, a project file): `said` names it
/// ("interface 'objects', key 'endpoint' in the project file relsync.toml"), `shared` is what
/// the file is, `instead` what to do ("Give the URL with --token-url ..., or trust").
pub fn ensure_shared_may_name(url: &url::Url, said: &str, shared: &str, instead: &str) -> anyhow::Result<()> {
    if template_may_name(url) {
        return Ok(());
    }
    bail!(
        "{said} sends credentials to {}, which is not a Relatics host (relatics.com, relaticsonline.com) or loopback; \
         a shared {shared} may not choose where the API key goes. {instead} the host with {TRUSTED_HOSTS_VAR}={}",
        url.host_str().unwrap_or("(no host)"),
        url.host_str().unwrap_or("host")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn endpoints_must_be_https_except_on_loopback() {
        assert!(check_url("https://acme.relatics.com/api/v1/x", "endpoint").is_ok());
        assert!(check_url("http://127.0.0.1:8080/x", "endpoint").is_ok());
        assert!(check_url("http://127.1.2.3/x", "endpoint").is_ok());
        assert!(check_url("http://localhost:9/x", "endpoint").is_ok());
        assert!(check_url("http://[::1]:9/x", "endpoint").is_ok());
        let e = check_url("http://acme.relatics.com/x", "endpoint")
            .unwrap_err()
            .to_string();
        assert!(e.contains("plain http"), "{e}");
        assert!(check_url("http://localhost.evil.com/x", "endpoint").is_err());
        assert!(check_url("https://user:pw@acme.relatics.com/x", "endpoint").is_err());
        assert!(check_url("ftp://x/y", "endpoint").is_err());
        assert!(check_url("not a url", "endpoint").is_err());
    }

    #[test]
    fn templates_may_name_relatics_and_loopback_only() {
        for ok in [
            "https://acme.relatics.com/api",
            "https://relatics.com/x",
            "https://authenticate.relatics.com/auth/realms/acme/protocol/openid-connect/token",
            "https://acme.relaticsonline.com/oauth2/token",
            "https://ACME.Relatics.COM./x",
            "http://127.0.0.1:9/x",
            "http://localhost:9/x",
        ] {
            assert!(template_may_name(&url(ok)), "{ok}");
        }
        for bad in [
            "https://evil.example/token",
            "https://relatics.com.evil.example/x",
            "https://evilrelatics.com/x",
            "https://10.0.0.1/x",
        ] {
            assert!(!template_may_name(&url(bad)), "{bad}");
        }
        assert!(under("a.b.example.com", "example.com"));
        let listed = ["*.evil.example".to_owned(), "one.example".to_owned()];
        assert!(trusted_by("api.evil.example", &listed));
        assert!(!trusted_by("evil.example", &listed), "a wildcard is not its own domain");
        assert!(trusted_by("one.example", &listed));
        assert!(!trusted_by("sub.one.example", &listed));
        assert!(!under("badexample.com", "example.com"));
    }
}
