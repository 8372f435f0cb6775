import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { inspect, promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { isTransient } from "@parazarr/core";
import { openS3Store, parseS3Url } from "../packages/core/dist/zarr/stores/s3.js";
import { isS3StoreError, isStoreSpecError } from "../packages/core/dist/zarr/stores/errors.js";
import { startHttpServer } from "./fixtures/http-server.mjs";
import { startS3Server } from "./fixtures/s3-server.mjs";

let s3: Awaited<ReturnType<typeof startS3Server>>;
let raw: S3Client;

beforeAll(async () => {
  s3 = await startS3Server();
  // Credentials reach the store the way they reach a worker: the environment's default chain.
  Object.assign(process.env, s3.env);
  raw = new S3Client({ ...s3.options });
});

afterAll(async () => {
  raw?.destroy();
  await s3?.stop();
});

const spec = (url: string) => ({ url, options: s3.options });

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the promise to reject");
}

/** What an error would show anywhere: message, fields, causes. */
const everything = (error: unknown) => `${String(error)}\n${inspect(error, { depth: Infinity, showHidden: true })}`;

describe("S3 store", () => {
  it("writes, reads, overwrites and deletes keys under its prefix", async () => {
    const store = await openS3Store(spec(`s3://${s3.bucket}/archives/run-1`));
    const key = "/temperature/c/0/0";
    expect(await store.get(key)).toBeUndefined();

    await store.set!(key, Uint8Array.of(1, 2, 3));
    expect(await store.get(key)).toEqual(Uint8Array.of(1, 2, 3));
    await store.set!(key, Uint8Array.of(9));
    expect(await store.get(key)).toEqual(Uint8Array.of(9));

    await store.delete!(key);
    expect(await store.get(key)).toBeUndefined();
    await expect(store.delete!(key)).resolves.toBeUndefined(); // deleting a missing key is not an error
  });

  it("lists one level of a store, folders whose objects sit deeper included, as S3 does", async () => {
    // A v3 array's chunks live at c/0/0/0: the folder c/ holds no object
    // of its own. (s3rver 3.7.1 left such folders out; the fixture fixes it.)
    const store = await openS3Store(spec(`s3://${s3.bucket}/listing/run-1`));
    for (const key of ["/zarr.json", "/t/zarr.json", "/t/c/0/0/0", "/t/c/1/0/0", "/deep/a/b/c"]) await store.set!(key, Uint8Array.of(1));
    const names = async (prefix: string) => {
      const found: string[] = [];
      for await (const name of store.list!(prefix)) found.push(name);
      return found.sort();
    };
    expect(await names("/")).toEqual(["deep/", "t/", "zarr.json"]);
    expect(await names("/t/")).toEqual(["c/", "zarr.json"]);
    expect(await names("/t/c/")).toEqual(["0/", "1/"]);
    expect(await names("/deep/")).toEqual(["a/"]);
  });

  it("maps store keys to object keys: prefix + key, and the bucket root without a prefix", async () => {
    const prefixed = await openS3Store(spec(`s3://${s3.bucket}/maps/a/`));
    await prefixed.set!("/zarr.json", new TextEncoder().encode('{"zarr_format":3}'));

    // Another client sees the object at exactly "maps/a/zarr.json".
    const out = await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: "maps/a/zarr.json" }));
    expect(await out.Body?.transformToString()).toBe('{"zarr_format":3}');

    const atRoot = await openS3Store(spec(`s3://${s3.bucket}`));
    expect(new TextDecoder().decode(await atRoot.get("/maps/a/zarr.json"))).toBe('{"zarr_format":3}');
    const sibling = await openS3Store(spec(`s3://${s3.bucket}/maps/ab`));
    expect(await sibling.get("/zarr.json")).toBeUndefined();
  });

  it("round-trips every byte value, a view into a larger buffer and a 6 MiB object exactly", async () => {
    const store = await openS3Store(spec(`s3://${s3.bucket}/binary`));
    const everyByte = Uint8Array.from({ length: 256 * 4 }, (_, i) => (i * 7) % 256);
    await store.set!("/every-byte", everyByte);
    expect(await store.get("/every-byte")).toEqual(everyByte);

    // Encoders hand over views into larger buffers: only the view's bytes are stored.
    const backing = Uint8Array.from({ length: 64 }, (_, i) => i);
    await store.set!("/view", backing.subarray(10, 20));
    expect(await store.get("/view")).toEqual(Uint8Array.from({ length: 10 }, (_, i) => 10 + i));

    const large = new Uint8Array(randomBytes(6 * 1024 * 1024));
    await store.set!("/large", large);
    const back = await store.get("/large");
    expect(back?.byteLength).toBe(large.byteLength);
    expect(Buffer.compare(Buffer.from(back!), Buffer.from(large))).toBe(0);
  });

  it("serves 64 concurrent writes and reads of distinct chunks", async () => {
    const store = await openS3Store(spec(`s3://${s3.bucket}/concurrent`));
    const keys = Array.from({ length: 64 }, (_, i) => `/c/${i}` as const);
    await Promise.all(keys.map((key, i) => store.set!(key, new Uint8Array(Float64Array.of(i, i * 0.5).buffer))));
    // slice(): a fresh, aligned buffer to view as float64.
    const values = await Promise.all(keys.map(async (key) => Array.from(new Float64Array((await store.get(key))!.slice().buffer))));
    expect(values).toEqual(keys.map((_, i) => [i, i * 0.5]));
  });

  it("an error names operation, bucket and key, is not transient, and never shows the secret key", async () => {
    expect(process.env.AWS_SECRET_ACCESS_KEY).toBe(s3.secretAccessKey); // the secret really is in play
    const store = await openS3Store(spec("s3://no-such-bucket/some/prefix"));
    const errors = [
      await rejection(store.get("/zarr.json")),
      await rejection(store.set!("/c/0", Uint8Array.of(1))),
    ];
    expect(errors.map((e) => e.message)).toEqual([
      "S3 GetObject s3://no-such-bucket/some/prefix/zarr.json failed: NoSuchBucket (HTTP 404): The specified bucket does not exist",
      "S3 PutObject s3://no-such-bucket/some/prefix/c/0 failed: NoSuchBucket (HTTP 404): The specified bucket does not exist",
    ]);
    for (const error of errors) {
      expect(isS3StoreError(error)).toBe(true);
      expect(isTransient(error)).toBe(false);
      expect(error).toMatchObject({ bucket: "no-such-bucket", code: "NoSuchBucket", status: 404 });
      expect(everything(error)).not.toContain(s3.secretAccessKey);
    }
  });

  it("an authentication failure names the problem but not the secret", async () => {
    const saved = process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_ACCESS_KEY_ID = "UNKNOWNKEYID";
    try {
      // A new store builds a new client, which reads the environment again.
      const store = await openS3Store(spec(`s3://${s3.bucket}/auth`));
      const error = await rejection(store.get("/zarr.json"));
      expect(isS3StoreError(error)).toBe(true);
      expect(error.message).toMatch(/^S3 GetObject s3:\/\/parazarr-test\/auth\/zarr\.json failed: InvalidAccessKeyId \(HTTP 403\)/);
      expect(isTransient(error)).toBe(false);
      expect(everything(error)).not.toContain(s3.secretAccessKey);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved;
    }
  });

  it("marks server errors (503) transient and client errors (400) not", async () => {
    const web = await startHttpServer(fileURLToPath(new URL(".", import.meta.url)), {
      intercept: (path) => ({ status: path.includes("busy") ? 503 : 400 }),
    });
    try {
      const store = await openS3Store({ url: "s3://any-bucket/p", options: { endpoint: web.url, region: "us-east-1", forcePathStyle: true } });
      const busy = await rejection(store.get("/busy"));
      expect(isS3StoreError(busy)).toBe(true);
      expect(busy).toMatchObject({ status: 503, transient: true, bucket: "any-bucket", key: "p/busy" });
      // Not S3's XML: the SDK cannot parse a code, so the status speaks.
      expect(busy.message).toMatch(/^S3 GetObject s3:\/\/any-bucket\/p\/busy failed: HTTP 503: /);
      const bad = await rejection(store.get("/bad"));
      expect(bad).toMatchObject({ status: 400, transient: false });
    } finally {
      await web.stop();
    }
  });

  it("a refused connection is transient", async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as { port: number };
    await new Promise((done) => server.close(done));

    const store = await openS3Store({ url: "s3://bkt/p", options: { endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true } });
    const error = await rejection(store.get("/zarr.json"));
    expect(error).toMatchObject({ _tag: "S3StoreError", code: "ECONNREFUSED", transient: true });
    expect(error.message).toMatch(/^S3 GetObject s3:\/\/bkt\/p\/zarr\.json failed: ECONNREFUSED/);
  });

  it("rejects with the caller's reason when the signal is already aborted", async () => {
    const store = await openS3Store(spec(`s3://${s3.bucket}/abort`));
    const reason = new Error("stop");
    await expect(store.get("/x", { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it("stops a request in flight when the caller aborts", async () => {
    const web = await startHttpServer(fileURLToPath(new URL(".", import.meta.url)), { latencyMs: 5_000 });
    try {
      const store = await openS3Store({ url: "s3://slow-bucket/p", options: { endpoint: web.url, region: "us-east-1", forcePathStyle: true } });
      const reason = new Error("user pressed stop");
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 50);
      const started = performance.now();
      await expect(store.get("/zarr.json", { signal: controller.signal })).rejects.toBe(reason);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(web.stats.requests).toBe(1);
    } finally {
      await web.stop();
    }
  });

  it("64 reads sharing one signal raise no listener warning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const store = await openS3Store(spec(`s3://${s3.bucket}/shared-signal`));
      await store.set!("/chunk", Uint8Array.of(4, 2));
      const signal = new AbortController().signal;
      const all = await Promise.all(Array.from({ length: 64 }, () => store.get("/chunk", { signal })));
      expect(all).toEqual(Array.from({ length: 64 }, () => Uint8Array.of(4, 2)));
      await new Promise((done) => setImmediate(done));
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("parses s3:// URLs and refuses bad ones and bad options with a StoreSpecError", async () => {
    expect(parseS3Url("s3://bucket")).toEqual({ bucket: "bucket", prefix: "" });
    expect(parseS3Url("s3://bucket/")).toEqual({ bucket: "bucket", prefix: "" });
    expect(parseS3Url("s3://bucket/a/b/")).toEqual({ bucket: "bucket", prefix: "a/b" });

    const refused = async (url: string, options?: object) => rejection(openS3Store({ url, options: options as never }));
    for (const error of [
      await refused("s3://"),
      await refused("s3:///prefix"),
      await refused("gs://bucket/x"),
      await refused("s3://b/x", { region: "EU West" }),
      await refused("s3://b/x", { forcePathStyle: "yes" }),
      await refused("s3://b/x", { endpoint: "not a url" }),
    ]) {
      expect(isStoreSpecError(error)).toBe(true);
    }
    const withPassword = await refused("s3://b/x", { endpoint: "http://key:hunter22@127.0.0.1:9000" });
    expect(isStoreSpecError(withPassword)).toBe(true);
    expect(withPassword.message).not.toContain("hunter22");
  });
});

describe("S3 store without the AWS SDK installed", () => {
  it("core loads, and opening an s3:// store says which package to install", async () => {
    // A resolve hook makes "@aws-sdk/client-s3" unresolvable, as in an install of core alone.
    const hook = `export async function resolve(specifier, context, next) {
      if (specifier === "@aws-sdk/client-s3") {
        const error = new Error("Cannot find package '@aws-sdk/client-s3' imported from " + context.parentURL);
        error.code = "ERR_MODULE_NOT_FOUND";
        throw error;
      }
      return next(specifier, context);
    }`;
    const register = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
    const script = `
      await import("@parazarr/core");
      const { openS3Store } = await import(${JSON.stringify(new URL("../packages/core/dist/zarr/stores/s3.js", import.meta.url).href)});
      try { await openS3Store({ url: "s3://bucket/prefix" }); console.log("opened"); }
      catch (e) { console.log(JSON.stringify({ tag: e._tag, dependency: e.dependency, message: e.message })); }
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", `data:text/javascript,${encodeURIComponent(register)}`, "--input-type=module", "-e", script],
      { cwd: fileURLToPath(new URL("..", import.meta.url)), timeout: 30_000 },
    );
    const result = JSON.parse(stdout.trim());
    expect(result.tag).toBe("StoreDependencyError");
    expect(result.dependency).toBe("@aws-sdk/client-s3");
    expect(result.message).toContain("npm install @aws-sdk/client-s3");
  });
});
