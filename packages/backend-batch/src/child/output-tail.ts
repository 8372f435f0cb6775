/**
 * The last lines a child wrote (its own, its threads', its tasks'), kept
 * while they still go to Batch's log stream as usual, for the log object a
 * child leaves in S3 when it exits: Batch's statusReason says a container
 * died, its output says why.
 */
const KEPT_BYTES = 16 * 1024;

export interface OutputTail {
  text(): string;
}

export function captureOutput(): OutputTail {
  let kept = "";
  const keep = (chunk: unknown) => {
    kept += typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
    if (kept.length > 2 * KEPT_BYTES) kept = kept.slice(-KEPT_BYTES);
  };
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk);
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
  return { text: () => kept.slice(-KEPT_BYTES) };
}
