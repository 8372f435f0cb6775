/**
 * Redaction: nothing parazarr prints, raises or forwards holds a credential.
 *
 * Three kinds of secret reach error text in practice:
 * - URL user info (`s3://AKIA…:SECRET@bucket`) and signed-URL query
 *   parameters (`X-Amz-Signature`, SAS `sig`, `token`), echoed by our own
 *   messages and by Node's (ERR_INVALID_URL keeps the raw URL in `input`);
 * - the values of the credential variables in this process's environment,
 *   which a third-party server, an SDK or a user's task may repeat in free
 *   text (AWS echoes the canonical request, session token included, in a
 *   SignatureDoesNotMatch body, and the SDK copies body fields onto its error);
 * - anything else in an error's own fields, stack or `cause` chain, which
 *   util.inspect prints and the worker runtime copies across boundaries.
 *
 * So text is scrubbed (`redactText`), URLs are shown without user info or
 * query (`redactUrl`), and errors are copied with every string in them
 * scrubbed (`scrubError`). The scrub runs where errors are made
 * (ParazarrError), where they leave a worker (toWireError) and where they
 * arrive in the caller (fromWireError): the worker knows its own
 * environment's secrets, the caller knows its own.
 */

export const REDACTED = "[redacted]";

// AWS_ACCESS_KEY_ID is not a secret by AWS's definition, but S3 echoes it
// (InvalidAccessKeyId's AWSAccessKeyId field) and it names the account.
const CREDENTIAL_VARIABLES = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY_ID"];

// Shorter values are not scrubbed: cutting every "abc" out of every message
// would garble them, and no real credential (AWS: 16–40 characters and up) is that short.
const MIN_SECRET_LENGTH = 8;

// Query parameters that carry a signature, a token or a key: AWS SigV4
// presigned URLs, Google signed URLs, Azure SAS, CloudFront, OAuth, API keys.
const SECRET_PARAMETERS = new Set([
  "sig", "signature", "key", "apikey", "api_key", "api-key", "pwd", "passwd", "password", "secret",
  "policy", "key-pair-id", "awsaccesskeyid", "credential", "code",
]);
const SECRET_PARAMETER_WORDS = /token|signature|credential|secret|password|api[-_]?key|access[-_]?key/i;

export function isSecretParameter(name: string): boolean {
  return SECRET_PARAMETERS.has(name.toLowerCase()) || SECRET_PARAMETER_WORDS.test(name);
}

/** The credential values of this process's environment worth cutting out of text. */
function environmentSecrets(): string[] {
  const secrets: string[] = [];
  for (const name of CREDENTIAL_VARIABLES) {
    const value = process.env[name];
    if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
    secrets.push(value);
    // AWS secrets hold "/" and "+": in a URL or a canonical request they appear encoded.
    const encoded = encodeURIComponent(value);
    if (encoded !== value) secrets.push(encoded);
  }
  // Longest first, so a secret that contains another is cut whole.
  return secrets.sort((a, b) => b.length - a.length);
}

// `scheme://user:password@`: the authority up to its "@". A password may hold
// "/" (AWS secrets are base64), which no parser accepts there, so once a ":"
// follows the user name the match runs on to the "@" across slashes.
const USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s"'`<>/?#@]*:[^\s"'`<>?#]*|[^\s"'`<>/?#:@]*)@/gi;
const QUERY_PARAMETER = /([?&;])([A-Za-z0-9_.~-]+)=([^&#\s"'`<>]*)/g;
// Authorization header values: SigV4 parts, bearer and basic tokens.
const HEADER_SECRET = /\b(Credential|Signature)=[^,&#\s"'`<>]+/g;
const BEARER = /\b(Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{8,})/g;
// A token has a digit, a symbol or mixed case: "Basic authentication failed" keeps its words.
const looksLikeToken = (word: string) => /[0-9._~+/=-]/.test(word) || (/[a-z]/.test(word) && /[A-Z]/.test(word));

/** Whether the URL starting at `offset` parses, with no user info: then an "@" in it belongs to its path. */
function parsesWithoutUserInfo(text: string, offset: number): boolean {
  const token = /^[^\s"'`<>]*/.exec(text.slice(offset))![0];
  if (!URL.canParse(token)) return false;
  const u = new URL(token);
  return u.username === "" && u.password === "";
}

/** `text` with URL user info, secret query parameters and the environment's credentials cut out. */
export function redactText(text: string): string {
  let out = text
    .replace(USER_INFO, (match: string, scheme: string, offset: number, whole: string) =>
      parsesWithoutUserInfo(whole, offset) ? match : `${scheme}${REDACTED}@`,
    )
    .replace(QUERY_PARAMETER, (whole, separator: string, name: string) => (isSecretParameter(name) ? `${separator}${name}=${REDACTED}` : whole))
    .replace(HEADER_SECRET, `$1=${REDACTED}`)
    .replace(BEARER, (whole, scheme: string, token: string) => (looksLikeToken(token) ? `${scheme} ${REDACTED}` : whole));
  for (const secret of environmentSecrets()) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * A URL fit for a message: user info shown as `[redacted]@`, the query as
 * `?…` (a store URL's query is there for a token; its other parameters are
 * not worth the risk), no fragment. Unparseable text is redacted as text.
 */
export function redactUrl(url: string | URL): string {
  const text = String(url);
  if (!URL.canParse(text)) {
    const query = /[?#]/.exec(text);
    const head = query === null ? text : `${text.slice(0, query.index)}${text[query.index] === "?" ? "?…" : ""}`;
    return redactText(head);
  }
  const u = new URL(text);
  const hadUserInfo = u.username !== "" || u.password !== "";
  const query = u.search !== "" ? "?…" : "";
  u.username = "";
  u.password = "";
  u.search = "";
  u.hash = "";
  const shown = hadUserInfo ? u.href.replace(`${u.protocol}//`, `${u.protocol}//${REDACTED}@`) : u.href;
  return redactText(`${shown}${query}`);
}

/**
 * Whether a URL names a user or a password (`scheme://user[:password]@host`).
 * The parser decides when it can (so `http://h:8080/a@b` is no user info);
 * a URL it refuses is judged by the looser pattern, since a secret with a
 * "/" (`s3://KEY:se/cret@bucket`) is exactly what it refuses.
 */
export function hasUserInfo(url: string): boolean {
  if (URL.canParse(url)) {
    const u = new URL(url);
    return u.username !== "" || u.password !== "";
  }
  USER_INFO.lastIndex = 0;
  return USER_INFO.test(url);
}

export interface ScrubOptions {
  /** Own fields to leave out of the copy (at every level of the cause chain). */
  readonly drop?: ReadonlySet<string>;
}

// Deep enough for any error an SDK builds; cycles end on `seen`, not on depth.
const MAX_DEPTH = 32;

/**
 * `error` with every string in it scrubbed by `redactText`: message, stack,
 * own fields (nested records and arrays too) and the cause chain. The copy
 * keeps each error's class (its prototype), so `instanceof` and `name`
 * still work, and its cycles (an error that points back at itself). An
 * error with nothing to scrub is returned as it is.
 */
export function scrubError<T>(error: T, options: ScrubOptions = {}): T {
  const drop = options.drop ?? new Set<string>();
  return needsScrub(error, drop, 0, new Set()) ? (copyScrubbed(error, drop, 0, new Map()) as T) : error;
}

type Walked = "array" | "record" | undefined;

/** Arrays, errors and plain records are walked; a Buffer, a Map or a class instance is data, not text we print. */
function walked(value: unknown, depth: number): Walked {
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) return "array";
  const proto: unknown = Object.getPrototypeOf(value);
  return value instanceof Error || proto === Object.prototype || proto === null ? "record" : undefined;
}

function needsScrub(value: unknown, drop: ReadonlySet<string>, depth: number, seen: Set<object>): boolean {
  if (typeof value === "string") return redactText(value) !== value;
  const kind = walked(value, depth);
  if (kind === undefined || seen.has(value as object)) return false;
  seen.add(value as object);
  if (kind === "array") return (value as unknown[]).some((item) => needsScrub(item, drop, depth + 1, seen));
  return Reflect.ownKeys(value as object).some((key) => {
    if (typeof key === "string" && drop.has(key)) return true;
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
    return "value" in descriptor && needsScrub(descriptor.value, drop, depth + 1, seen);
  });
}

function copyScrubbed(value: unknown, drop: ReadonlySet<string>, depth: number, seen: Map<object, unknown>): unknown {
  if (typeof value === "string") return redactText(value);
  const kind = walked(value, depth);
  if (kind === undefined) return value;
  const original = value as object;
  if (seen.has(original)) return seen.get(original);
  if (kind === "array") {
    const copy: unknown[] = [];
    seen.set(original, copy);
    for (const item of value as unknown[]) copy.push(copyScrubbed(item, drop, depth + 1, seen));
    return copy;
  }
  // Own properties, enumerable or not (message, stack and cause are not), with their descriptors.
  const copy: object = Object.create(Object.getPrototypeOf(original) as object | null);
  seen.set(original, copy);
  for (const key of Reflect.ownKeys(original)) {
    if (typeof key === "string" && drop.has(key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(original, key)!;
    if ("value" in descriptor) descriptor.value = copyScrubbed(descriptor.value, drop, depth + 1, seen);
    Object.defineProperty(copy, key, descriptor);
  }
  return copy;
}
