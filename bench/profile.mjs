// Where the CPU goes in one of bench/speed.mjs's parazarr cases: runs that
// child under `node --cpu-prof` (one profile per thread: the caller and
// each worker) and prints the self time per function, summed over the
// threads, with the idle time apart. The profiles are written to a temp
// folder and removed; only this summary is kept.
//
//   npm run build && node bench/profile.mjs read zstd [--size 256m|1g] [--node 24] [--top 25]
//   node bench/profile.mjs write blosc --node 20
//
// Needs the stores of bench/speed.mjs (run it once with the same --size).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    size: { type: "string", default: "256m" },
    node: { type: "string", default: "24" },
    top: { type: "string", default: "25" },
    dir: { type: "string", default: "/tmp/parazarr-speed" },
  },
});
const [kind = "read", codec = "zstd"] = positionals;
const depth = { "256m": 64, "1g": 256 }[values.size];
const dir = join(values.dir, `d${depth}`);
const node = values.node === "20" ? process.execPath : execFileSync("bash", [join(ROOT, "scripts/install-node.sh"), values.node], { encoding: "utf8" }).trim();
const profiles = mkdtempSync(join(tmpdir(), "parazarr-prof-"));
const speed = join(ROOT, "bench/speed.mjs");
const args =
  kind === "read"
    ? [speed, "--child", "read", join(dir, `${codec}.zarr`)]
    : [speed, "--child", "write", join(dir, "field.f32"), String(depth), codec, join(profiles, "out.zarr")];
const run = spawnSync(node, ["--cpu-prof", `--cpu-prof-dir=${profiles}`, ...args], { encoding: "utf8" });
if (run.status !== 0) throw new Error(`${node} ${args.join(" ")}: ${run.stderr}`);
const result = JSON.parse(run.stdout.trim().split("\n").at(-1));

const self = new Map();
let total = 0;
let threads = 0;
for (const file of readdirSync(profiles).filter((f) => f.endsWith(".cpuprofile"))) {
  threads++;
  const profile = JSON.parse(readFileSync(join(profiles, file), "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const { callFrame } = byId.get(id);
    const where = callFrame.url ? ` ${callFrame.url.replace(/^.*\/(node_modules|packages)\//, "$1/")}:${callFrame.lineNumber + 1}` : "";
    const key = `${callFrame.functionName || "(anonymous)"}${where}`;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    self.set(key, (self.get(key) ?? 0) + ms);
    total += ms;
  });
}
rmSync(profiles, { recursive: true, force: true });

const idle = self.get("(idle)") ?? 0;
const busy = total - idle;
console.log(`${kind} ${codec}, ${values.size}, Node ${execFileSync(node, ["-p", "process.version"], { encoding: "utf8" }).trim()}: ` +
  `the timed call took ${result.ms.toFixed(0)} ms; ${threads} threads profiled for ${total.toFixed(0)} ms, ${busy.toFixed(0)} ms of it busy (the whole child, start-up and hashing included)`);
const rows = [...self].filter(([k]) => k !== "(idle)").sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
for (const [key, ms] of rows) console.log(`${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / busy).toFixed(1).padStart(5)} %  ${key}`);
