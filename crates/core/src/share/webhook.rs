//! Where the platform may send webhooks. A department steward chooses the URL, and the server
//! POSTs from inside the government network, so a URL naming the server itself, the internal
//! network or a cloud metadata address would turn deliveries into requests on the steward's
//! behalf (and the delivery counters into a port scanner). Such addresses are refused, after
//! name resolution, unless the operator allows a host explicitly.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::FieldError;

/// The longest webhook URL accepted.
pub const MAX_URL_LEN: usize = 500;

/// A webhook URL taken apart: only what deciding where to connect needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The host as the URL names it, normalised (lower case; IPv6 without brackets).
    pub host: String,
    pub port: u16,
    /// The address itself when the URL names one rather than a host name.
    pub ip: Option<IpAddr>,
    /// `scheme://host:port`, for records that must not carry the URL's path or query (they
    /// may hold a receiver's own secret).
    pub origin: String,
}

fn url_error(reason: &'static str, zh: &str, en: &str) -> FieldError {
    FieldError::new("url", reason, zh, en)
}

fn invalid_url() -> FieldError {
    url_error(
        "invalid_url",
        "回调地址应为 http:// 或 https:// 开头的完整网址（不超过 500 个字符）",
        "the webhook URL must be a full http:// or https:// address (at most 500 characters)",
    )
}

/// Parses a webhook URL: http or https, a host, no user name or password.
pub fn parse_target(url: &str) -> Result<Target, FieldError> {
    if url.len() > MAX_URL_LEN || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid_url());
    }
    let parsed = url::Url::parse(url).map_err(|_| invalid_url())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid_url());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(url_error(
            "credentials_in_url",
            "回调地址不能包含用户名或密码；接收方请用签名头 shuqiao-signature 核验来源",
            "the webhook URL must not contain a user name or password; receivers check the shuqiao-signature header instead",
        ));
    }
    let (host, ip) = match parsed.host() {
        Some(url::Host::Domain(d)) => (d.to_ascii_lowercase(), None),
        Some(url::Host::Ipv4(a)) => (a.to_string(), Some(IpAddr::V4(a))),
        Some(url::Host::Ipv6(a)) => (a.to_string(), Some(IpAddr::V6(a))),
        None => return Err(invalid_url()),
    };
    let port = parsed.port_or_known_default().ok_or_else(invalid_url)?;
    let origin = format!(
        "{}://{}:{port}",
        parsed.scheme(),
        parsed.host_str().unwrap_or_default()
    );
    Ok(Target {
        host,
        port,
        ip,
        origin,
    })
}

/// Whether the platform refuses to connect to `ip`: loopback, unspecified, link-local,
/// private, shared (CGNAT), multicast, broadcast and reserved addresses, and IPv6 forms that
/// embed such an IPv4 address.
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_forbidden_v4(a),
        IpAddr::V6(a) => is_forbidden_v6(a),
    }
}

fn is_forbidden_v4(a: Ipv4Addr) -> bool {
    let [o1, o2, ..] = a.octets();
    o1 == 0 // "this network", 0.0.0.0 included
        || a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || (o1 == 100 && (64..128).contains(&o2)) // shared address space (CGNAT)
        || a.is_multicast()
        || a.is_broadcast()
        || o1 >= 240 // reserved
}

fn is_forbidden_v6(a: Ipv6Addr) -> bool {
    let s = a.segments();
    if let Some(v4) = embedded_v4(a) {
        return is_forbidden_v4(v4);
    }
    a.is_loopback()
        || a.is_unspecified()
        || a.is_multicast()
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated, still routed by some)
        || (s[0] & 0xfe00) == 0xfc00 // unique local
}

/// The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d),
/// NAT64 (64:ff9b::a.b.c.d) or 6to4 (2002:aabb:ccdd::) address.
fn embedded_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = a.segments();
    let low =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = a.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] && !(s[6] == 0 && s[7] <= 1) {
        return Some(low(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(low(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(low(s[1], s[2]));
    }
    None
}

/// Hosts the operator allows webhooks to reach although they resolve to addresses that are
/// otherwise refused (a receiver inside the government network, a test receiver). Each entry
/// is `HOST` (any port) or `HOST:PORT`; `[::1]:8080` for IPv6.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedHosts {
    entries: Vec<(String, Option<u16>)>,
}

impl AllowedHosts {
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<AllowedHosts, String> {
        let mut out = AllowedHosts::default();
        for e in entries {
            let e = e.as_ref().trim();
            if e.is_empty() {
                continue;
            }
            out.entries.push(parse_allowed(e)?);
        }
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the operator allowed this URL's host (and port, if the entry names one).
    pub fn permits(&self, t: &Target) -> bool {
        self.entries
            .iter()
            .any(|(host, port)| *host == t.host && port.is_none_or(|p| p == t.port))
    }
}

fn parse_allowed(entry: &str) -> Result<(String, Option<u16>), String> {
    let bad = || format!("{entry}: expected HOST or HOST:PORT (IPv6 as [ADDRESS]:PORT)");
    let parsed = url::Url::parse(&format!("http://{entry}/")).map_err(|_| bad())?;
    if parsed.path() != "/" || !parsed.username().is_empty() || parsed.query().is_some() {
        return Err(bad());
    }
    let host = match parsed.host() {
        Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
        Some(url::Host::Ipv4(a)) => a.to_string(),
        Some(url::Host::Ipv6(a)) => a.to_string(),
        None => return Err(bad()),
    };
    // `url` drops a port that is the scheme's default; an entry naming :80 means port 80.
    let port = parsed
        .port()
        .or_else(|| entry.ends_with(":80").then_some(80));
    Ok((host, port))
}

/// Checks the addresses a webhook's host resolved to (or names). `Ok` when every one may be
/// reached, or the operator allowed the host.
pub fn check_addresses(
    t: &Target,
    addrs: &[IpAddr],
    allowed: &AllowedHosts,
) -> Result<(), FieldError> {
    if allowed.permits(t) {
        return Ok(());
    }
    if addrs.is_empty() {
        return Err(url_error(
            "unresolvable_host",
            "无法解析回调地址的主机名，请检查网址",
            "the webhook URL's host name does not resolve; check the address",
        ));
    }
    if addrs.iter().any(|a| is_forbidden_ip(*a)) {
        return Err(forbidden_address(&t.host));
    }
    Ok(())
}

fn forbidden_address(host: &str) -> FieldError {
    url_error(
        "forbidden_address",
        format!(
            "回调地址 {host} 指向本机、内网、链路本地或保留地址，平台不向其发送；如确需使用，请平台运维人员将该主机加入允许列表（serve --webhook-allow-host）"
        )
        .as_str(),
        format!(
            "the webhook host {host} is a loopback, private, link-local or reserved address; the platform does not send there. If it is really needed, the operator can allow the host (serve --webhook-allow-host)"
        )
        .as_str(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_and_reserved_addresses_are_forbidden() {
        for a in [
            "127.0.0.1",
            "127.9.9.9",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
        ] {
            assert!(is_forbidden_ip(ip(a)), "{a}");
        }
        for a in [
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2001:db8::1",
            "2400:3200::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_forbidden_ip(ip(a)), "{a}");
        }
    }

    #[test]
    fn urls_with_credentials_or_other_schemes_are_refused() {
        let reason = |u: &str| parse_target(u).unwrap_err().reason;
        assert_eq!(
            reason("http://user:pw@hooks.example/x"),
            "credentials_in_url"
        );
        assert_eq!(reason("http://user@hooks.example/x"), "credentials_in_url");
        assert_eq!(reason("ftp://hooks.example/x"), "invalid_url");
        assert_eq!(reason("file:///etc/passwd"), "invalid_url");
        assert_eq!(reason("http://"), "invalid_url");
        assert_eq!(reason("http://a b/"), "invalid_url");
        let t = parse_target("HTTP://Hooks.Example/path?token=secret").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.ip), ("hooks.example", 80, None));
        assert_eq!(t.origin, "http://hooks.example:80");
    }

    #[test]
    fn address_literals_in_any_spelling_are_seen() {
        for u in [
            "http://127.0.0.1:6379/",
            "http://[::1]:6379/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:7f00:1]/",
        ] {
            let t = parse_target(u).unwrap();
            assert!(is_forbidden_ip(t.ip.unwrap()), "{u}");
            let e = check_addresses(&t, &[t.ip.unwrap()], &AllowedHosts::default()).unwrap_err();
            assert_eq!((e.field.as_str(), e.reason), ("url", "forbidden_address"));
        }
    }

    #[test]
    fn the_allow_list_admits_named_hosts_and_ports_only() {
        let allowed =
            AllowedHosts::parse(&["127.0.0.1:9000", "Hooks.Internal", "[::1]:80"]).unwrap();
        let target = |u: &str| parse_target(u).unwrap();
        let check = |u: &str, a: &str| check_addresses(&target(u), &[ip(a)], &allowed);
        assert!(check("http://127.0.0.1:9000/x", "127.0.0.1").is_ok());
        assert!(check("http://127.0.0.1:9001/x", "127.0.0.1").is_err());
        assert!(check("http://hooks.internal:1234/x", "10.0.0.1").is_ok());
        assert!(check("http://other.internal/x", "10.0.0.1").is_err());
        assert!(check("http://[::1]/x", "::1").is_ok());
        assert!(check("http://[::1]:81/x", "::1").is_err());
        assert!(check("http://hooks.example/x", "93.184.216.34").is_ok());
        assert_eq!(
            check_addresses(
                &target("http://nowhere.example/"),
                &[],
                &AllowedHosts::default()
            )
            .unwrap_err()
            .reason,
            "unresolvable_host"
        );
        assert!(AllowedHosts::parse(&["user@host"]).is_err());
        assert!(AllowedHosts::parse(&["host/path"]).is_err());
    }
}
