/**
 * No credential ever shows in anything parazarr raises, forwards or prints.
 *
 * Canary values sit where credentials live (the AWS variables of this
 * process and of a worker, URL user info, signed-URL query parameters, an
 * ssh host string, a private key, a passphrase, a profile file); every error
 * path we can provoke is provoked (stores, S3 through s3rver and a server
 * that echoes what the request carried, HTTP, SSH through a real sshd,
 * worker failures and crashes on threads and processes); then everything
 * reachable from each error is searched, and a child process's whole output.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  create,
  isArrayNotFoundError,
  isPlanError,
  isS3StoreError,
  isStoreSpecError,
  isTaskError,
  isWorkerCrashedError,
  map,
  open,
  read,
  sequential,
  setPlan,
  withPlan,
  writeRegion,
  type Plan,
} from "@parazarr/core";
import { redactText, scrubError } from "@parazarr/core/backend";
import { isSshHostsUnavailableError, ssh } from "@parazarr/backend-ssh";
import { threads } from "@parazarr/backend-threads";
import { processes } from "@parazarr/backend-processes";
import { startHttpServer } from "./fixtures/http-server.mjs";
import { startS3EchoServer, ECHO_REQUEST_ID } from "./fixtures/s3-echo-server.mjs";
import { startS3Server } from "./fixtures/s3-server.mjs";
import { startSshServers, type SshServers } from "./fixtures/sshd.mjs";
import { crashWhenIdle, crashWithCredential, exitWorker, failWithInheritedCredentials, failWithOwnCredential, printToken } from "./fixtures/secret-tasks.mjs";

const canary = (name: string) => `canary-${name}-${randomBytes(8).toString("hex")}`;
const CANARY = {
  secretKey: "", // s3rver's secret, set in beforeAll: the real one in play
  sessionToken: canary("session-token"),
  workerToken: canary("worker-token"),
  urlUser: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`,
  urlPassword: canary("url-password"),
  slashedPassword: `${canary("slashed")}/x+y/${canary("tail")}`,
  signature: canary("x-amz-signature"),
  credential: canary("x-amz-credential"),
  queryToken: canary("x-amz-security-token"),
  sasSig: canary("sig"),
  sshPassword: canary("ssh-password"),
  passphrase: canary("passphrase"),
  profileKeyId: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`,
  profileToken: canary("profile-token"),
};
const canaries = () => Object.entries(CANARY).filter(([, value]) => value !== "");

/** Every string reachable from a value: own fields (enumerable or not), recursively, plus String() and util.inspect of it. */
function everythingIn(value: unknown): string {
  const parts = [String(value), inspect(value, { depth: Infinity, showHidden: true })];
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (typeof v === "string") parts.push(v);
    if (typeof v !== "object" || v === null || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) return void parts.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("latin1"));
    for (const key of Reflect.ownKeys(v)) {
      try {
        walk((v as Record<PropertyKey, unknown>)[key]);
      } catch {
        // a throwing getter shows nothing
      }
    }
  };
  walk(value);
  return parts.join("\n");
}

/** The names of the canaries found in `text` (and in extra secrets given). */
function leaksIn(text: string, extra: Record<string, string> = {}): string[] {
  return [...canaries(), ...Object.entries(extra)].filter(([, secret]) => text.includes(secret)).map(([name]) => name);
}

async function rejection(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

let s3: Awaited<ReturnType<typeof startS3Server>>;
let echo: Awaited<ReturnType<typeof startS3EchoServer>>;
let web: Awaited<ReturnType<typeof startHttpServer>>;
let work: string;

beforeAll(async () => {
  s3 = await startS3Server();
  echo = await startS3EchoServer();
  work = await mkdtemp(join(tmpdir(), "parazarr-secrets-"));
  // 503 for every chunk: a remote store failing inside a worker.
  web = await startHttpServer(work, { intercept: (path) => (path.includes("/c/") ? { status: 503 } : undefined) });
  CANARY.secretKey = s3.secretAccessKey;
  // Before any worker starts: workers inherit the environment.
  Object.assign(process.env, s3.env, { AWS_SESSION_TOKEN: CANARY.sessionToken });
});

afterEach(() => setPlan(sequential()));

afterAll(async () => {
  await setPlan(sequential());
  await s3?.stop();
  await echo?.stop();
  await web?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("redactText, which backends use for their own messages", () => {
  it.each([
    ["https://u:pw@h/x", "https://[redacted]@h/x"],
    ["s3://KEY:se/cr+et@bucket/p", "s3://[redacted]@bucket/p"],
    ["https://h/o?X-Amz-Signature=abc&X-Amz-Credential=K%2F2026&versionId=7", "https://h/o?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]&versionId=7"],
    ["https://acct.blob.core.windows.net/c?sv=2024&sig=abc%3D", "https://acct.blob.core.windows.net/c?sv=2024&sig=[redacted]"],
    ["https://storage.googleapis.com/b/o?X-Goog-Signature=abc", "https://storage.googleapis.com/b/o?X-Goog-Signature=[redacted]"],
    ["Authorization: AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=ab12", "Authorization: AWS4-HMAC-SHA256 Credential=[redacted], Signature=[redacted]"],
    ["Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30", "Authorization: Bearer [redacted]"],
    ["Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [redacted]"],
    ["Basic authentication failed", "Basic authentication failed"],
    ["http://127.0.0.1:9000/data/v@2.zarr", "http://127.0.0.1:9000/data/v@2.zarr"],
    ["file:///data/a@b.zarr", "file:///data/a@b.zarr"],
  ])("%s → %s", (text, shown) => {
    expect(redactText(text)).toBe(shown);
  });

  it("cuts the values of this process's credential variables, plain and URL-encoded", () => {
    const secret = process.env.AWS_SECRET_ACCESS_KEY!;
    // AWS secrets hold "/" and "+", which a URL or a canonical request encodes.
    const slashed = `${canary("legacy-token")}/a+b=`;
    process.env.AWS_SECURITY_TOKEN = slashed;
    try {
      expect(redactText(`key ${secret}, token ${CANARY.sessionToken}, in a URL ?t=${encodeURIComponent(slashed)}, plain ${slashed}`)).toBe(
        "key [redacted], token [redacted], in a URL ?t=[redacted], plain [redacted]",
      );
    } finally {
      delete process.env.AWS_SECURITY_TOKEN;
    }
  });
});

describe("scrubError, which backends use for errors they forward", () => {
  it("copies an error with its class, its cycles and its cause, without the credentials in any of them", () => {
    class SdkError extends Error {
      self?: unknown;
      details?: unknown;
    }
    const secret = process.env.AWS_SECRET_ACCESS_KEY!;
    const error = new SdkError(`signing with ${secret}`, { cause: new Error(`token ${CANARY.sessionToken}`) });
    error.self = error;
    error.details = { attempts: 3, headers: [`x-amz-security-token: ${CANARY.sessionToken}`], again: error };
    const scrubbed = scrubError(error);
    expect(scrubbed).toBeInstanceOf(SdkError);
    expect(scrubbed.message).toBe("signing with [redacted]");
    expect(scrubbed.self).toBe(scrubbed);
    expect(scrubbed.details).toEqual({ attempts: 3, headers: ["x-amz-security-token: [redacted]"], again: scrubbed });
    expect(leaksIn(everythingIn(scrubbed))).toEqual([]);
    const clean = new Error("nothing to hide");
    expect(scrubError(clean)).toBe(clean);
  });
});

describe("store URLs", () => {
  it.each([
    ["s3", () => `s3://${CANARY.urlUser}:${CANARY.urlPassword}@bucket/x`],
    ["gs", () => `gs://u:${CANARY.urlPassword}@bucket/x`],
    ["https", () => `https://me:${CANARY.urlPassword}@127.0.0.1/x`],
    ["s3 with a slash in the secret", () => `s3://${CANARY.urlUser}:${CANARY.slashedPassword}@bucket/x`],
  ])("open() and create() refuse a %s URL with user info, and show it redacted", async (_scheme, url) => {
    for (const error of [await rejection(() => open(url(), "a")), await rejection(() => create(url(), "a", { shape: [4], chunks: [4], dtype: "uint8" }))]) {
      expect(isStoreSpecError(error)).toBe(true);
      expect(error.message).toContain("[redacted]@");
      expect(error.message).toContain("must not hold credentials");
      expect(leaksIn(everythingIn(error))).toEqual([]);
    }
  });

  it("read() and writeRegion() refuse a handle edited to carry user info, before any task message", async () => {
    const arr = await create(pathToFileURL(join(work, "edited.zarr")).href, "a", { shape: [8], chunks: [4], dtype: "uint8" });
    const edited = { ...arr, store: { url: `s3://${CANARY.urlUser}:${CANARY.slashedPassword}@bucket/edited.zarr` } };
    setPlan(threads(2));
    for (const error of [await rejection(() => read(edited, null)), await rejection(() => writeRegion(edited, null, new Uint8Array(8)))]) {
      expect(isStoreSpecError(error)).toBe(true); // refused in the caller, not by a worker that received it
      expect(leaksIn(everythingIn(error))).toEqual([]);
    }
  });

  it("an \"@\" in a URL's path is no user info: such a store opens", async () => {
    const arr = await create(pathToFileURL(join(work, "v@2.zarr")).href, "a", { shape: [4], chunks: [4], dtype: "uint8" });
    await writeRegion(arr, null, Uint8Array.of(1, 2, 3, 4));
    const served = await open(`${web.url}/v@2.zarr`, "a");
    expect(served.store.url).toBe(`${web.url}/v@2.zarr`);
    const error = await rejection(() => read(served, null)); // every chunk answers 503 here
    expect(error.message).toContain(`GET ${web.url}/v@2.zarr/a/c/0 answered 503`);
  });

  it("signed-URL parameters in an HTTP store URL never show in its errors, on the caller or in a worker", async () => {
    const query = `X-Amz-Signature=${CANARY.signature}&X-Amz-Credential=${CANARY.credential}&X-Amz-Security-Token=${CANARY.queryToken}&sig=${CANARY.sasSig}`;
    const missing = await rejection(() => open(`${web.url}/no-such.zarr?${query}`, "a"));
    expect(isArrayNotFoundError(missing)).toBe(true);
    expect(missing.message).toContain(`${web.url}/no-such.zarr?…`);
    expect(leaksIn(everythingIn(missing))).toEqual([]);

    // An array whose chunks answer 503, read by worker threads.
    const arr = await create(pathToFileURL(join(work, "busy.zarr")).href, "a", { shape: [8], chunks: [4], dtype: "uint8" });
    await writeRegion(arr, null, new Uint8Array(8).fill(1));
    setPlan(threads(2));
    const remote = await open(`${web.url}/busy.zarr?${query}`, "a");
    const failed = await rejection(() => read(remote, null));
    expect(isTaskError(failed)).toBe(true);
    expect(failed.message).toContain("503");
    expect(leaksIn(everythingIn(failed))).toEqual([]);
  });
});

describe("S3 errors", () => {
  it("keep code, HTTP status and request id, and drop what the server echoed of the request's credentials", async () => {
    const error = await rejection(() => open({ url: "s3://loud/x.zarr", options: echo.options }, "a"));
    expect(isS3StoreError(error)).toBe(true);
    expect(error).toMatchObject({ code: "SignatureDoesNotMatch", status: 403, requestId: ECHO_REQUEST_ID, bucket: "loud" });
    const cause = error.cause as { name?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
    expect(cause.name).toBe("SignatureDoesNotMatch");
    expect(cause.$metadata).toMatchObject({ httpStatusCode: 403, requestId: ECHO_REQUEST_ID });
    // The server really echoed the token (message and canonical request) and the key id.
    expect(echo.last).toEqual({ keyId: s3.accessKeyId, token: CANARY.sessionToken });
    expect(leaksIn(everythingIn(error), { accessKeyId: s3.accessKeyId })).toEqual([]);
  });

  it("drop echoed credentials that came from a profile file, which no environment scrub could know", async () => {
    const saved = { ...process.env };
    const profile = join(work, "credentials");
    await writeFile(
      profile,
      `[default]\naws_access_key_id = ${CANARY.profileKeyId}\naws_secret_access_key = ${canary("profile-secret")}\naws_session_token = ${CANARY.profileToken}\n`,
    );
    try {
      for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) delete process.env[name];
      Object.assign(process.env, { AWS_SHARED_CREDENTIALS_FILE: profile, AWS_CONFIG_FILE: join(work, "no-config"), AWS_PROFILE: "default" });
      const error = await rejection(() => open({ url: "s3://quiet/x.zarr", options: echo.options }, "a"));
      expect(error).toMatchObject({ _tag: "S3StoreError", code: "SignatureDoesNotMatch", status: 403 });
      expect(echo.last).toEqual({ keyId: CANARY.profileKeyId, token: CANARY.profileToken }); // echoed back
      expect(leaksIn(everythingIn(error))).toEqual([]);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  it("a chunk write to a bucket that does not exist names it and carries no secret", async () => {
    const arr = await create({ url: `s3://${s3.bucket}/moved.zarr`, options: s3.options }, "a", { shape: [8], chunks: [4], dtype: "uint8" });
    const gone = { ...arr, store: { ...arr.store, url: "s3://no-such-bucket/moved.zarr" } };
    const error = await rejection(() => writeRegion(gone, null, new Uint8Array(8)));
    expect(error.message).toContain("NoSuchBucket");
    expect(leaksIn(everythingIn(error))).toEqual([]);
  });
});

describe.each([
  ["threads(2)", () => threads(2)],
  ["processes(2)", () => processes(2)],
])("errors crossing the worker boundary on %s", (planName, makePlan) => {
  let plan: Plan;
  beforeAll(() => {
    plan = makePlan();
  });
  afterAll(() => plan.close());

  it("a task error repeating the inherited credentials reaches the caller without them", async () => {
    const error = await rejection(() => withPlan(plan, () => map(failWithInheritedCredentials, [1])));
    expect(isTaskError(error)).toBe(true);
    expect(error.message).toContain("signing with [redacted] failed");
    expect(leaksIn(everythingIn(error))).toEqual([]);
  });

  it("a credential only the worker's environment holds is cut out in the worker", async () => {
    const error = await rejection(() => withPlan(plan, () => map(failWithOwnCredential, [{ token: CANARY.workerToken }])));
    expect(isTaskError(error)).toBe(true);
    expect(process.env.AWS_SESSION_TOKEN).toBe(CANARY.sessionToken); // the caller never knew the worker's token
    expect(leaksIn(everythingIn(error))).toEqual([]);
  });

  it("an S3 error in a worker keeps its fields and loses the echoed credentials", async () => {
    const name = `echoed-${planName.replace(/\W/g, "")}.zarr`;
    const arr = await create({ url: `s3://${s3.bucket}/${name}`, options: s3.options }, "a", { shape: [8], chunks: [4], dtype: "uint8" });
    const echoed = { ...arr, store: { url: `s3://loud/${name}`, options: echo.options } };
    const error = await rejection(() => withPlan(plan, () => read(echoed, null)));
    expect(isTaskError(error)).toBe(true);
    expect(error.cause).toMatchObject({ _tag: "S3StoreError", code: "SignatureDoesNotMatch", status: 403, requestId: ECHO_REQUEST_ID });
    expect(echo.last.token).toBe(CANARY.sessionToken);
    expect(leaksIn(everythingIn(error), { accessKeyId: s3.accessKeyId })).toEqual([]);
  });

  it("a worker that crashes repeating the secret key is reported without it", async () => {
    // On processes(), Node's report of the uncaught error (stderr) becomes part of the crash reason.
    const error = await rejection(() => withPlan(plan, () => map(crashWithCredential, [1])));
    expect(isWorkerCrashedError(error)).toBe(true);
    expect(leaksIn(everythingIn(error))).toEqual([]);
  });
});

describe("warnings", () => {
  it("a worker thread that dies idle, repeating the secret key, is reported in a warning without it", async () => {
    const warnings: Error[] = [];
    const heard = new Promise<void>((resolve) => {
      const onWarning = (warning: Error) => {
        if (!warning.message.includes("a stray timer failed")) return;
        warnings.push(warning);
        process.off("warning", onWarning);
        resolve();
      };
      process.on("warning", onWarning);
    });
    const plan = threads(1);
    try {
      expect(await withPlan(plan, () => map(crashWhenIdle, [1]))).toEqual(["returned"]);
      await heard; // the test's timeout bounds the wait
      expect(warnings[0]!.message).toContain("signing with [redacted]");
      expect(leaksIn(everythingIn(warnings))).toEqual([]);
    } finally {
      await plan.close();
    }
  });
});

describe("ssh", () => {
  let servers: SshServers;
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeAll(async () => {
    servers = await startSshServers(1);
    process.on("warning", onWarning);
  });
  afterAll(async () => {
    process.off("warning", onWarning);
    await servers?.stop();
  });

  it.each([
    ["user:password@host", () => `me:${CANARY.sshPassword}@127.0.0.1:22`],
    ["a password holding @", () => `me:${CANARY.sshPassword}@x@127.0.0.1`],
  ])("refuses a host string with %s, without echoing the password", async (_what, host) => {
    const error = await rejection(() => ssh({ hosts: [host()] }));
    expect(isPlanError(error)).toBe(true);
    expect(error.message).toContain("hosts[0]");
    expect(error.message).toContain("me:[redacted]@");
    expect(leaksIn(everythingIn(error))).toEqual([]);
  });

  it("refuses a private key body without its BEGIN line, and never prints it as a path", async () => {
    const pem = await readFile(servers.clientKey, "utf8");
    const lines = pem.split("\n").filter((line) => line !== "" && !line.startsWith("-----BEGIN"));
    const bodies = { multiLine: lines.join("\n"), oneLine: lines.filter((l) => !l.startsWith("-----")).join("") };
    for (const body of Object.values(bodies)) {
      const error = await rejection(async () => {
        const plan = ssh({ hosts: [servers.hosts[0]!], privateKey: body, knownHosts: servers.knownHosts });
        try {
          await withPlan(plan, () => map(exitWorker, [1]));
        } finally {
          await plan.close();
        }
      });
      expect(isPlanError(error)).toBe(true);
      expect(error.message).toContain("privateKey");
      const secretLines = Object.fromEntries(lines.filter((l) => !l.startsWith("-----")).map((line, i) => [`key line ${i}`, line]));
      expect(leaksIn(everythingIn(error), { ...secretLines, body })).toEqual([]);
    }
  });

  it("a credential only a host's worker holds is cut out on the host, before it crosses SSH", async () => {
    const plan = ssh({ hosts: [servers.hosts[0]!], privateKey: servers.clientKey, knownHosts: servers.knownHosts, remoteDir: join(servers.dir, "remote"), workersPerHost: 1 });
    try {
      const error = await rejection(() => withPlan(plan, () => map(failWithOwnCredential, [{ token: CANARY.workerToken }])));
      expect(isTaskError(error)).toBe(true);
      expect(error.message).toContain("the security token [redacted] is invalid");
      expect(leaksIn(everythingIn(error))).toEqual([]);
    } finally {
      await plan.close();
    }
  });

  it("a host's output, shown on this process's stderr, is scrubbed of the credentials this process knows", async () => {
    const plan = ssh({ hosts: [servers.hosts[0]!], privateKey: servers.clientKey, knownHosts: servers.knownHosts, remoteDir: join(servers.dir, "remote"), workersPerHost: 1 });
    const shown: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      shown.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stderr.write;
    try {
      expect(await withPlan(plan, () => map(printToken, [{ token: CANARY.sessionToken }]))).toEqual(["printed"]);
      // The line travels on the agent's stderr, apart from the result: wait for it (the test's timeout bounds the wait).
      while (!shown.some((text) => text.includes("printed: the token is"))) await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.stderr.write = write;
      await plan.close();
    }
    const text = shown.join("");
    expect(text).toMatch(/\[ssh [^\]]+\] printed: the token is \[redacted\]/);
    expect(leaksIn(text)).toEqual([]);
  });

  it("a refused host and the host-key warning hold neither the key nor its passphrase", async () => {
    const wrongKey = await readFile(servers.wrongKey, "utf8");
    const plan = ssh({ hosts: [servers.hosts[0]!], privateKey: wrongKey, passphrase: CANARY.passphrase, verifyHostKeys: false, remoteDir: join(servers.dir, "remote") });
    const error = await rejection(async () => {
      try {
        await withPlan(plan, () => map(exitWorker, [1]));
      } finally {
        await plan.close();
      }
    });
    expect(isSshHostsUnavailableError(error)).toBe(true);
    expect(error.message).toContain("authentication");
    expect(warnings.some((w) => w.message.includes("verifyHostKeys: false"))).toBe(true);
    const keyLines = Object.fromEntries(wrongKey.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----")).map((l, i) => [`key line ${i}`, l]));
    expect(leaksIn(everythingIn([error, warnings]), keyLines)).toEqual([]);
  });
});

describe("a script's whole output", () => {
  it("holds no canary, though it printed every error it met", async () => {
    const script = fileURLToPath(new URL("./fixtures/secret-canary-script.mjs", import.meta.url));
    const keyLines = randomBytes(240).toString("base64").match(/.{1,64}/g)!;
    const env = {
      KEY_BODY: `${keyLines.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`,
      ...process.env,
      CANARY_JSON: JSON.stringify(CANARY),
      HTTP_URL: web.url,
      ECHO_ENDPOINT: echo.endpoint,
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      WORK_DIR: work,
    };
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [script], { env, timeout: 120_000, maxBuffer: 64 << 20 }, (_error, stdout, stderr) =>
        resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
    const output = `${stdout}\n${stderr}`;
    expect(code, `the script failed; its last words:\n${stdout.slice(-1500)}\n--- stderr:\n${stderr.slice(-1500)}`).toBe(0);
    // It met (and printed) every kind of error it provoked.
    for (const tag of ["StoreSpecError", "ArrayNotFoundError", "S3StoreError", "TaskError", "WorkerCrashedError", "PlanError"]) {
      expect(output).toContain(tag);
    }
    expect(stdout).toContain("done:");
    expect(leaksIn(output, Object.fromEntries(keyLines.map((line, i) => [`key line ${i}`, line])))).toEqual([]);
  });
});
