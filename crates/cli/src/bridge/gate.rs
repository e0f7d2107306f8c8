//! Who may talk to the development bridge. The bridge listens on loopback, but every web page
//! the user has open can send requests there (a text/plain form post needs nobody's permission),
//! and an attacker's DNS name can be pointed at 127.0.0.1 (rebinding). So a request must name
//! this bridge exactly in its `Host`, say it comes from the bridge's own page when it says where
//! it comes from (`Origin`), and an API call must also carry the per-run secret the bridge
//! printed and be JSON. Requests that name a file on this machine never pass: the browser sends
//! a photo's bytes, never a path. This module only decides; it never reads a body or calls the
//! core.

use anyhow::{Result, anyhow, bail};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use xuncha_core::api::Request;

/// The header that carries the per-run secret on every API call.
pub const TOKEN_HEADER: &str = "X-Xuncha-Bridge";

/// A secret given with `--token` must be at least this long (a generated one is 64 hex digits).
const MIN_TOKEN_CHARS: usize = 32;
const MAX_TOKEN_CHARS: usize = 256;

/// A refused request: the HTTP status and the `{code, message}` body.
#[derive(Debug)]
pub struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

fn refuse(status: u16, code: &'static str, message: String) -> Refusal {
    Refusal {
        status,
        code,
        message,
    }
}

/// The headers the gate looks at, each with every value the request sent (a header sent twice
/// is refused rather than guessed at).
#[derive(Debug, Default)]
pub struct Head {
    hosts: Vec<String>,
    origins: Vec<String>,
    tokens: Vec<String>,
    content_types: Vec<String>,
    fetch_sites: Vec<String>,
}

impl Head {
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Head {
        let mut head = Head::default();
        for (name, value) in pairs {
            let value = value.trim().to_owned();
            if name.eq_ignore_ascii_case("host") {
                head.hosts.push(value);
            } else if name.eq_ignore_ascii_case("origin") {
                head.origins.push(value);
            } else if name.eq_ignore_ascii_case(TOKEN_HEADER) {
                head.tokens.push(value);
            } else if name.eq_ignore_ascii_case("content-type") {
                head.content_types.push(value);
            } else if name.eq_ignore_ascii_case("sec-fetch-site") {
                head.fetch_sites.push(value);
            }
        }
        head
    }
}

pub struct Gate {
    token: String,
    port: u16,
    listen_ip: IpAddr,
    /// Listening on every address (`--allow-remote` with 0.0.0.0 or ::): any IP literal of this
    /// machine may be the Host. Rebinding always carries a DNS name, so this stays closed to it.
    any_ip: bool,
}

impl Gate {
    /// The gate of a bridge bound to `bound`; with no `token`, a random one for this run.
    pub fn new(bound: SocketAddr, token: Option<String>) -> Result<Gate> {
        let token = match token {
            Some(t) => {
                let ok_chars = t
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if !ok_chars || !(MIN_TOKEN_CHARS..=MAX_TOKEN_CHARS).contains(&t.len()) {
                    bail!(
                        "开发桥口令（--token 或 XUNCHA_BRIDGE_TOKEN）须为 {MIN_TOKEN_CHARS} 到 {MAX_TOKEN_CHARS} 个字母、数字、- 或 _；不给则每次启动随机生成"
                    );
                }
                t
            }
            None => random_token()?,
        };
        Ok(Gate {
            token,
            port: bound.port(),
            listen_ip: bound.ip(),
            any_ip: bound.ip().is_unspecified(),
        })
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// Every request, static files included: the Host names this bridge, and the Origin, when
    /// there is one, is the bridge's own page.
    pub fn admit(&self, head: &Head) -> Result<(), Refusal> {
        let host = match head.hosts.as_slice() {
            [one] if self.host_allowed(one) => one,
            _ => {
                let p = self.port;
                return Err(refuse(
                    403,
                    "bad_host",
                    format!(
                        "开发桥只回答发给本机地址的请求（127.0.0.1:{p}、localhost:{p} 或 [::1]:{p}）；请用开发桥打印的地址打开应用"
                    ),
                ));
            }
        };
        match head.origins.as_slice() {
            [] => Ok(()),
            [origin] if origin.eq_ignore_ascii_case(&format!("http://{host}")) => Ok(()),
            _ => Err(refuse(
                403,
                "bad_origin",
                format!("开发桥只回答它自己的页面（http://{host}）发来的请求，别的网页不能调用它"),
            )),
        }
    }

    /// An API call, after `admit`: from the bridge's page, with the secret, as JSON.
    pub fn admit_api(&self, head: &Head) -> Result<(), Refusal> {
        // Browsers say where a fetch comes from; only the bridge's own page may call the API.
        if head
            .fetch_sites
            .iter()
            .any(|s| !s.eq_ignore_ascii_case("same-origin"))
        {
            return Err(refuse(
                403,
                "bad_origin",
                "开发桥只回答它自己的页面发来的请求，别的网页不能调用它".to_owned(),
            ));
        }
        match head.tokens.as_slice() {
            [t] if same_secret(t.as_bytes(), self.token.as_bytes()) => {}
            _ => {
                return Err(refuse(
                    403,
                    "bridge_token",
                    "缺少开发桥口令或口令不对：请用 xuncha bridge 启动时打印的地址（带 ?token=）重新打开应用"
                        .to_owned(),
                ));
            }
        }
        match head.content_types.as_slice() {
            [ct] if media_type(ct).eq_ignore_ascii_case("application/json") => Ok(()),
            _ => Err(refuse(
                415,
                "unsupported_media_type",
                "开发桥的 API 只接受 Content-Type: application/json 的请求".to_owned(),
            )),
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let Some((name, port)) = split_host(host) else {
            return false;
        };
        // A browser leaves out the port when it is HTTP's default.
        if port.unwrap_or(80) != self.port {
            return false;
        }
        if name.eq_ignore_ascii_case("localhost") {
            return true;
        }
        let ip = if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
            inner.parse::<Ipv6Addr>().map(IpAddr::V6)
        } else {
            name.parse::<Ipv4Addr>().map(IpAddr::V4)
        };
        match ip {
            Ok(ip) => {
                ip == IpAddr::V4(Ipv4Addr::LOCALHOST)
                    || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)
                    || ip == self.listen_ip
                    || self.any_ip
            }
            Err(_) => false,
        }
    }
}

/// Refuses requests that name a file or folder on this machine: a web page must never make the
/// device read a path of its choosing. The UI imports photos as bytes (`import_photo`).
pub fn refuse_paths(request: &Request, body: &serde_json::Value) -> Result<(), Refusal> {
    let path_refused = || {
        refuse(
            403,
            "path_not_allowed",
            "开发桥不接受本机文件路径：请在应用中选取照片，由应用上传照片内容".to_owned(),
        )
    };
    if matches!(request, Request::ImportPhotoFile { .. }) {
        return Err(path_refused());
    }
    // A request added later that takes a path is caught by its argument's name too.
    let names_a_path = body.get("args").and_then(|a| a.as_object()).is_some_and(|args| {
        args.keys()
            .any(|k| k == "path" || k.ends_with("_path") || k == "dir" || k.ends_with("_dir") || k == "file")
    });
    if names_a_path {
        return Err(path_refused());
    }
    Ok(())
}

/// `host[:port]`, with an IPv6 literal in brackets; `None` when it is not that shape.
fn split_host(host: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        let (name, rest) = host.split_at(end + 1);
        match rest {
            "" => (name, None),
            _ => (name, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    if name.is_empty() {
        return None;
    }
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse().ok()?),
        Some(_) => return None,
    };
    Some((name, port))
}

/// `application/json` of `application/json; charset=utf-8`.
fn media_type(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

/// Compares in time that does not depend on where the first difference is.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("无法生成开发桥口令：{e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(bound: &str) -> Gate {
        Gate::new(bound.parse().expect("addr"), Some("t".repeat(40))).expect("gate")
    }

    fn host(g: &Gate, h: &str) -> bool {
        g.admit(&Head::from_pairs([("Host", h)])).is_ok()
    }

    #[test]
    fn only_this_machines_names_for_the_bridge_are_a_host() {
        let g = gate("127.0.0.1:8081");
        for ok in ["127.0.0.1:8081", "localhost:8081", "LOCALHOST:8081", "[::1]:8081"] {
            assert!(host(&g, ok), "{ok}");
        }
        for bad in [
            "evil.example:8081",
            "127.0.0.1.nip.io:8081",
            "localhost.:8081",
            "127.0.0.1:8082",
            "127.0.0.1",
            "127.1:8081",
            "[::1]",
            "192.168.1.5:8081",
            "",
            "127.0.0.1:8081:1",
            "127.0.0.1:+8081",
        ] {
            assert!(!host(&g, bad), "{bad}");
        }
        assert!(g.admit(&Head::from_pairs([])).is_err(), "no Host at all");
        let twice = Head::from_pairs([("Host", "127.0.0.1:8081"), ("Host", "evil.example:8081")]);
        assert!(g.admit(&twice).is_err());
        // Listening everywhere (--allow-remote): this machine's addresses, never a DNS name.
        let everywhere = gate("0.0.0.0:8081");
        assert!(host(&everywhere, "192.168.1.5:8081"));
        assert!(!host(&everywhere, "evil.example:8081"));
        // On HTTP's own port a browser leaves the port out.
        assert!(host(&gate("127.0.0.1:80"), "localhost"));
    }

    #[test]
    fn an_origin_must_be_the_bridges_own_page() {
        let g = gate("127.0.0.1:8081");
        let with = |origin: &str| Head::from_pairs([("Host", "127.0.0.1:8081"), ("Origin", origin)]);
        assert!(g.admit(&with("http://127.0.0.1:8081")).is_ok());
        for bad in [
            "http://evil.example",
            "null",
            "http://localhost:8081",
            "https://127.0.0.1:8081",
        ] {
            assert_eq!(
                g.admit(&with(bad)).map_err(|r| r.code),
                Err("bad_origin"),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_api_call_needs_the_secret_and_json() {
        let g = gate("127.0.0.1:8081");
        let secret = "t".repeat(40);
        let call = |token: Option<&str>, ct: &str| {
            let mut pairs = vec![("Host", "127.0.0.1:8081"), ("Content-Type", ct)];
            if let Some(t) = token {
                pairs.push((TOKEN_HEADER, t));
            }
            g.admit_api(&Head::from_pairs(pairs))
                .map_err(|r| (r.status, r.code))
        };
        assert!(call(Some(&secret), "application/json; charset=utf-8").is_ok());
        assert_eq!(call(None, "application/json"), Err((403, "bridge_token")));
        assert_eq!(
            call(Some(&"t".repeat(39)), "application/json"),
            Err((403, "bridge_token"))
        );
        assert_eq!(
            call(Some(&secret), "text/plain"),
            Err((415, "unsupported_media_type"))
        );
        assert_eq!(
            call(Some(&secret), "application/x-www-form-urlencoded"),
            Err((415, "unsupported_media_type"))
        );
    }

    #[test]
    fn a_weak_secret_is_not_accepted_and_a_generated_one_is_long_and_new() {
        let addr: SocketAddr = "127.0.0.1:1".parse().expect("addr");
        assert!(Gate::new(addr, Some("short".into())).is_err());
        assert!(Gate::new(addr, Some(format!("{}\"", "a".repeat(40)))).is_err());
        let (a, b) = (
            Gate::new(addr, None).expect("a"),
            Gate::new(addr, None).expect("b"),
        );
        assert_eq!(a.token().len(), 64);
        assert_ne!(a.token(), b.token());
    }
}
