/**
 * The job's command: `node -e <bootstrap>` (see BOOTSTRAP_SOURCE for why not a module). The
 * image needs nothing but Node.js ≥ 20. The script reads PARAZARR_RUN,
 * fetches run.json, then core.mjs and child.mjs, with signed GETs (the job
 * role's credentials from the container credential endpoint, as the SDK's
 * container provider gets them, or from the environment), writes them to
 * `<tmp>/parazarr-code/<hash>/<name>` and imports child.mjs, which brings
 * the SDK for everything after.
 *
 * It is part of the job definition parazarr registers, so its text is in
 * the definition's hash: a new bootstrap is a new definition, never a
 * changed one. It is small (see the test that bounds it): with a job
 * definition named by the user it travels as a container override, and
 * Batch fails a job whose overrides pass 8192 characters.
 *
 * Like signV4, `bootstrapChild` is sent as source: it uses only its arguments.
 */
import { signV4 } from "./sigv4.js";

export interface BootstrapDeps {
  readonly crypto: typeof import("node:crypto");
  readonly fs: typeof import("node:fs/promises");
  readonly os: typeof import("node:os");
  readonly path: typeof import("node:path");
  readonly http: typeof import("node:http");
  readonly https: typeof import("node:https");
  readonly pathToFileURL: typeof import("node:url").pathToFileURL;
  readonly signV4: typeof signV4;
  readonly env: NodeJS.ProcessEnv;
  /** `import(url)`, from outside this function: a bundler or test runner may rewrite an import() inside it. */
  readonly load: (url: string) => Promise<unknown>;
}

export async function bootstrapChild(deps: BootstrapDeps): Promise<void> {
  const { crypto, fs, os, path, env } = deps;
  const run = /^s3:\/\/([^/]+)\/(.+?)\/?$/.exec(env.PARAZARR_RUN ?? "");
  if (run === null) throw new Error(`PARAZARR_RUN must be s3://bucket/prefix/, got ${JSON.stringify(env.PARAZARR_RUN)}`);
  const bucket = run[1] as string;
  const endpoint = env.AWS_ENDPOINT_URL_S3;
  let region = env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1";
  const request = (url: string, headers: Record<string, string>) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const client = url.startsWith("https:") ? deps.https : deps.http;
      const req = client.get(url, { headers, timeout: 30_000 }, (res) => {
        const parts: Buffer[] = [];
        res.on("data", (part: Buffer) => parts.push(part));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`no answer from ${new URL(url).host} in 30 s`)));
      req.on("error", reject);
    });
  const credentials = async () => {
    if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
      return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN };
    }
    const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
    const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI || (relative ? `http://169.254.170.2${relative}` : "");
    if (!full) throw new Error("no credentials: neither AWS_ACCESS_KEY_ID nor a container credential endpoint (the job role) is set");
    const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
    const token = tokenFile ? (await fs.readFile(tokenFile, "utf8")).trim() : env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    const answer = await request(full, token ? { Authorization: token } : {});
    if (answer.status !== 200) throw new Error(`the container credential endpoint answered HTTP ${answer.status}`);
    const role = JSON.parse(answer.body.toString("utf8")) as { AccessKeyId: string; SecretAccessKey: string; Token?: string };
    return { accessKeyId: role.AccessKeyId, secretAccessKey: role.SecretAccessKey, sessionToken: role.Token };
  };
  const signer = await credentials();
  const get = async (key: string): Promise<Buffer> => {
    const keyPath = key.split("/").map(encodeURIComponent).join("/");
    for (let attempt = 0; ; attempt++) {
      // A custom endpoint (tests, S3-compatible servers) is addressed by path; AWS by virtual host, or by path for dotted names (TLS).
      const url = endpoint
        ? `${endpoint.replace(/\/+$/, "")}/${bucket}/${keyPath}`
        : bucket.includes(".")
          ? `https://s3.${region}.amazonaws.com/${bucket}/${keyPath}`
          : `https://${bucket}.s3.${region}.amazonaws.com/${keyPath}`;
      const payloadHash = crypto.createHash("sha256").update("").digest("hex");
      const headers = deps.signV4(crypto, { method: "GET", url, region, service: "s3", credentials: signer, now: new Date(), payloadHash });
      const answer = await request(url, headers);
      if (answer.status === 200) return answer.body;
      const moved = answer.headers["x-amz-bucket-region"];
      if (typeof moved === "string" && moved !== region && attempt < 2) {
        region = moved;
        continue;
      }
      if ((answer.status >= 500 || answer.status === 429) && attempt < 5) {
        await new Promise((done) => setTimeout(done, 250 * 2 ** attempt));
        continue;
      }
      throw new Error(`GET s3://${bucket}/${key}: HTTP ${answer.status}: ${answer.body.toString("utf8").slice(0, 300)}`);
    }
  };
  const config = JSON.parse((await get(`${run[2]}/run.json`)).toString("utf8")) as { code: { core: string; child: string } };
  let entry = "";
  for (const url of [config.code.core, config.code.child]) {
    const parts = /^s3:\/\/[^/]+\/(.*\/([^/]+)\/([^/]+))$/.exec(url);
    if (parts === null) throw new Error(`run.json names a module that is not a shipped bundle: ${url}`);
    const dir = path.join(os.tmpdir(), "parazarr-code", parts[2] as string);
    const file = path.join(dir, parts[3] as string);
    const there = await fs.stat(file).then(() => true, () => false);
    if (!there) {
      await fs.mkdir(dir, { recursive: true });
      const temporary = `${file}.${crypto.randomBytes(6).toString("hex")}.tmp`;
      await fs.writeFile(temporary, await get(parts[1] as string));
      await fs.rename(temporary, file);
    }
    entry = file;
  }
  await deps.load(deps.pathToFileURL(entry).href);
}

/**
 * The script as written: the compiled source of signV4 and bootstrapChild.
 * CommonJS (`node -e`), not `--input-type=module`: worker threads inherit
 * the process's exec flags, and Node 20 refuses to start a thread under
 * `--input-type` ("can only be used with string input via --eval"), so
 * every thread of the child's agent would fail. `import()` works from
 * CommonJS all the same.
 */
export const BOOTSTRAP_SOURCE = [
  'const crypto = require("node:crypto");',
  'const fs = require("node:fs/promises");',
  'const os = require("node:os");',
  'const path = require("node:path");',
  'const http = require("node:http");',
  'const https = require("node:https");',
  'const { pathToFileURL } = require("node:url");',
  `const signV4 = ${signV4.toString()};`,
  `const bootstrapChild = ${bootstrapChild.toString()};`,
  "bootstrapChild({ crypto, fs, os, path, http, https, pathToFileURL, signV4, env: process.env, load: (url) => import(url) })",
  '  .catch((error) => { console.error("parazarr bootstrap: " + (error && error.message)); process.exit(1); });',
].join("\n");

let command: Promise<readonly string[]> | undefined;

/**
 * The job's command, minified (esbuild): about half the characters, so
 * that with a named job definition it fits the 8192-character override
 * limit with room for the environment.
 */
export function bootstrapCommand(): Promise<readonly string[]> {
  command ??= import("esbuild").then(async ({ transform }) => {
    const { code } = await transform(BOOTSTRAP_SOURCE, { minify: true, target: "node20", legalComments: "none" });
    return ["node", "-e", code.trim()];
  });
  return command;
}
