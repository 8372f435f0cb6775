export { threads, type ThreadsOptions } from "./threads.js";
export { fromPlanString } from "./plan-string.js";
