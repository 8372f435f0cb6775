import { it } from "vitest";
import { map, mapUnordered, setPlan, sequential } from "@parazarr/core";
import { slowSquare } from "./fixtures/tasks.js";
const square = slowSquare; const S = (x: number) => ({ x, ms: 1 });
import { startStandIn } from "./fixtures/stand-in.js";
it("debug", async () => {
  const standIn = await startStandIn();
  await setPlan(standIn.plan({ workers: 2 }));
  const t0 = Date.now();
  console.log("A", await map(square, [1, 2, 3].map(S)), Date.now() - t0);
  for await (const r of mapUnordered(square, [1, 2, 3, 4].map(S))) console.log("u", r, Date.now() - t0);
  console.log("B", await map(square, new Set([1, 2, 3].map(S))).catch((e) => e.message), Date.now() - t0);
  console.log("C", await map(square, [1, 2, 3, 4, 5].map(S)).catch((e) => e.message), Date.now() - t0);
  for (const call of standIn.endpoint.control.calls()) {
    if (call.operation === "SubmitJob") {
      const id = (call.response as { jobId: string }).jobId;
      for (const i of [0, 1]) { try { console.log(i, JSON.stringify(standIn.endpoint.control.logs(`${id}:${i}`)).slice(0, 3000)); } catch {} }
    }
  }
  await setPlan(sequential());
  await standIn.stop();
}, 120_000);
