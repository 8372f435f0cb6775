/**
 * AWS Signature Version 4 for one S3 GET, self-contained: the job's
 * bootstrap carries this function's source (`signV4.toString()`), because
 * the image has nothing but Node.js: no SDK until child.mjs is fetched.
 * It must therefore use nothing from outside its own body but its
 * arguments. Checked against @smithy/signature-v4 in the tests.
 *
 * S3 flavour: the path is signed as sent (S3 does not want it encoded
 * twice), and `x-amz-content-sha256` is signed too.
 */
export interface SignV4Input {
  readonly method: string;
  readonly url: string;
  readonly region: string;
  readonly service: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string | undefined };
  readonly now: Date;
  /** Hex SHA-256 of the body ("e3b0…" for none). */
  readonly payloadHash: string;
}

/** The headers to send: host, x-amz-date, x-amz-content-sha256, x-amz-security-token (with a session), authorization. */
export function signV4(crypto: typeof import("node:crypto"), input: SignV4Input): Record<string, string> {
  const url = new URL(input.url);
  const amzDate = input.now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    host: url.host,
    "x-amz-content-sha256": input.payloadHash,
    "x-amz-date": amzDate,
  };
  if (input.credentials.sessionToken) headers["x-amz-security-token"] = input.credentials.sessionToken;
  const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [encode(k), encode(v)])
    .sort((a, b) => (a[0] === b[0] ? (a[1]! < b[1]! ? -1 : 1) : a[0]! < b[0]! ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const names = Object.keys(headers).sort();
  const canonical = [
    input.method,
    url.pathname || "/",
    query,
    names.map((name) => `${name}:${String(headers[name]).trim().replace(/\s+/g, " ")}\n`).join(""),
    names.join(";"),
    input.payloadHash,
  ].join("\n");
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const sha256 = (text: string) => crypto.createHash("sha256").update(text, "utf8").digest("hex");
  const hmac = (key: string | Buffer, text: string) => crypto.createHmac("sha256", key).update(text, "utf8").digest();
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  let key = hmac(`AWS4${input.credentials.secretAccessKey}`, day);
  for (const part of [input.region, input.service, "aws4_request"]) key = hmac(key, part);
  const signature = crypto.createHmac("sha256", key).update(toSign, "utf8").digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return headers;
}
