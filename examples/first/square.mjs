import { task } from "@parazarr/core";

export const square = task(import.meta.url, "square", (x) => x * x);
