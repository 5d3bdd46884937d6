// Masks credentials carried in URLs (user:password@, ?token=…) before a URL is logged, recorded or shown.

/** What replaces a secret. */
export const REDACTED = "***";

/** Query parameters that carry credentials: passwords, tokens, presigned-URL signatures, API keys. */
const SECRET_PARAM =
  /pass(word|wd)?$|^pwd$|secret|token|signature|credential|^sig$|^auth|api[-_]?key|access[-_]?key|private[-_]?key|session[-_]?key/i;

/** Whether a parameter or option name (`password`, `secretAccessKey`, `api_key` …) names a credential. */
export function isSecretName(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/**
 * `scheme://`, then any user-info up to its last `@` (a password may hold quotes), then the rest of the URL up to
 * whitespace or a quote (URLs inside messages).
 */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/(?:[^\s@/]*@)?[^\s"'`<>]+/gi;

/** A string that is one whole URL (a setting's value), masked as such rather than searched for URLs. */
const WHOLE_URL = /^[a-z][a-z0-9+.-]*:\/\/\S*$/i;

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

function parses(url: string): boolean {
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}

/** `name=value&…` with the values of credential-like names masked. */
function redactQuery(query: string): string {
  return query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 0) return pair;
      return SECRET_PARAM.test(decode(pair.slice(0, eq))) ? `${pair.slice(0, eq + 1)}${REDACTED}` : pair;
    })
    .join("&");
}

/**
 * `url` with its credentials masked: the password of `user:password@` (a lone `token@` as a whole, since some
 * schemes put the secret there) and the values of credential-like query parameters (`password`, `token`,
 * `X-Amz-Signature`, …). Works on the text itself, so a URL without secrets comes back unchanged, byte for byte.
 */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!m) return url;
  let [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  // A password with a raw '/', '?' or '#' makes the URL invalid: mask up to its last '@' rather than leak part of it.
  if (!authority.includes("@") && !parses(url)) {
    const at = rest.lastIndexOf("@");
    if (at >= 0) {
      authority += rest.slice(0, at + 1);
      rest = rest.slice(at + 1);
    }
  }
  let out = scheme;
  const at = authority.lastIndexOf("@");
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(":");
    out += colon >= 0 ? `${userinfo.slice(0, colon)}:${REDACTED}` : REDACTED;
    out += authority.slice(at);
  } else {
    out += authority;
  }
  const q = rest.indexOf("?");
  if (q < 0) return out + rest;
  const hash = rest.indexOf("#", q);
  const query = hash < 0 ? rest.slice(q + 1) : rest.slice(q + 1, hash);
  return `${out}${rest.slice(0, q + 1)}${redactQuery(query)}${hash < 0 ? "" : rest.slice(hash)}`;
}

/** `text` with every URL in it passed through `redactUrl` (for messages, notes and failure reasons). */
export function redactUrlsIn(text: string): string {
  return text.includes("://") ? text.replace(URL_IN_TEXT, redactUrl) : text;
}

/**
 * A copy of `value` in which every string has its URLs' credentials masked — for records (run summaries) and
 * JSON output assembled from settings, requests and messages that may quote a URL.
 */
export function redactSecrets<T>(value: T): T {
  if (typeof value === "string") return (WHOLE_URL.test(value) ? redactUrl(value) : redactUrlsIn(value)) as T;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v)) as T;
  if (!value || typeof value !== "object") return value;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // Dates, buffers, class instances: as they are
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactSecrets(v);
  return out as T;
}

/** Credentials a URL carried as `user:password@` (decoded). */
export interface UrlCredentials {
  username: string;
  password: string;
}

/**
 * `url` without its `user:password@`, and those credentials, so a tool gets them through its environment or a
 * private file instead of its command line or a message. A masked password (`***`, what a queued job carries) is
 * no credential: the URL is used without one.
 */
export function splitUrlCredentials(url: string): { url: string; credentials?: UrlCredentials } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@(.*)$/is.exec(url);
  if (!m) return { url };
  const [, scheme, userinfo, rest] = m as unknown as [string, string, string, string];
  // Percent-decoding only: a '+' in user-info is a plus (AWS secret keys hold some), not a space.
  const percentDecode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const colon = userinfo.indexOf(":");
  const username = percentDecode(colon < 0 ? userinfo : userinfo.slice(0, colon));
  const password = colon < 0 ? "" : percentDecode(userinfo.slice(colon + 1));
  const bare = `${scheme}${rest}`;
  if (password === REDACTED || username === REDACTED) return { url: bare };
  return { url: bare, credentials: { username, password } };
}
