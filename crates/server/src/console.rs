//! The office console's files (ui/ builds them into `dist-console/`), served by the server at
//! `/` beside the API, so that an office needs nothing but a browser. Only the page and the
//! flat files next to it and in `assets/` are served, by exact name: no path ever leaves the
//! folder. Built assets carry a content hash in their names and are cached for good; the page
//! itself is never cached, so a new build is picked up on the next load.

use crate::app::AppState;
use crate::error::Error;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};

/// The page's name in the built folder (Vite names it after its entry).
pub const PAGE: &str = "console.html";

/// Where the built console lies.
#[derive(Clone, Debug)]
pub struct Console {
    dir: PathBuf,
}

impl Console {
    /// The console in `dir`, if it has been built there.
    pub fn at(dir: impl Into<PathBuf>) -> Option<Console> {
        let dir = dir.into();
        dir.join(PAGE).is_file().then_some(Console { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The file a request path names inside the folder, or `None` for anything else: `/` is the
/// page; otherwise one plain name, at the top or in `assets/`.
pub fn file_of(path: &str) -> Option<String> {
    let plain = |name: &str| {
        !name.is_empty()
            && !name.starts_with('.')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    };
    match path.strip_prefix('/')? {
        "" => Some(PAGE.to_owned()),
        rest => match rest.split_once('/') {
            None if plain(rest) => Some(rest.to_owned()),
            Some(("assets", name)) if plain(name) => Some(format!("assets/{name}")),
            _ => None,
        },
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// What the page may load: its own scripts and styles (inline styles, which Svelte writes),
/// the API on the same origin, photos as blob URLs, and map tiles from the tile server the
/// office configures (any http(s) image host).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' blob: data: http: https:; connect-src 'self'; object-src 'none'; \
                   base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The router's fallback: a console file for a GET outside the API, otherwise the API's 404.
pub async fn fallback(State(st): State<AppState>, method: Method, uri: Uri) -> Response {
    let not_found = || Error::NotFound("没有这个接口".into()).into_response();
    if !(method == Method::GET || method == Method::HEAD) || uri.path().starts_with("/api/") {
        return not_found();
    }
    let Some(name) = file_of(uri.path()) else {
        return not_found();
    };
    let Some(console) = st.console.as_deref() else {
        if name == PAGE {
            return (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "办公室控制台尚未构建：在 ui/ 下运行 npm ci && npm run build，再以 --console-dir ui/dist-console 启动服务器。\n\
                 The office console is not built: run npm ci && npm run build in ui/, then start the server with --console-dir ui/dist-console.\n",
            )
                .into_response();
        }
        return not_found();
    };
    let path = console.dir.join(&name);
    let read = tokio::task::spawn_blocking(move || std::fs::read(path)).await;
    let bytes = match read {
        Ok(Ok(b)) => b,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return not_found(),
        Ok(Err(e)) => return Error::Internal(format!("console file {name}: {e}")).into_response(),
        Err(e) => return Error::Internal(format!("console file {name}: {e}")).into_response(),
    };
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&name)),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if name.starts_with("assets/") {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    } else {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_page_and_plain_names_beside_it_or_in_assets_are_files() {
        assert_eq!(file_of("/").as_deref(), Some(PAGE));
        assert_eq!(
            file_of("/assets/console-3f2a.js").as_deref(),
            Some("assets/console-3f2a.js")
        );
        assert_eq!(file_of("/favicon.svg").as_deref(), Some("favicon.svg"));
        for bad in [
            "/../secret",
            "/assets/../../etc/passwd",
            "/assets/a/b.js",
            "/assets/",
            "/.env",
            "/assets/.hidden",
            "/x%2F..%2Fy",
            "/other/x.js",
            "relative",
        ] {
            assert_eq!(file_of(bad), None, "{bad}");
        }
    }
}
