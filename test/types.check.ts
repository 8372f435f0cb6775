// Compile-time checks of the public types: `npm test` runs `tsc` on this
// file, so a change that breaks how types flow fails the test command.
import { map, mapUnordered, task, type Collected, type TaskContext } from "@parazarr/core";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_: T) => undefined;

export const square = task(import.meta.url, "square", (x: number) => x * x);
export const fetchLength = task(import.meta.url, "fetchLength", async (url: string, ctx: TaskContext) => {
  void ctx.signal;
  return url.length;
});

async function flows() {
  const squares = await map(square, [1, 2]);
  assertType<Equal<typeof squares, number[]>>(true);

  const lengths = await map(fetchLength, ["a"]);
  assertType<Equal<typeof lengths, number[]>>(true);

  const collected = await map(square, [1], { errors: "collect" });
  assertType<Equal<typeof collected, Collected<number>>>(true);

  for await (const item of mapUnordered(square, [1])) {
    assertType<Equal<typeof item, { index: number; value: number }>>(true);
  }

  // @ts-expect-error a string is not a valid input of square
  await map(square, ["x"]);
}
void flows;
