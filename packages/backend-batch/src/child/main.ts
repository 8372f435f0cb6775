/**
 * The child's entry, bundled into child.mjs (with @aws-sdk/client-s3; core
 * stays core.mjs next to it) and fetched by the job's bootstrap. The same
 * file is the child's main thread (the shared agent over the S3 mailbox)
 * and each of its worker threads.
 */
import { isMainThread } from "node:worker_threads";
import { serveAgentThread } from "@parazarr/remote/agent";
import { runChild } from "./run-child.js";

if (isMainThread) await runChild(new URL(import.meta.url));
else serveAgentThread();
