/**
 * The job's bootstrap: a Node-only script that fetches child.mjs and
 * core.mjs with SigV4-signed GETs, using the job role's credentials from the
 * container credential endpoint, and imports the child. Its signer is
 * checked against @smithy/signature-v4 (s3rver does not check signatures).
 */
import { spawn } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignatureV4 } from "@smithy/signature-v4";
import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";
// The built files: the bootstrap is sent as the compiled source of these functions.
import { bootstrapCommand } from "../dist/bootstrap/bootstrap.js";
import { signV4 } from "../dist/bootstrap/sigv4.js";
import * as crypto from "node:crypto";
import { startS3Server } from "../../../test/fixtures/s3-server.mjs";

class Sha256 {
  readonly #hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", typeof secret === "string" ? secret : bytesOf(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(typeof data === "string" ? data : bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

const bytesOf = (data: ArrayBuffer | ArrayBufferView): Uint8Array =>
  data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");

async function smithyAuthorization(url: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, now: Date, region: string) {
  const u = new URL(url);
  const signer = new SignatureV4({ service: "s3", region, credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign(
    {
      method: "GET",
      protocol: u.protocol,
      hostname: u.hostname,
      ...(u.port !== "" && { port: Number(u.port) }),
      path: u.pathname,
      query: Object.fromEntries(u.searchParams.entries()),
      headers: { host: u.host, "x-amz-content-sha256": EMPTY_SHA256 },
    },
    { signingDate: now },
  );
  return signed.headers;
}

describe("the bootstrap's SigV4 signer", () => {
  const now = new Date("2026-03-04T05:06:07.890Z");
  it.each([
    ["a path-style key on a custom endpoint", "http://127.0.0.1:9000/parazarr-test/staging/code/0123456789abcdef/child.mjs", undefined],
    ["a virtual-hosted key with a session token", "https://my-bucket.s3.eu-west-1.amazonaws.com/runs/a1/run.json", "FQoGZXIvYXdzEJr//////////token+/="],
    ["a key with characters to encode and a query", "https://my-bucket.s3.eu-west-1.amazonaws.com/a%20b/c~d.mjs?versionId=3%2F4&acl=", undefined],
  ])("signs %s exactly as @smithy/signature-v4 does", async (_what, url, sessionToken) => {
    const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ...(sessionToken && { sessionToken }) };
    const ours = signV4(crypto, { method: "GET", url, region: "eu-west-1", service: "s3", credentials, now, payloadHash: EMPTY_SHA256 });
    const theirs = await smithyAuthorization(url, credentials, now, "eu-west-1");
    expect(ours.authorization).toBe(theirs.authorization);
    expect(ours["x-amz-date"]).toBe(theirs["x-amz-date"]);
    if (sessionToken) expect(ours["x-amz-security-token"]).toBe(sessionToken);
  });

  it("fits a container override with room to spare (Batch fails a job whose overrides pass 8192 characters)", async () => {
    const overrides = {
      command: await bootstrapCommand(),
      environment: [
        { name: "PARAZARR_RUN", value: `s3://${"b".repeat(63)}/${"p".repeat(200)}/runs/0123456789ab/` },
        { name: "AWS_ENDPOINT_URL_S3", value: "https://s3.some-compatible-server.example.com:9000" },
      ],
    };
    expect(JSON.stringify(overrides).length).toBeLessThan(8192 - 1024);
  });
});

describe("the bootstrap on a child with only Node.js", () => {
  let s3: Awaited<ReturnType<typeof startS3Server>>;
  let credentialServer: Server;
  let credentialUrl = "";
  let credentialHits: string[] = [];
  const role = { AccessKeyId: "ROLEKEYID", SecretAccessKey: "role-secret-value", Token: "role-session-token" };
  const coreHash = "00112233aabbccdd";
  const childHash = "44556677eeff0011";

  beforeAll(async () => {
    s3 = await startS3Server();
    // s3rver checks the access key id (not signatures): the role's key must be one it knows.
    createRequire(import.meta.url)("s3rver/lib/models/account").DUMMY_ACCOUNT.createKeyPair(role.AccessKeyId, role.SecretAccessKey);
    credentialServer = createServer((req, res) => {
      credentialHits.push(String(req.headers.authorization));
      if (req.headers.authorization !== "container-token") {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ...role, Expiration: new Date(Date.now() + 3600_000).toISOString() }));
    });
    await new Promise<void>((done) => credentialServer.listen(0, "127.0.0.1", done));
    const address = credentialServer.address() as { port: number };
    credentialUrl = `http://127.0.0.1:${address.port}/creds/role`;
    const client = new S3Client({ ...s3.options, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, requestChecksumCalculation: "WHEN_REQUIRED" });
    const put = (Key: string, Body: string) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body }));
    await put(`staging/code/${coreHash}/core.mjs`, "export const answer = 42;\n");
    await put(
      `staging/code/${childHash}/child.mjs`,
      `import { answer } from "../${coreHash}/core.mjs";\nimport { writeFileSync } from "node:fs";\nwriteFileSync(process.env.MARKER, JSON.stringify({ answer, url: import.meta.url }));\n`,
    );
    await put(
      "staging/runs/r1/run.json",
      JSON.stringify({ code: { core: `s3://${s3.bucket}/staging/code/${coreHash}/core.mjs`, child: `s3://${s3.bucket}/staging/code/${childHash}/child.mjs` } }),
    );
    client.destroy();
  });

  afterAll(async () => {
    await s3?.stop();
    await new Promise((done) => credentialServer?.close(done));
  });

  async function runBootstrap(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    const [node, ...args] = await bootstrapCommand();
    expect(node).toBe("node");
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on("exit", done));
    return { code, stderr };
  }

  it("fetches core.mjs and child.mjs with the job role's credentials, lays them out by hash and imports the child", async () => {
    const tmp = await mkdtemp(join(tmpdir(), "parazarr-bootstrap-"));
    credentialHits = [];
    try {
      const marker = join(tmp, "marker.json");
      const { code, stderr } = await runBootstrap({
        PARAZARR_RUN: `s3://${s3.bucket}/staging/runs/r1/`,
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: credentialUrl,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "container-token",
        TMPDIR: tmp,
        MARKER: marker,
      });
      expect(stderr).toBe("");
      expect(code).toBe(0);
      const ran = JSON.parse(await readFile(marker, "utf8")) as { answer: number; url: string };
      expect(ran.answer).toBe(42);
      expect(ran.url).toBe(`file://${join(tmp, "parazarr-code", childHash, "child.mjs")}`);
      expect((await readdir(join(tmp, "parazarr-code"))).sort()).toEqual([coreHash, childHash].sort());
      expect(credentialHits).toEqual(["container-token"]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it("fails with a clear message and exit code 1 when S3 refuses the credentials", async () => {
    const tmp = await mkdtemp(join(tmpdir(), "parazarr-bootstrap-"));
    try {
      const { code, stderr } = await runBootstrap({
        PARAZARR_RUN: `s3://${s3.bucket}/staging/runs/r1/`,
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ACCESS_KEY_ID: "NOSUCHKEY",
        AWS_SECRET_ACCESS_KEY: "canary-not-a-real-secret",
        TMPDIR: tmp,
      });
      expect(code).toBe(1);
      expect(stderr).toMatch(/^parazarr bootstrap: GET s3:\/\/parazarr-test\/staging\/runs\/r1\/run.json: HTTP 403/);
      expect(stderr).not.toContain("canary-not-a-real-secret");
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
