// HTTP and token handling for the whole client.
// The access token lives only in this module's memory; the refresh token is kept in
// sessionStorage (this tab only, gone when it closes) so a reload does not sign the person out.
// Neither ever goes into a URL, and nothing here logs: the console is someone's screen too.

const REFRESH_KEY = "hp.refresh";
let access = null;
let who = null; // {id, role, restricted}: restricted = must set up two-step sign-in first
let refreshTimer = null;
let refreshing = null;
const listeners = { token: new Set(), signedout: new Set() };

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(describe(err, status));
    this.status = status;
    this.code = err.code || "http_error";
    this.details = err.details || {};
  }
}

function describe(err, status) {
  const fields = (err.details && err.details.fields) || [];
  const parts = fields.map((f) => (f.field ? `${f.field}: ${f.message}` : f.message));
  const problems = (err.details && err.details.problems) || [];
  const extra = [...parts, ...problems.filter((p) => typeof p === "string")];
  const base = err.message || `Request failed (${status}).`;
  return extra.length ? `${base} ${extra.join(" ")}` : base;
}

export function on(event, fn) {
  listeners[event].add(fn);
}

function emit(event) {
  for (const fn of listeners[event]) fn();
}

export const accessToken = () => access;
export const currentUser = () => who;

async function send(path, { method = "GET", body, auth = true } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && access) headers.Authorization = `Bearer ${access}`;
  return fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
}

async function parse(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

/** JSON request; one silent token refresh on 401; ApiError on failure. */
export async function api(path, options = {}) {
  let response = await send(path, options);
  if (response.status === 401 && options.auth !== false && (await refresh())) {
    response = await send(path, options);
  }
  const data = await parse(response);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function accept(tokens) {
  access = tokens.access_token;
  who = { id: tokens.user_id, role: tokens.role, restricted: Boolean(tokens.mfa_enrollment_required) };
  sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
  clearTimeout(refreshTimer);
  // Renew a minute early so sockets can re-authenticate before the server refuses frames.
  const wait = Math.max(5, Number(tokens.expires_in || 900) - 60) * 1000;
  refreshTimer = setTimeout(() => refresh(), wait);
  emit("token");
}

function forget() {
  access = null;
  who = null;
  clearTimeout(refreshTimer);
  sessionStorage.removeItem(REFRESH_KEY);
}

/** Rotate the refresh token; concurrent callers share one request (reuse would revoke the family). */
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const token = sessionStorage.getItem(REFRESH_KEY);
      if (!token) return false;
      const response = await send("/v1/auth/refresh", {
        method: "POST",
        body: { refresh_token: token },
        auth: false,
      });
      if (!response.ok) {
        forget();
        emit("signedout");
        return false;
      }
      accept(await response.json());
      return true;
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** The signed-in user, or {challenge} when the account asks for a second factor (security.js). */
export async function signIn(email, password) {
  const body = await api("/v1/auth/login", { method: "POST", body: { email, password }, auth: false });
  if (body.mfa_required) return { challenge: body.mfa_token };
  accept(body);
  return who;
}

/** Second step of sign-in: the challenge with {code} or {recovery_code}. */
export async function signInSecondStep(challenge, answer) {
  accept(await api("/v1/auth/login/mfa", { method: "POST", body: { mfa_token: challenge, ...answer }, auth: false }));
  return who;
}

/** Two-step sign-in was just turned on: the same session is a full one now. */
export function markEnrolled() {
  if (who) who.restricted = false;
}

export async function signUp(form) {
  await api("/v1/auth/register", { method: "POST", body: form, auth: false });
  return signIn(form.email, form.password);
}

export async function signOut() {
  try {
    if (access) await send("/v1/auth/logout", { method: "POST" });
  } finally {
    forget();
    emit("signedout");
  }
}

/** Same-origin websocket URL; authentication goes in the first frame, never the URL. */
export function socketUrl(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}
