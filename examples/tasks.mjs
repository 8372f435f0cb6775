import { task } from "@parazarr/core";

/** A CPU-heavy task: integrates sin(x)·cos(x/3) over one slice of [0, 1000) with many small steps. */
export const integrateSlice = task(import.meta.url, "integrateSlice", ({ from, to, steps }) => {
  const h = (to - from) / steps;
  let sum = 0;
  for (let i = 0; i < steps; i++) {
    const x = from + (i + 0.5) * h;
    sum += Math.sin(x) * Math.cos(x / 3);
  }
  return sum * h;
});
