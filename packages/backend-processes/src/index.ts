export { processes } from "./processes.js";
export type { ProcessesOptions } from "./options.js";
export { fromPlanString } from "./plan-string.js";
