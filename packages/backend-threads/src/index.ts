export { threads, type ThreadsOptions } from "./threads.js";
