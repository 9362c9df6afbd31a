// Talking to plotline for a signed-in planner: the session (GET /auth/me, sign-in, sign-out),
// one feature with its ETag, merge-patch writes with If-Match and the CSRF token, and the
// history. Every failure becomes an ApiError carrying the server's JSON error.

const JSON_TYPES = 'application/geo+json, application/json';

/** A failed request: HTTP status (0 when the server could not be reached) and the server's error. */
export class ApiError extends Error {
  constructor(status, error = {}, { retryAfter = null } = {}) {
    super(error.message || (status ? `HTTP ${status}` : 'network error'));
    this.status = status;
    this.code = error.code || (status ? `http_${status}` : 'network');
    this.field = error.field ?? null;
    this.allowed = Array.isArray(error.allowed) ? error.allowed : null;
    this.from = error.from ?? null;
    this.location = Array.isArray(error.location) ? error.location : null;
    this.overlapping = Array.isArray(error.overlapping) ? error.overlapping : null;
    this.etag = error.etag ?? null;
    this.retryAfter = retryAfter;
    this.error = error;
  }
}

let csrfToken = null;

/** The CSRF token of the current session, sent with every write. */
export function setCsrfToken(token) {
  csrfToken = token || null;
}

const url = (path) => new URL(path, document.baseURI);

async function errorOf(res) {
  let error = {};
  try {
    const body = await res.json();
    error = body && typeof body.error === 'object' ? body.error : {};
  } catch { /* not JSON: keep the status */ }
  const header = Number(res.headers.get('Retry-After'));
  const retryAfter = Number.isFinite(header) && header > 0 ? header
    : Number.isFinite(error.retry_after_s) ? error.retry_after_s : null;
  return new ApiError(res.status, error, { retryAfter });
}

/** fetch with our headers; resolves to the Response when it is OK, else throws an ApiError. */
export async function request(path, { method = 'GET', body, headers = {}, etag } = {}) {
  const h = { Accept: JSON_TYPES, ...headers };
  if (body !== undefined) h['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  if (etag) h['If-Match'] = etag;
  if (method !== 'GET' && csrfToken) h['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(url(path), {
      method, headers: h, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, { message: e.message });
  }
  if (!res.ok) throw await errorOf(res);
  return res;
}

/** GET /auth/me: { role: 'viewer' } or { username, role, areas, csrf_token }. */
export async function me() {
  return (await request('auth/me')).json();
}

export async function login(username, password) {
  return (await request('auth/login', { method: 'POST', body: { username, password } })).json();
}

export async function logout() {
  await request('auth/logout', { method: 'POST' });
}

/** One plot or building through OGC API – Features, with the ETag a write needs. */
export async function getItem(collection, id) {
  const res = await request(`collections/${collection}/items/${encodeURIComponent(id)}`);
  return { feature: await res.json(), etag: res.headers.get('ETag') };
}

/**
 * PATCH a merge patch ({properties}, {geometry}) with If-Match. The reason goes in the body
 * (`reason`), which the server reads like the X-Change-Reason header, so that it may hold any
 * character (a header only carries ASCII).
 */
export async function patchItem(collection, id, patch, { etag, reason }) {
  const body = reason ? { ...patch, reason } : patch;
  const res = await request(`collections/${collection}/items/${encodeURIComponent(id)}`, { method: 'PATCH', body, etag });
  return { feature: await res.json(), etag: res.headers.get('ETag') };
}

/** The history of one plot or building, oldest first. */
export async function getHistory(collection, id) {
  const body = await (await request(`collections/${collection}/items/${encodeURIComponent(id)}/history`)).json();
  return Array.isArray(body.history) ? body.history : [];
}

/** One plot or building by id or reference (OGC API – Features); null when there is none. */
export async function getPublic(collection, id) {
  try {
    return await (await request(`collections/${collection}/items/${encodeURIComponent(id)}`)).json();
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

/** GET /rules: the domain's rules (lifecycle, radii, DGNB levels, enumerations). */
export async function getRules() {
  return (await request('rules')).json();
}

/** GET /collections/{id}/schema: the collection's properties (planners get their own, too). */
export async function getSchema(collection) {
  return (await request(`collections/${collection}/schema`, { headers: { Accept: 'application/schema+json, application/json' } })).json();
}
