/**
 * The ledger's ground: exclusive create, flush and listing on the file and
 * S3 stores, the ledger's documents, and the /.parazarr/ prefix that
 * zarr-python, xarray and ncdump never see.
 */
import { execFileSync, spawn } from "node:child_process";
import { createServer, request, type Server } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  create, isLedgerError, openStore, writeRegion, type ConversionManifest, type TaskRecord,
} from "@parazarr/core";
// The ledger's writers and claims are internal to core (convert and writeFromSource use them): imported from its build.
import { readFailures, readManifest, readTaskRecords, taskIdOf, writeFailure, writeManifest, writeTaskRecord, deleteTaskRecord, clearFailure } from "../packages/core/dist/convert/ledger.js";
import { rejection, tempDirs } from "./fixtures/zarr-helpers.js";
import { startS3Server } from "./fixtures/s3-server.mjs";

const dirs = tempDirs();
afterAll(() => dirs.removeAll());
const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

const RACER = fileURLToPath(new URL("./fixtures/exclusive-creates.mjs", import.meta.url));

/** Starts `n` child processes that each make `count` concurrent creates of `key` at once; the wins of each. */
async function raceInChildren(url: string, key: string, n: number, count: number, options?: object): Promise<number[]> {
  const args = (i: number) => [RACER, url, key, String(count), `child${i}`, ...(options !== undefined ? [JSON.stringify(options)] : [])];
  const children = Array.from({ length: n }, (_, i) => spawn(process.execPath, args(i), { stdio: ["pipe", "pipe", "inherit"] }));
  const lines = children.map((child) => {
    const out: string[] = [];
    let ready!: () => void;
    const isReady = new Promise<void>((done) => (ready = done));
    child.stdout.on("data", (chunk: Buffer) => {
      out.push(chunk.toString());
      if (out.join("").includes("ready\n")) ready();
    });
    const exit = new Promise<number>((done) => child.on("exit", () => done(Number(out.join("").replace("ready\n", "").trim()))));
    return { isReady, exit };
  });
  await Promise.all(lines.map((l) => l.isReady));
  for (const child of children) child.stdin.write("go\n");
  return Promise.all(lines.map((l) => l.exit));
}

describe("file store: exclusive create", () => {
  it("of 20 concurrent creates of one key, exactly one wins, and the key holds its bytes", async () => {
    const store = await openStore({ url: dirs.temp("create") });
    const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create!("/.parazarr/claims/t/0.json", encode(`writer ${i}`))));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(decode(await store.get("/.parazarr/claims/t/0.json"))).toBe(`writer ${wins.indexOf(true)}`);
  });

  it("leaves no temporary behind, and a second create of the key is refused", async () => {
    const root = dirs.temp("create-once");
    const store = await openStore({ url: root });
    expect(await store.create!("/a/key", encode("one"))).toBe(true);
    expect(await store.create!("/a/key", encode("two"))).toBe(false);
    expect(decode(await store.get("/a/key"))).toBe("one");
    expect(readdirSync(join(root, "a"))).toEqual(["key"]);
  });

  it("from 3 child processes making 10 concurrent creates each, exactly one of the 30 wins", async () => {
    const root = dirs.temp("create-children");
    const wins = await raceInChildren(pathToFileURL(root).href, "/.parazarr/claims/t/7.json", 3, 10);
    expect(wins.reduce((a, b) => a + b, 0)).toBe(1);
    expect(decode(readFileSync(join(root, ".parazarr/claims/t/7.json")))).toMatch(/^child\d-\d$/);
  });

  it("refuses a key that escapes the store root", async () => {
    const store = await openStore({ url: dirs.temp("create-escape") });
    const error = await rejection(store.create!("/../outside", encode("x")));
    expect((error as { _tag?: string })._tag).toBe("StoreKeyError");
  });
});

describe("file store: flush", () => {
  it("syncs written keys and their folders, skips keys that are absent, and refuses keys outside the root", async () => {
    const root = dirs.temp("flush");
    const store = await openStore({ url: root });
    await store.set!("/temp/c/0/0", encode("chunk"));
    await store.set!("/temp/c/1/0", encode("chunk"));
    await expect(store.flush!(["/temp/c/0/0", "/temp/c/1/0", "/temp/c/2/0"])).resolves.toBeUndefined();
    expect((await rejection(store.flush!(["/temp/c/0/0", "/../etc/passwd"])) as { _tag?: string })._tag).toBe("StoreKeyError");
  });
});

describe("ledger documents", () => {
  const writer = { host: "h", pid: 1, startedAt: "2026-01-01T00:00:00.000Z", token: "t" };
  const manifest: ConversionManifest = {
    version: 1, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z", timeDimension: "time", calendar: "standard",
    timeUnits: "days since 2020-01-01", variables: ["temp"], options: { chunks: [4, 2, 3] }, templateSignature: "sha256:00",
    inputs: [{ url: "file:///d/a.nc", format: "netcdf", identity: { size: 10, mtimeMs: 5 }, timeRange: [0, 4], first: "2020-01-01T00:00:00", last: "2020-01-04T00:00:00" }],
    units: [{ id: taskIdOf("temp", [[0, 1], [0, 1], [0, 1]]), variable: "temp", region: [[0, 4], [0, 2], [0, 3]], sources: [0] }],
  };

  it("task ids are file names: unique, reversible for ordinary names, never hidden, at most 200 characters", () => {
    expect(taskIdOf("temp", [[0, 3], [0, 1], [0, 1]])).toBe("temp~c0-3.0-1.0-1");
    expect(taskIdOf("ocean/sst", [[2, 3]])).toBe("ocean~sst~c2-3");
    expect(taskIdOf("a~b", [[0, 1]])).not.toBe(taskIdOf("a/b", [[0, 1]]));
    expect(taskIdOf(".hidden", [[0, 1]])).toMatch(/^%2Ehidden~c/);
    expect(taskIdOf("é ü", [[0, 1]])).toMatch(/^[A-Za-z0-9%~._-]+$/);
    const long = "x".repeat(300);
    expect(taskIdOf(long, [[0, 1]]).length).toBeLessThanOrEqual(200);
    expect(taskIdOf(long, [[0, 1]])).not.toBe(taskIdOf(long, [[1, 2]]));
  });

  it("manifest, task records and failures round-trip, and a deleted one is gone", async () => {
    const store = await openStore({ url: dirs.temp("ledger-docs") });
    expect(await readManifest(store)).toBeUndefined();
    await writeManifest(store, manifest);
    expect(await readManifest(store)).toEqual(manifest);
    const records: TaskRecord[] = Array.from({ length: 40 }, (_, i) => ({
      id: taskIdOf("temp", [[i, i + 1], [0, 1], [0, 1]]), variable: "temp", region: [[4 * i, 4 * i + 4], [0, 2], [0, 3]],
      chunks: [{ key: `/temp/c/${i}/0/0`, bytes: 9, checksum: `sha256:${i}` }], emptyChunks: [], sources: [{ url: "file:///d/a.nc", identity: { size: 10 } }],
      finishedAt: "2026-01-01T00:00:00Z", writer,
    }));
    await Promise.all(records.map((r) => writeTaskRecord(store, r)));
    const read = await readTaskRecords(store);
    expect(read.size).toBe(40);
    expect(read.get(records[17]!.id)).toEqual(records[17]);
    await deleteTaskRecord(store, records[17]!.id);
    expect((await readTaskRecords(store)).has(records[17]!.id)).toBe(false);

    const failure = { id: records[3]!.id, variable: "temp", region: records[3]!.region, error: { name: "TimeUnitsError", message: "bad units" }, attempts: 3, at: "2026-01-01T00:00:00Z", sources: ["file:///d/a.nc"] };
    await writeFailure(store, failure);
    expect((await readFailures(store)).get(failure.id)).toEqual(failure);
    await clearFailure(store, failure.id);
    expect((await readFailures(store)).size).toBe(0);
  });

  it("a manifest that is not one, and an id that is not a file name, are LedgerErrors naming them", async () => {
    const store = await openStore({ url: dirs.temp("ledger-bad") });
    await store.set!("/.parazarr/manifest.json", encode('{"version": 7}'));
    const error = await rejection(readManifest(store));
    expect(isLedgerError(error)).toBe(true);
    expect((error as Error).message).toContain("/.parazarr/manifest.json");
    const bad = await rejection(writeTaskRecord(store, { id: "../../temp/c/0", variable: "temp", region: [], chunks: [], emptyChunks: [], sources: [], finishedAt: "", writer }));
    expect(isLedgerError(bad)).toBe(true);
    expect(await readTaskRecords(store)).toEqual(new Map());
  });
});

/** An S3 front that honours If-None-Match: * on PUT, as AWS does, in front of s3rver (which ignores it). */
async function conditionalProxy(upstream: string): Promise<{ endpoint: string; server: Server }> {
  const created = new Set<string>();
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0]!;
    if (req.method === "PUT" && req.headers["if-none-match"] === "*") {
      if (created.has(path)) {
        req.resume();
        res.writeHead(412, { "content-type": "application/xml" });
        res.end("<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>");
        return;
      }
      created.add(path);
    }
    if (req.method === "DELETE") created.delete(path);
    const target = new URL(req.url ?? "/", upstream);
    const forward = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address() as { port: number };
  return { endpoint: `http://127.0.0.1:${address.port}`, server };
}

describe("S3 store: create and list", () => {
  let s3: Awaited<ReturnType<typeof startS3Server>>;
  let proxy: Awaited<ReturnType<typeof conditionalProxy>>;
  beforeAll(async () => {
    s3 = await startS3Server();
    Object.assign(process.env, s3.env);
    proxy = await conditionalProxy(s3.endpoint);
  });
  afterAll(async () => {
    proxy?.server.closeAllConnections();
    proxy?.server.close();
    await s3?.stop();
  });

  it("on a server with conditional writes, of 20 concurrent creates exactly one wins (a 412 is a loss, not an error)", async () => {
    const store = await openStore({ url: `s3://${s3.bucket}/conditional`, options: { ...s3.options, endpoint: proxy.endpoint } });
    const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create!("/.parazarr/claims/t/0.json", encode(`writer ${i}`))));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(decode(await store.get("/.parazarr/claims/t/0.json"))).toBe(`writer ${wins.indexOf(true)}`);
    expect(await store.create!("/.parazarr/claims/t/0.json", encode("late"))).toBe(false);
  });

  it("on a server with conditional writes, of 3 child processes making 10 concurrent creates each, exactly one wins", async () => {
    const options = { ...s3.options, endpoint: proxy.endpoint };
    const wins = await raceInChildren(`s3://${s3.bucket}/conditional-children`, "/.parazarr/claims/t/3.json", 3, 10, options);
    expect(wins.reduce((a, b) => a + b, 0)).toBe(1);
    const store = await openStore({ url: `s3://${s3.bucket}/conditional-children`, options });
    expect(decode(await store.get("/.parazarr/claims/t/3.json"))).toMatch(/^child\d-\d$/);
  });

  it("s3rver ignores If-None-Match: detected once, with a warning, and create falls back to put and read-back", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code}: ${w.message}`);
    process.on("warning", onWarning);
    try {
      const store = await openStore({ url: `s3://${s3.bucket}/fallback`, options: s3.options });
      expect(await store.create!("/.parazarr/claims/t/1.json", encode("first"))).toBe(true);
      expect(await store.create!("/.parazarr/claims/t/1.json", encode("second"))).toBe(false);
      expect(decode(await store.get("/.parazarr/claims/t/1.json"))).toBe("first");
      await new Promise((done) => setImmediate(done));
      expect(warnings.filter((w) => w.startsWith("PARAZARR_S3_NO_CONDITIONAL_WRITES"))).toHaveLength(1);
      expect(warnings[0]).toContain(s3.bucket);
    } finally {
      process.off("warning", onWarning);
    }
  });

  // s3rver 3.7.1 drops a folder from a delimiter listing when it holds only folders (its fixture says so; S3 and MinIO do not):
  // every listing here is of folders that hold objects, as the ledger's are.
  it("lists the names directly under a prefix, folders with a trailing /", async () => {
    const store = await openStore({ url: `s3://${s3.bucket}/listed`, options: s3.options });
    const keys = ["/.parazarr/tasks/a.json", "/.parazarr/tasks/b.json", "/.parazarr/manifest.json", "/.parazarr/claims/temp/0.json", "/.parazarr/claims/convert.json", "/temp/.zarray"] as const;
    await Promise.all(keys.map((k) => store.set!(k, encode("{}"))));
    const names = async (prefix: `/${string}`) => { const out: string[] = []; for await (const n of store.list!(prefix)) out.push(n); return out.sort(); };
    expect(await names("/.parazarr/")).toEqual(["claims/", "manifest.json", "tasks/"]);
    expect(await names("/.parazarr/tasks/")).toEqual(["a.json", "b.json"]);
    expect(await names("/.parazarr/claims/")).toEqual(["convert.json", "temp/"]);
    expect(await names("/nothing/")).toEqual([]);
  });
});

describe("the /.parazarr/ prefix is invisible to Zarr readers", () => {
  let root = "";
  beforeAll(async () => {
    root = dirs.temp("interop");
    const time = await create(root, "time", { shape: [8], chunks: [8], dtype: "float64", zarrFormat: 2, dimensionNames: ["time"], attributes: { units: "days since 2020-01-01", calendar: "standard" } });
    await writeRegion(time, null, Float64Array.from({ length: 8 }, (_, i) => i));
    const temp = await create(root, "temp", { shape: [8, 2, 3], chunks: [4, 2, 3], dtype: "float32", zarrFormat: 2, dimensionNames: ["time", "lat", "lon"] });
    const receipt = await writeRegion(temp, null, Float32Array.from({ length: 48 }, (_, i) => i / 2));
    const store = await openStore({ url: root });
    await writeManifest(store, {
      version: 1, createdAt: "", updatedAt: "", timeDimension: "time", calendar: "standard", timeUnits: "days since 2020-01-01",
      variables: ["temp"], options: {}, templateSignature: "", inputs: [], units: [],
    });
    await writeTaskRecord(store, { id: taskIdOf("temp", [[0, 2], [0, 1], [0, 1]]), variable: "temp", region: [[0, 8], [0, 2], [0, 3]], chunks: receipt.chunks, emptyChunks: [], sources: [], finishedAt: "", writer: { host: "h", pid: 1, startedAt: "", token: "t" } });
    await store.create!("/.parazarr/claims/temp/0.json", encode("{}"));
    // The ledger is there, next to the arrays.
    expect(readdirSync(root).sort()).toEqual([".parazarr", ".zgroup", ".zmetadata", "temp", "time"]);
  });

  const python = (script: string) => execFileSync("/usr/bin/python3", ["-c", script, root], { encoding: "utf8" });

  it("zarr-python: open_consolidated and open_group list the arrays only, and tree() shows no ledger", () => {
    const out = JSON.parse(python(
      "import sys, json, zarr\n" +
        "c = zarr.open_consolidated(sys.argv[1], mode='r')\n" +
        "g = zarr.open_group(sys.argv[1], mode='r')\n" +
        "print(json.dumps({'consolidated': sorted(c.array_keys()) + sorted(c.group_keys()), 'arrays': sorted(g.array_keys()), 'groups': sorted(g.group_keys()), 'tree': str(g.tree())}))",
    ));
    expect(out.consolidated).toEqual(["temp", "time"]);
    expect(out.arrays).toEqual(["temp", "time"]);
    expect(out.groups).toEqual([]);
    expect(out.tree).not.toContain("parazarr");
    expect(out.tree).toContain("temp");
  });

  it("xarray: open_zarr has temp and time and nothing of the ledger", () => {
    const out = JSON.parse(python(
      "import sys, json, xarray as xr\n" +
        "ds = xr.open_zarr(sys.argv[1])\n" +
        "print(json.dumps({'vars': sorted(map(str, ds.variables)), 'dims': {str(k): int(v) for k, v in ds.sizes.items()}, 'sum': float(ds.temp.sum())}))",
    ));
    expect(out.vars).toEqual(["temp", "time"]);
    expect(out.dims).toEqual({ time: 8, lat: 2, lon: 3 });
    expect(out.sum).toBe(Array.from({ length: 48 }, (_, i) => i / 2).reduce((a, b) => a + b, 0));
  });

  it("ncdump (netCDF-C's NCZarr) shows temp and time and nothing of the ledger", () => {
    const header = execFileSync("ncdump", ["-h", `file://${root}#mode=zarr,file`], { encoding: "utf8" });
    expect(header).toMatch(/float temp\(time, lat, lon\)/);
    expect(header).toMatch(/double time\(time\)/);
    // Only the two variables, no group: the header names the folder ("parazarr-interop-…"), not the ledger.
    expect(header).not.toMatch(/group:|\.parazarr|manifest|claims|tasks/);
    expect(header.match(/^\t\w+ \w+\(/gm)).toHaveLength(2);
  });
});
