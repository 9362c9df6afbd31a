//! What every request passes through on its way in and out: NUL bytes refused once for every
//! input, the public base URL, a bound on the time a request may take, security headers, and
//! caching that keeps a signed-in caller's answers out of shared caches.

use std::path::Path;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::Error;

/// The internal header that carries the public base URL to the handlers (any value a client
/// sends under this name is dropped first).
pub const BASE_URL_HEADER: HeaderName = HeaderName::from_static("x-plotline-base-url");

/// The longest a request may take to be answered (streams once begun are not cut).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The first input of a request that holds a NUL byte (PostgreSQL text cannot), by name.
fn nul_in_request(request: &Request) -> Option<String> {
    let path = request.uri().path();
    if percent_decoded_has_nul(path) {
        return Some("path".into());
    }
    let query = request.uri().query().unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        .map(|(name, _)| name.replace('\0', "\\0"))
}

fn percent_decoded_has_nul(s: &str) -> bool {
    s.as_bytes().windows(3).any(|w| w == b"%00") || s.contains('\0')
}

/// Refuses NUL bytes, sets the base URL, and bounds the request's time.
pub(super) async fn inbound(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(name) = nul_in_request(&request) {
        return Error::invalid_parameter(
            name,
            "holds a NUL byte (%00), which no value may contain",
        )
        .into_response();
    }
    request.headers_mut().remove(BASE_URL_HEADER);
    if let Some(base) = state
        .public_url
        .as_deref()
        .and_then(|u| HeaderValue::from_str(u).ok())
    {
        request.headers_mut().insert(BASE_URL_HEADER, base);
    }
    let signed_in = request.headers().contains_key(header::AUTHORIZATION)
        || request
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|c| c.contains(crate::auth::SESSION_COOKIE));
    let response = match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(r) => r,
        Err(_) => Error::client(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!(
                "the request took longer than {} s; narrow it or try again later",
                REQUEST_TIMEOUT.as_secs()
            ),
        )
        .with_details(serde_json::json!({ "retry_after_s": 5 }))
        .into_response(),
    };
    let mut response = json_errors(response).await;
    secure_headers(&mut response, &state.content_security_policy, signed_in);
    response
}

/// A client error that a framework layer answered in plain text (a body over the size limit, a
/// malformed header…) becomes the JSON error body every other error has.
async fn json_errors(response: Response) -> Response {
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| t.starts_with("text/plain"));
    let status = response.status();
    if !status.is_client_error() || !plain || status == StatusCode::NOT_MODIFIED {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, 16 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_owned(),
        Err(_) => String::new(),
    };
    let message = match (status, text.is_empty()) {
        (StatusCode::PAYLOAD_TOO_LARGE, _) => {
            "the body is larger than this endpoint accepts".to_owned()
        }
        (_, true) => status
            .canonical_reason()
            .unwrap_or("client error")
            .to_lowercase(),
        (_, false) => text,
    };
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_type",
        _ => "invalid_request",
    };
    let mut answer = Error::client(status, code, message).into_response();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

fn secure_headers(response: &mut Response, csp: &str, signed_in: bool) {
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // What a signed-in caller reads may hold internal fields: never in a shared cache.
    h.append(
        header::VARY,
        HeaderValue::from_static("Authorization, Cookie"),
    );
    if signed_in {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
    }
}

/// The Content-Security-Policy of every answer: the page's own scripts (and the hashes of its
/// inline ones, read from `index.html`), styles inline as MapLibre sets them, images and tiles
/// from any HTTPS server (the basemap is configurable), workers from blobs (MapLibre), no
/// framing, no plugins.
pub fn content_security_policy(web_dir: Option<&Path>) -> String {
    use sha2::{Digest, Sha256};
    let mut scripts = String::from("'self'");
    if let Some(page) = web_dir.and_then(|d| std::fs::read_to_string(d.join("index.html")).ok()) {
        for inline in inline_scripts(&page) {
            let digest = Sha256::digest(inline.as_bytes());
            scripts.push_str(&format!(" 'sha256-{}'", base64(&digest)));
        }
    }
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob: https:; connect-src 'self' https:; worker-src 'self' blob:; \
         child-src 'self' blob:; font-src 'self' data:; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The contents of the `<script>` elements without `src`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let Some(open_end) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start..start + open_end];
        let body_start = start + open_end + 1;
        let Some(close) = rest[body_start..].find("</script>") else {
            break;
        };
        if !tag.contains("src=") {
            out.push(&rest[body_start..body_start + close]);
        }
        rest = &rest[body_start + close..];
    }
    out
}

/// Standard base64 with padding (CSP hashes).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The first string in a JSON value that holds a NUL byte, as a JSON pointer.
pub fn nul_in_json(value: &serde_json::Value) -> Option<String> {
    fn walk(v: &serde_json::Value, at: &mut String) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                let found = walk(item, at);
                if !found {
                    at.truncate(len);
                }
                found
            }),
            serde_json::Value::Object(map) => map.iter().any(|(k, item)| {
                let len = at.len();
                at.push_str(&format!("/{}", k.replace('~', "~0").replace('/', "~1")));
                let found = k.contains('\0') || walk(item, at);
                if !found {
                    at.truncate(len);
                }
                found
            }),
            _ => false,
        }
    }
    let mut at = String::new();
    walk(value, &mut at).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_hashes_inline_scripts_only() {
        let page = r#"<script type="importmap">{"imports": {}}</script><script type="module" src="js/main.js"></script>"#;
        assert_eq!(inline_scripts(page), [r#"{"imports": {}}"#]);
        // echo -n 'abc' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            base64(&<sha2::Sha256 as sha2::Digest>::digest(b"abc")),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn nul_bytes_are_found_in_json_with_their_place() {
        let v = serde_json::json!({"properties": {"name": "a\u{0}b"}, "x": [1]});
        assert_eq!(nul_in_json(&v).as_deref(), Some("/properties/name"));
        assert_eq!(nul_in_json(&serde_json::json!({"a": ["ok"]})), None);
        assert_eq!(
            nul_in_json(&serde_json::json!({"a": [1, "\u{0}"]})).as_deref(),
            Some("/a/1")
        );
    }
}
