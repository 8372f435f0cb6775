/**
 * What a Batch child says besides the shared agent's messages: that it is
 * going away on its own (idle timeout, or a mailbox it cannot use), so the
 * coordinator stops counting on it at once instead of after a heartbeat
 * bound or Batch's next status.
 */
import { isMatching, P } from "ts-pattern";

export interface ChildByeMessage {
  readonly type: "child-bye";
  readonly reason: string;
}

export const isChildByeMessage = isMatching({ type: "child-bye" as const, reason: P.string });
