/**
 * How a task proves it belongs to this plan, over TCP, without the secret
 * ever crossing the wire: the coordinator sends a fresh nonce, the task
 * answers HMAC-SHA256(secret, nonce:index). Anyone else who finds the port
 * (a shared login node has many users) is dropped after one frame. Imported
 * by both sides; imports only node:crypto and ts-pattern.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { P, isMatching } from "ts-pattern";

export interface ChallengeMessage {
  readonly type: "challenge";
  readonly nonce: string;
}

export interface HelloMessage {
  readonly type: "hello";
  /** SLURM_ARRAY_TASK_ID */
  readonly index: number;
  readonly proof: string;
}

export const isChallengeMessage = isMatching({ type: "challenge" as const, nonce: P.string });
export const isHelloMessage = isMatching({ type: "hello" as const, index: P.number, proof: P.string });

export function proofOf(secret: Buffer, nonce: string, index: number): string {
  return createHmac("sha256", secret).update(`${nonce}:${index}`).digest("hex");
}

export function checkProof(secret: Buffer, nonce: string, hello: HelloMessage): boolean {
  const expected = Buffer.from(proofOf(secret, nonce, hello.index), "hex");
  const given = Buffer.from(hello.proof, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
