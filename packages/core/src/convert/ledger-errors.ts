/** The ledger's and claims' refusals, tagged like every parazarr error. */
import { hasTag, ParazarrError } from "../errors.js";

/** Who holds a claim, as the claim says: enough to find the process, nothing secret. */
export interface ClaimHolder {
  readonly host: string;
  readonly pid: number;
  /** When the holder claimed it (ISO time). */
  readonly since: string;
}

/**
 * A write's chunks (or a whole archive) are claimed by another live writer.
 * Refused before anything is written; names the other writer and the chunk.
 */
export class RegionClaimedError extends ParazarrError {
  readonly _tag = "RegionClaimedError" as const;
  constructor(
    message: string,
    /** The store key of the claim that stands in the way. */
    readonly key: string,
    /** The variable whose chunk is held, or undefined when a convert run holds the whole archive. */
    readonly variable: string | undefined,
    /** The chunk index along dimension 0, or undefined for the archive claim. */
    readonly chunk: number | undefined,
    readonly holder: ClaimHolder,
  ) {
    super(message);
    this.name = "RegionClaimedError";
  }
}

/** A ledger document (manifest, task record, failure, claim) that is not what the ledger writes, or a store that cannot hold a ledger. */
export class LedgerError extends ParazarrError {
  readonly _tag = "LedgerError" as const;
  constructor(
    message: string,
    /** The store key of the document, or the archive's URL when the store itself is the problem. */
    readonly key: string,
  ) {
    super(message);
    this.name = "LedgerError";
  }
}

export const isRegionClaimedError = (e: unknown): e is RegionClaimedError => hasTag(e, "RegionClaimedError");
export const isLedgerError = (e: unknown): e is LedgerError => hasTag(e, "LedgerError");
