import { execFile } from "node:child_process";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, isReadOnlyStoreError, isTransient, map, open, read, sequential, setPlan, task, writeRegion } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { openHttpStore } from "../packages/core/dist/zarr/stores/http.js";
import { isHttpStoreError, isStoreSpecError, isStoreTimeoutError } from "../packages/core/dist/zarr/stores/errors.js";
import { startHttpServer } from "./fixtures/http-server.mjs";
import { expectRanOn, observed } from "./fixtures/observed-plan.js";

let root: string;
const chunk = Uint8Array.from({ length: 256 }, (_, i) => i);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "parazarr-http-"));
  await mkdir(join(root, "archive.zarr", "temperature", "c", "0"), { recursive: true });
  await writeFile(join(root, "archive.zarr", "temperature", "zarr.json"), '{"zarr_format":3}');
  await writeFile(join(root, "archive.zarr", "temperature", "c", "0", "1"), chunk);
  await writeFile(join(root, "archive.zarr", "odd name #1"), "hash and space");
});

afterAll(async () => {
  await setPlan(sequential());
  await rm(root, { recursive: true, force: true });
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

describe("HTTP store", () => {
  it("reads chunks and metadata under the base URL, byte for byte", async () => {
    const web = await startHttpServer(root);
    try {
      const store = await openHttpStore({ url: `${web.url}/archive.zarr` });
      expect(await store.get("/temperature/c/0/1")).toEqual(chunk);
      const meta = await store.get("/temperature/zarr.json");
      expect(new TextDecoder().decode(meta)).toBe('{"zarr_format":3}');
      // A trailing slash on the base names the same place.
      const slashed = await openHttpStore({ url: `${web.url}/archive.zarr/` });
      expect(await slashed.get("/temperature/c/0/1")).toEqual(chunk);
    } finally {
      await web.stop();
    }
  });

  it("percent-encodes key segments, so '#' and spaces stay part of the path", async () => {
    const web = await startHttpServer(root);
    try {
      const store = await openHttpStore({ url: `${web.url}/archive.zarr` });
      expect(new TextDecoder().decode(await store.get("/odd name #1"))).toBe("hash and space");
    } finally {
      await web.stop();
    }
  });

  it("is read-only: it has no set and no delete", async () => {
    const store = await openHttpStore({ url: "http://127.0.0.1:9/never-contacted" });
    expect(store.set).toBeUndefined();
    expect(store.delete).toBeUndefined();
  });

  it("reads a missing key (404) as undefined, but refuses a forbidden one (403) rather than take it for fill values", async () => {
    const web = await startHttpServer(root, {
      intercept: (path) => (path.endsWith("/hidden") ? { status: 403 } : undefined),
    });
    try {
      const store = await openHttpStore({ url: `${web.url}/archive.zarr` });
      expect(await store.get("/temperature/c/9/9")).toBeUndefined();
      const error = await rejection(store.get("/temperature/hidden"));
      expect(isHttpStoreError(error)).toBe(true);
      expect((error as Error).message).toContain("403");
      expect(isTransient(error)).toBe(false);
    } finally {
      await web.stop();
    }
  });

  it("fails on 500 with an error naming the URL and status, marked transient", async () => {
    const web = await startHttpServer(root, { intercept: () => ({ status: 500 }) });
    try {
      const store = await openHttpStore({ url: `${web.url}/archive.zarr` });
      const error = await rejection(store.get("/temperature/c/0/1"));
      expect(isHttpStoreError(error)).toBe(true);
      expect(isTransient(error)).toBe(true);
      expect(error).toMatchObject({ status: 500, url: `${web.url}/archive.zarr/temperature/c/0/1` });
      expect((error as Error).message).toBe(
        `HTTP store: GET ${web.url}/archive.zarr/temperature/c/0/1 answered 500 Internal Server Error`,
      );
    } finally {
      await web.stop();
    }
  });

  it("marks 429 and 503 transient, but not 400 or 401", async () => {
    const statuses: Record<string, number> = { "/a/k": 429, "/b/k": 503, "/c/k": 400, "/d/k": 401 };
    const web = await startHttpServer(root, { intercept: (path) => ({ status: statuses[path] ?? 200 }) });
    try {
      const store = await openHttpStore({ url: web.url });
      const transient: Record<string, boolean> = {};
      for (const key of ["/a/k", "/b/k", "/c/k", "/d/k"] as const) {
        const error = await rejection(store.get(key));
        expect(isHttpStoreError(error)).toBe(true);
        transient[key] = isTransient(error);
      }
      expect(transient).toEqual({ "/a/k": true, "/b/k": true, "/c/k": false, "/d/k": false });
    } finally {
      await web.stop();
    }
  });

  it("follows redirects, and refuses a redirect loop after 5 hops", async () => {
    const web = await startHttpServer(root, {
      intercept: (path) => {
        if (path === "/moved/c/0/1") return { status: 301, headers: { location: "/archive.zarr/temperature/c/0/1" } };
        if (path === "/loop") return { status: 302, headers: { location: "/loop" } };
        return undefined;
      },
    });
    try {
      const store = await openHttpStore({ url: web.url });
      expect(await store.get("/moved/c/0/1")).toEqual(chunk);
      const requestsBefore = web.stats.requests;
      const error = await rejection(store.get("/loop"));
      expect(isHttpStoreError(error)).toBe(true);
      expect(isTransient(error)).toBe(false);
      expect((error as Error).message).toBe(`HTTP store: GET ${web.url}/loop was redirected more than 5 times`);
      expect(web.stats.requests - requestsBefore).toBe(6);
    } finally {
      await web.stop();
    }
  });

  it("decodes a body the server compressed anyway (content-encoding gzip)", async () => {
    const web = await startHttpServer(root, {
      intercept: () => ({ status: 200, headers: { "content-encoding": "gzip" }, body: gzipSync(chunk) }),
    });
    try {
      const store = await openHttpStore({ url: web.url });
      expect(await store.get("/any/key")).toEqual(chunk);
    } finally {
      await web.stop();
    }
  });

  it("a connection dropped in the middle of a body is a transient error, never a short chunk", async () => {
    const web = await startHttpServer(root, { intercept: () => ({ truncate: true }) });
    try {
      const store = await openHttpStore({ url: `${web.url}/archive.zarr` });
      const error = await rejection(store.get("/temperature/c/0/1"));
      expect(isHttpStoreError(error)).toBe(true);
      expect(isTransient(error)).toBe(true);
      expect((error as Error).message).toBe(`HTTP store: GET ${web.url}/archive.zarr/temperature/c/0/1 failed: ECONNRESET`);
    } finally {
      await web.stop();
    }
  });

  it("keeps a query string on every request but never shows it in an error", async () => {
    const seen: string[] = [];
    const web = await startHttpServer(root, {
      intercept: (path, rawUrl) => {
        seen.push(rawUrl);
        return path.endsWith("/broken") ? { status: 502 } : undefined;
      },
    });
    try {
      const store = await openHttpStore({ url: `${web.url}/archive.zarr?token=sekrit-123` });
      expect(await store.get("/temperature/c/0/1")).toEqual(chunk);
      const error = await rejection(store.get("/temperature/broken"));
      expect(seen).toEqual(["/archive.zarr/temperature/c/0/1?token=sekrit-123", "/archive.zarr/temperature/broken?token=sekrit-123"]);
      expect((error as Error).message).toContain(`${web.url}/archive.zarr/temperature/broken?…`);
      expect((error as Error).message).not.toContain("sekrit");
    } finally {
      await web.stop();
    }
  });

  it("keeps connections alive across sequential reads", async () => {
    const web = await startHttpServer(root);
    try {
      const store = await openHttpStore({ url: `${web.url}/archive.zarr` });
      for (let i = 0; i < 20; i++) expect(await store.get("/temperature/c/0/1")).toEqual(chunk);
      expect(web.stats.requests).toBe(20);
      // undici may open a second socket while the first is still settling its
      // previous response; without keep-alive this would be 20.
      expect(web.stats.connections).toBeLessThanOrEqual(2);
    } finally {
      await web.stop();
    }
  });

  it("stops waiting when the caller aborts, rejecting with the caller's reason", async () => {
    const web = await startHttpServer(root, { latencyMs: 5_000 });
    try {
      const store = await openHttpStore({ url: `${web.url}/archive.zarr` });
      const controller = new AbortController();
      const reason = new Error("user pressed stop");
      const started = performance.now();
      setTimeout(() => controller.abort(reason), 50);
      const error = await rejection(store.get("/temperature/c/0/1", { signal: controller.signal }));
      expect(error).toBe(reason);
      expect(performance.now() - started).toBeLessThan(1_000);
      // An already-aborted signal never reaches the network.
      const before = web.stats.requests;
      expect(await rejection(store.get("/temperature/c/0/1", { signal: controller.signal }))).toBe(reason);
      expect(web.stats.requests).toBe(before);
    } finally {
      await web.stop();
    }
  });

  it("many reads sharing one signal: no listener warning, and one abort stops them all", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    const web = await startHttpServer(root, { intercept: (path) => (path.startsWith("/slow") ? { delayMs: 5_000 } : undefined) });
    try {
      const store = await openHttpStore({ url: web.url });
      const controller = new AbortController();
      const fast = await Promise.all(
        Array.from({ length: 32 }, () => store.get("/archive.zarr/temperature/c/0/1", { signal: controller.signal })),
      );
      expect(fast.every((bytes) => bytes !== undefined && bytes.length === 256)).toBe(true);

      const reason = new Error("enough");
      const slow = Array.from({ length: 32 }, (_, i) => rejection(store.get(`/slow/${i}`, { signal: controller.signal })));
      setTimeout(() => controller.abort(reason), 50);
      expect(await Promise.all(slow)).toEqual(Array.from({ length: 32 }, () => reason));
      await new Promise((done) => setImmediate(done)); // warnings are emitted on the next tick
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", onWarning);
      await web.stop();
    }
  });

  it("gives up after timeoutMs with a transient StoreTimeoutError", async () => {
    const web = await startHttpServer(root, { latencyMs: 5_000 });
    try {
      const store = await openHttpStore({ url: `${web.url}/archive.zarr` }, { timeoutMs: 100 });
      const started = performance.now();
      const error = await rejection(store.get("/temperature/c/0/1"));
      const elapsed = performance.now() - started;
      expect(isStoreTimeoutError(error)).toBe(true);
      expect(isTransient(error)).toBe(true);
      expect((error as Error).message).toBe(`HTTP store: GET ${web.url}/archive.zarr/temperature/c/0/1 took longer than 100 ms`);
      expect(elapsed).toBeGreaterThanOrEqual(95);
      expect(elapsed).toBeLessThan(1_000);
    } finally {
      await web.stop();
    }
  });

  it("takes its timeout from PARAZARR_HTTP_TIMEOUT_MS when the caller gives none, and checks it", async () => {
    const web = await startHttpServer(root, { latencyMs: 5_000 });
    const saved = process.env.PARAZARR_HTTP_TIMEOUT_MS;
    try {
      process.env.PARAZARR_HTTP_TIMEOUT_MS = "150";
      const store = await openHttpStore({ url: `${web.url}/archive.zarr` });
      const error = await rejection(store.get("/temperature/c/0/1"));
      expect(error).toMatchObject({ _tag: "StoreTimeoutError", timeoutMs: 150 });

      process.env.PARAZARR_HTTP_TIMEOUT_MS = "soon";
      const refused = await rejection(openHttpStore({ url: `${web.url}/archive.zarr` }));
      expect(isStoreSpecError(refused)).toBe(true);
      expect((refused as Error).message).toContain('PARAZARR_HTTP_TIMEOUT_MS must be a positive number of milliseconds, got "soon"');
    } finally {
      if (saved === undefined) delete process.env.PARAZARR_HTTP_TIMEOUT_MS;
      else process.env.PARAZARR_HTTP_TIMEOUT_MS = saved;
      await web.stop();
    }
  });

  it("a refused connection is a transient HttpStoreError naming the code", async () => {
    const port = await closedPort();
    const store = await openHttpStore({ url: `http://127.0.0.1:${port}/archive.zarr` });
    const error = await rejection(store.get("/zarr.json"));
    expect(isHttpStoreError(error)).toBe(true);
    expect(isTransient(error)).toBe(true);
    expect((error as Error).message).toBe(`HTTP store: GET http://127.0.0.1:${port}/archive.zarr/zarr.json failed: ECONNREFUSED`);
  });

  it("refuses URLs it cannot serve, before any request, without echoing a password", async () => {
    const refused = async (url: string, tuning?: { timeoutMs: number }) => rejection(openHttpStore({ url }, tuning));
    const ftp = await refused("ftp://127.0.0.1/archive.zarr");
    expect(isStoreSpecError(ftp)).toBe(true);
    expect((ftp as Error).message).toContain("expected http: or https:");
    const withPassword = await refused("http://alice:hunter22@127.0.0.1/archive.zarr");
    expect(isStoreSpecError(withPassword)).toBe(true);
    expect((withPassword as Error).message).toContain("must not hold credentials");
    expect((withPassword as Error).message).not.toContain("hunter22");
    expect(isStoreSpecError(await refused("not a url"))).toBe(true);
    expect(isStoreSpecError(await refused("http://127.0.0.1/a", { timeoutMs: 0 }))).toBe(true);
  });
});

describe("HTTP store over https://", () => {
  let tls: { key: string; cert: string; certFile: string };

  beforeAll(async () => {
    // A throwaway self-signed certificate for 127.0.0.1, made by the openssl CLI.
    const dir = join(root, "tls");
    await mkdir(dir);
    await promisify(execFile)("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ]);
    tls = { key: await readFile(join(dir, "key.pem"), "utf8"), cert: await readFile(join(dir, "cert.pem"), "utf8"), certFile: join(dir, "cert.pem") };
  });

  it("refuses a certificate nobody vouches for, as a permanent error", async () => {
    const web = await startHttpServer(root, { tls });
    try {
      const store = await openHttpStore({ url: `${web.url}/archive.zarr` });
      const error = await rejection(store.get("/temperature/c/0/1"));
      expect(isHttpStoreError(error)).toBe(true);
      expect(isTransient(error)).toBe(false);
      // Node 24 appends its own advice ("…try running Node.js with --use-system-ca"); Node 20 does not.
      expect((error as Error).message).toMatch(new RegExp(`^HTTP store: GET ${web.url}/archive\\.zarr/temperature/c/0/1 failed: self-signed certificate(;|$)`));
    } finally {
      await web.stop();
    }
  });

  it("reads over TLS when the process trusts the certificate (NODE_EXTRA_CA_CERTS)", async () => {
    const web = await startHttpServer(root, { tls });
    try {
      // NODE_EXTRA_CA_CERTS is read once at start-up: a fresh process, as a worker host would be.
      const script = `
        const { openHttpStore } = await import(${JSON.stringify(new URL("../packages/core/dist/zarr/stores/http.js", import.meta.url).href)});
        const store = await openHttpStore({ url: ${JSON.stringify(`${web.url}/archive.zarr`)} });
        console.log(JSON.stringify(Array.from(await store.get("/temperature/c/0/1"))));
      `;
      const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.certFile },
        timeout: 30_000,
      });
      expect(Uint8Array.from(JSON.parse(stdout))).toEqual(chunk);
    } finally {
      await web.stop();
    }
  });
});

// Declared like user code declares tasks; on sequential() it runs in this process.
export const readKey = task(import.meta.url, "readKey", async ({ url, key }: { url: string; key: `/${string}` }) => {
  const store = await openHttpStore({ url });
  return store.get(key);
});

describe("HTTP store under map", () => {
  it("a transient 503 is retried by map's retries and the read succeeds", async () => {
    let failuresLeft = 2;
    const web = await startHttpServer(root, {
      intercept: () => (failuresLeft-- > 0 ? { status: 503 } : undefined),
    });
    try {
      await setPlan(sequential());
      const input = { url: `${web.url}/archive.zarr`, key: "/temperature/c/0/1" as const };
      const [bytes] = await map(readKey, [input], { retries: 3, retryDelayMs: 1 });
      expect(bytes).toEqual(chunk);
      expect(web.stats.requests).toBe(3);
    } finally {
      await web.stop();
    }
  });
});

describe("Zarr over http:// with threads(2)", () => {
  it("reads an array served by a static host, missing chunks as the fill value, and refuses to write", async () => {
    await setPlan(sequential());
    const served = join(root, "served.zarr");
    const rain = await create(served, "rain", { shape: [48, 40], chunks: [8, 8], dtype: "float32", fillValue: -9 });
    const written = Float32Array.from({ length: 24 * 40 }, (_, i) => i * 0.5);
    await writeRegion(rain, [[0, 24], null], written); // the lower half stays unwritten

    const web = await startHttpServer(root, { latencyMs: 2 });
    try {
      const watched = observed(threads(2));
      await setPlan(watched.plan);
      const remote = await open(`${web.url}/served.zarr`, "rain");
      // 7.5 KB of chunks would be read in the caller by default.
      const { data, shape } = await read(remote, null, { inline: "never" });
      expectRanOn(watched, "readChunks", /^thread \d+$/);
      expect(shape).toEqual([48, 40]);
      expect(data.subarray(0, 24 * 40)).toEqual(written);
      expect(data.subarray(24 * 40)).toEqual(new Float32Array(24 * 40).fill(-9));

      const error = await writeRegion(remote, [[0, 8], [0, 8]], new Float32Array(64)).catch((e: unknown) => e);
      expect(isReadOnlyStoreError(error)).toBe(true);
    } finally {
      await setPlan(sequential());
      await web.stop();
    }
  });
});
