// The console API: same-origin fetch with the session cookie, the CSRF token on every change,
// and the server's JSON error message on failure.

let csrf = '';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Called when any request finds the session gone (401), so the app can show the login. */
let onLoggedOut = () => undefined;
export function whenLoggedOut(fn) {
  onLoggedOut = fn;
}

export function setCsrf(token) {
  csrf = token || '';
}

async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  const binary = body instanceof Blob;
  if (body !== undefined) headers['Content-Type'] = binary ? body.type : 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(`api/${path}`, { method, headers, body: body === undefined || binary ? body : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'the console server cannot be reached');
  }
  if (res.status === 204) return undefined;
  const data = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  if (!res.ok) {
    if (res.status === 401 && path !== 'login' && path !== 'session') onLoggedOut();
    throw new ApiError(res.status, data.error || `${res.status} ${res.statusText}`);
  }
  return data;
}

export const api = {
  get: (path) => call('GET', path),
  post: (path, body) => call('POST', path, body ?? {}),
  /** A binary body (a voice recording) with its own type; same session, CSRF token and errors as JSON. */
  upload: (path, blob) => call('POST', path, blob),
};

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length)) continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  return q.toString();
}
