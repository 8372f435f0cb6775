import { it } from "vitest";
import { map, setPlan, sequential } from "@parazarr/core";
import { slowSquare } from "./fixtures/tasks.js";
import { startStandIn } from "./fixtures/stand-in.js";
it("debug", async () => {
  const standIn = await startStandIn();
  await setPlan(standIn.plan({ workers: 2 }));
  await map(slowSquare, [{ x: 1, ms: 1 }]).catch((e) => console.log("ERR", e.message));
  for (const call of standIn.endpoint.control.calls()) {
    if (call.operation === "SubmitJob") {
      const id = (call.response as { jobId: string }).jobId;
      for (const i of [0, 1]) console.log(i, JSON.stringify(standIn.endpoint.control.logs(`${id}:${i}`)).slice(0, 3000));
    }
  }
  await setPlan(sequential());
  await standIn.stop();
}, 60_000);
