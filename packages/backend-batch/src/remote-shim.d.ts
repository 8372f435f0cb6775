// TEMPORARY: the contract's @parazarr/remote surface, until the package lands on main. Deleted then.
declare module "@parazarr/remote/agent" {
  import type { ResourceLimits } from "node:worker_threads";
  import type { FromWorker } from "@parazarr/core/worker";
  export interface WorkerLostMessage { readonly type: "worker-lost"; readonly batchId: number; readonly worker: string; readonly reason: string; readonly exitCode?: number | undefined }
  export interface PingMessage { readonly type: "ping" }
  export interface PongMessage { readonly type: "pong" }
  export type FromAgent = FromWorker | WorkerLostMessage;
  export interface AgentTransport {
    send(message: FromAgent | PongMessage): void;
    onMessage(listener: (message: unknown) => void): void;
    onClose(listener: () => void): void;
  }
  export interface AgentOptions {
    readonly entry: URL; readonly workers: number; readonly name: string;
    readonly resourceLimits?: ResourceLimits | undefined;
    readonly localizeModule?: ((url: string) => Promise<string>) | undefined;
  }
  export function runAgent(transport: AgentTransport, options: AgentOptions): Promise<void>;
  export function serveAgentThread(): void;
  export function encodeFrame(message: unknown): Buffer[];
  export class FrameDecoder { push(chunk: Buffer): unknown[] }
  export function isPongMessage(value: unknown): value is PongMessage;
  export function isWorkerLostMessage(value: unknown): value is WorkerLostMessage;
}
declare module "@parazarr/remote" {
  import type { BatchMessage } from "@parazarr/core/backend";
  export interface Bundle { readonly name: string; readonly hash: string; readonly code: Buffer }
  export class ModuleBundleError extends Error { readonly _tag: "ModuleBundleError"; readonly moduleUrl: string }
  export function isModuleBundleError(error: unknown): error is ModuleBundleError;
  export function bundleCore(): Promise<Bundle>;
  export function bundleEntry(path: string, name: string): Promise<Bundle>;
  export class TaskBundler { bundle(moduleUrl: string): Promise<Bundle> }
  export interface CodeStore { put(bundle: Bundle): Promise<string> }
  export class Shipper {
    constructor(store: CodeStore, bundler: TaskBundler);
    shipEntry(entry: Bundle): Promise<string>;
    shipBatch(batch: BatchMessage): Promise<BatchMessage>;
  }
}
