//! Who is calling: the public (viewer, no sign-in), planners and admins, signed in with a
//! session cookie (the map page) or an API token (`Authorization: Bearer`, for tools).
//!
//! Passwords are hashed with argon2id; tokens and session ids are random 256-bit values stored
//! only as SHA-256 hashes. Writes made with a cookie must echo the session's CSRF token in
//! `X-CSRF-Token` (and the cookie is SameSite=Strict besides).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::accounts;
use crate::http::AppState;
use crate::{Error, Result};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "plotline_session";
/// The header that carries the CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Edits plots, buildings and certificates in the areas assigned to them.
    Planner,
    /// Everything, in every area.
    Admin,
}

impl Role {
    /// Parses the stored value.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "planner" => Some(Role::Planner),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// How the database's text becomes a [`Role`] when a [`Caller`] is read.
impl TryFrom<String> for Role {
    type Error = Error;

    fn try_from(s: String) -> Result<Role> {
        Role::parse(&s).ok_or_else(|| Error::Internal(format!("unknown role `{s}`")))
    }
}

/// A signed-in caller, as `db::accounts` reads them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Caller {
    pub user_id: i64,
    pub username: String,
    /// The role in force (stored as text; the database allows only the two).
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// Ids of the areas the user may edit.
    pub area_ids: Vec<i64>,
    /// Set for cookie sign-ins: writes must echo it.
    pub csrf_token: Option<String>,
}

impl Caller {
    /// Whether the caller may edit in the area with this id.
    pub fn may_edit_area(&self, area_id: i64) -> bool {
        self.role == Role::Admin || self.area_ids.contains(&area_id)
    }
}

/// A hash to verify against when the user does not exist, so that a sign-in for an unknown
/// name takes as long as one with a wrong password.
pub static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("no such user").unwrap_or_default());

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("hashing a password: {e}")))
}

/// Checks a password against a stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random secret: `prefix` and 256 random bits in hex.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// SHA-256 in hex: how tokens and session ids are stored and looked up.
/// Whether two secrets are equal, in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

pub fn sha256_hex(s: &str) -> String {
    sha256_hex_bytes(s.as_bytes())
}

/// SHA-256 of bytes in hex.
pub fn sha256_hex_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The value of the cookie `name` among the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The caller, if any: `None` for the public. A bad or expired token is an error (401), not the
/// public: a tool with a stale token should hear so.
pub async fn identify(parts: &Parts, state: &AppState) -> Result<Option<Caller>> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                Error::client(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "the Authorization header must be `Bearer <token>`",
                )
            })?;
        let caller = accounts::by_token(&state.pool, &sha256_hex(token)).await?;
        return caller.map(Some).ok_or_else(|| {
            Error::client(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "the token is unknown, revoked or expired",
            )
        });
    }
    if let Some(session) = cookie(&parts.headers, SESSION_COOKIE) {
        // An expired session is simply no session: the page shows the public view.
        return accounts::by_session(&state.pool, &sha256_hex(session)).await;
    }
    Ok(None)
}

/// Everyone: the public or a signed-in caller (to show planners the internal fields).
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        Ok(MaybeCaller(identify(parts, state).await?))
    }
}

/// A planner or admin, for writes: 401 without sign-in, 403 for a cookie write without the
/// session's CSRF token.
pub struct Editor(pub Caller);

impl FromRequestParts<AppState> for Editor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let caller = identify(parts, state).await?.ok_or_else(|| {
            Error::client(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "sign in, or send `Authorization: Bearer <token>`",
            )
        })?;
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if let (true, Some(expected)) = (unsafe_method, &caller.csrf_token) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(expected.as_str()) {
                return Err(Error::client(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    format!("a write signed in with the session cookie needs its CSRF token in `{CSRF_HEADER}`"),
                ));
            }
        }
        Ok(Editor(caller))
    }
}

/// Failed sign-ins within a window, by client address, by name from a client, and by name.
///
/// Guessing is slowed without refusing a name's owner: a client is refused after
/// `per_client` failures (whatever names it tried), and for one name after `per_name_client`
/// failures of its own; failures against a name from everywhere only make further *failed*
/// attempts at it answer later (1 s, 2 s, 4 s… up to `max_delay`), so a right password from
/// elsewhere is neither refused nor slowed by what others tried.
#[derive(Debug)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
    pub per_client: usize,
    pub per_name_client: usize,
    pub window: Duration,
    pub max_delay: Duration,
}

/// Keys kept at the most before expired ones are swept (bounds the limiter's memory).
const LIMITER_KEYS: usize = 100_000;

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter {
            failures: Mutex::new(HashMap::new()),
            per_client: 20,
            per_name_client: 5,
            window: Duration::from_secs(15 * 60),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl LoginLimiter {
    fn keys(name: &str, client: &str) -> [String; 3] {
        [
            format!("client:{client}"),
            format!("name:{name}@{client}"),
            format!("name:{name}"),
        ]
    }

    /// Whether this client may try this name now, counting the attempt at once (so attempts
    /// sent in parallel count before any of them is answered): `Err(seconds to wait)`, or how
    /// long to wait before answering should it fail. [`LoginLimiter::succeed`] takes back a
    /// right one.
    pub fn attempt(&self, name: &str, client: &str) -> std::result::Result<Duration, u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let keys = Self::keys(name, client);
        let mut recent = |key: &str| -> usize {
            map.get_mut(key).map_or(0, |times| {
                times.retain(|t| now.duration_since(*t) < self.window);
                times.len()
            })
        };
        let counts = [recent(&keys[0]), recent(&keys[1]), recent(&keys[2])];
        let mut wait = 0;
        for (key, count, limit) in [
            (&keys[0], counts[0], self.per_client),
            (&keys[1], counts[1], self.per_name_client),
        ] {
            if count >= limit {
                let oldest = map[key][count - limit];
                wait = wait.max((self.window - now.duration_since(oldest)).as_secs() + 1);
            }
        }
        if wait > 0 {
            return Err(wait);
        }
        // 1 s once a name has `per_name_client` recent failures, doubling with each more.
        let delay = match counts[2].checked_sub(self.per_name_client) {
            None => Duration::ZERO,
            Some(n) => Duration::from_secs(1u64 << n.min(16)).min(self.max_delay),
        };
        if map.len() + 3 > LIMITER_KEYS {
            Self::make_room(&mut map, now, self.window);
        }
        for key in keys {
            map.entry(key).or_default().push(now);
        }
        Ok(delay)
    }

    /// Drops expired keys, then the longest-quiet ones, until a tenth of the room is free.
    fn make_room(map: &mut HashMap<String, Vec<Instant>>, now: Instant, window: Duration) {
        map.retain(|_, times| {
            times
                .last()
                .is_some_and(|t| now.duration_since(*t) < window)
        });
        if map.len() + LIMITER_KEYS / 10 > LIMITER_KEYS {
            let mut quiet: Vec<(Instant, String)> = map
                .iter()
                .map(|(k, times)| (times.last().copied().unwrap_or(now), k.clone()))
                .collect();
            quiet.sort();
            for (_, key) in quiet
                .into_iter()
                .take(map.len() + LIMITER_KEYS / 10 - LIMITER_KEYS)
            {
                map.remove(&key);
            }
        }
    }

    /// A right password: this attempt did not fail, and this client's failures at the name
    /// are forgotten.
    pub fn succeed(&self, name: &str, client: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let [by_client, by_name_client, by_name] = Self::keys(name, client);
        map.remove(&by_name_client);
        for key in [by_client, by_name] {
            if let Some(times) = map.get_mut(&key) {
                times.pop();
            }
        }
    }
}

/// The key a client is counted under: its address, or for IPv6 its /64 (one host may hold
/// every address of a /64).
pub fn client_key(address: Option<std::net::IpAddr>) -> String {
    match address {
        Some(std::net::IpAddr::V6(a)) => {
            let s = a.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(a) => a.to_string(),
        None => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_roles_read_and_others_refused() {
        assert_eq!(Role::try_from("planner".to_owned()).unwrap(), Role::Planner);
        assert_eq!(Role::try_from("admin".to_owned()).unwrap(), Role::Admin);
        assert!(Role::try_from("viewer".to_owned()).is_err());
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret("plt_");
        assert!(a.starts_with("plt_") && a.len() == 4 + 64);
        assert_ne!(a, new_secret("plt_"));
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_limiter_refuses_the_guessing_client_not_the_owner() {
        let limiter = LoginLimiter::default();
        for _ in 0..5 {
            assert!(limiter.attempt("anna", "10.0.0.66").is_ok());
        }
        let wait = limiter.attempt("anna", "10.0.0.66").unwrap_err();
        assert!(wait > 0 && wait <= 15 * 60 + 1);
        // The owner elsewhere may try; after five failures at the name, a wrong password is
        // answered 1 s later, and each further failure doubles that.
        assert_eq!(
            limiter.attempt("anna", "10.0.0.7"),
            Ok(Duration::from_secs(1))
        );
        limiter.succeed("anna", "10.0.0.7");
        assert_eq!(
            limiter.attempt("anna", "10.0.0.8"),
            Ok(Duration::from_secs(1))
        );
        assert_eq!(
            limiter.attempt("anna", "10.0.0.9"),
            Ok(Duration::from_secs(2))
        );
        limiter.succeed("anna", "10.0.0.66");
        assert!(limiter.attempt("anna", "10.0.0.66").is_ok());
        // One client trying many names is refused after its own limit.
        for i in 0..20 {
            let _ = limiter.attempt(&format!("user{i}"), "10.0.0.99");
        }
        assert!(limiter.attempt("someone", "10.0.0.99").is_err());
        assert!(limiter.attempt("someone", "10.0.0.98").is_ok());
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let a = client_key(Some("2001:db8:1:2:aaaa::1".parse().unwrap()));
        let b = client_key(Some("2001:db8:1:2:bbbb::9".parse().unwrap()));
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(client_key(Some("192.0.2.7".parse().unwrap())), "192.0.2.7");
    }
}
