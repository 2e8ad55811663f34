// The API client: bearer tokens with one silent refresh, JSON errors surfaced as messages.
const STORE = "tanvi.tokens";

export function tokens() {
  try { return JSON.parse(localStorage.getItem(STORE)) || null; } catch { return null; }
}
export function saveTokens(t) { localStorage.setItem(STORE, JSON.stringify(t)); }
export function clearTokens() { localStorage.removeItem(STORE); }

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `Request failed (${status})`);
    this.status = status;
    this.code = body && body.code;
  }
}

let refreshing = null;
async function refresh() {
  const t = tokens();
  if (!t || !t.refresh_token) return false;
  refreshing ??= fetch("/api/auth/refresh", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: t.refresh_token }),
  }).then(async (r) => {
    if (!r.ok) { clearTokens(); return false; }
    saveTokens((await r.json()).tokens);
    return true;
  }).finally(() => { refreshing = null; });
  return refreshing;
}

export async function api(path, { method = "GET", body, form, retry = true } = {}) {
  const headers = {};
  const t = tokens();
  if (t) headers.Authorization = `Bearer ${t.access_token}`;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  const r = await fetch(path, { method, headers, body: payload });
  if (r.status === 401 && retry && t && await refresh()) return api(path, { method, body, form, retry: false });
  const data = r.headers.get("content-type")?.includes("json") ? await r.json() : null;
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

// Binary responses (the Style Wrapped card): an <img> cannot send the bearer token itself.
export async function apiBlob(path, { retry = true } = {}) {
  const t = tokens();
  const r = await fetch(path, { headers: t ? { Authorization: `Bearer ${t.access_token}` } : {} });
  if (r.status === 401 && retry && t && await refresh()) return apiBlob(path, { retry: false });
  if (!r.ok) throw new ApiError(r.status, r.headers.get("content-type")?.includes("json") ? await r.json() : null);
  return r.blob();
}

export async function streamTicket() {
  const data = await api("/api/stream/ticket", { method: "POST" });
  return data.ticket?.ticket ?? data.ticket;
}
