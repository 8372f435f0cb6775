import { setPlan, map } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { square } from "./square.mjs";

setPlan(threads(8));                          // once, in user code
console.log(await map(square, [1, 2, 3]));    // [ 1, 4, 9 ], computed on 8 worker threads
