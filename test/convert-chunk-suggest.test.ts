// Chunks suggested from a target size and an access pattern (the rule is in
// packages/core/src/convert/chunk-suggest.ts), on the 0.25° grid and on edge shapes.
import { describe, expect, it } from "vitest";
import { isChunkSuggestionError, suggestChunks, type AccessPattern } from "@parazarr/core";

const grid = (time: number, pattern: AccessPattern, targetMB = 50) =>
  suggestChunks({ dimensions: ["time", "lat", "lon"], shape: [time, 721, 1440], bytesPerElement: 4, timeDimension: "time", targetMB, pattern });
const bytes = (chunks: number[], perElement = 4) => chunks.reduce((a, b) => a * b, perElement);

describe("suggestChunks on time × 721 × 1440 float32, 50 MB", () => {
  it("temporal: the whole year in time, small square tiles, as close below 50 MB as tiles allow", () => {
    const chunks = grid(365, "temporal");
    expect(chunks).toEqual([365, 185, 185]); // 365 · 185² · 4 B = 49.97 MB; 185 · 186 would pass 50 MB
    expect(bytes(chunks)).toBeLessThanOrEqual(50e6);
    expect(bytes([365, 185, 186])).toBeGreaterThan(50e6);
  });

  it("temporal on a long hourly series: time takes the budget, tiles shrink to match", () => {
    const chunks = grid(8760 * 10, "temporal");
    expect(chunks[0]).toBe(87_600);
    expect(chunks).toEqual([87_600, 12, 11]); // square tiles, one edge grown by one: 132 of the 142 elements left per step
    expect(bytes(chunks)).toBeLessThanOrEqual(50e6);
    expect(bytes([87_600, 12, 12])).toBeGreaterThan(50e6);
  });

  it("spatial: whole 721 × 1440 maps, as many time steps as fit (12)", () => {
    expect(grid(365, "spatial")).toEqual([12, 721, 1440]);
    expect(bytes([13, 721, 1440])).toBeGreaterThan(50e6);
    // A target below one map shrinks the map by the same fraction in each dimension, one step deep.
    const small = grid(365, "spatial", 1);
    expect(small[0]).toBe(1);
    expect(bytes(small)).toBeLessThanOrEqual(1e6);
    expect(Math.abs((small[1] as number) / 721 - (small[2] as number) / 1440)).toBeLessThan(0.01);
  });

  it("balanced: the same fraction of each dimension", () => {
    const chunks = grid(365, "balanced");
    expect(bytes(chunks)).toBeLessThanOrEqual(50e6);
    expect(bytes(chunks)).toBeGreaterThan(0.98 * 50e6);
    const fractions = chunks.map((c, i) => c / ([365, 721, 1440][i] as number));
    expect(Math.max(...fractions) - Math.min(...fractions)).toBeLessThan(0.01);
    expect(chunks).toEqual([117, 231, 462]);
  });
});

describe("suggestChunks on edge shapes", () => {
  it("returns the whole array when it fits, on every pattern", () => {
    for (const pattern of ["temporal", "spatial", "balanced"] as const) expect(grid(4, pattern, 100)).toEqual([4, 721, 1440]);
  });

  it("1-D: a time axis, and a static coordinate without time", () => {
    const time = suggestChunks({ dimensions: ["time"], shape: [1e8], bytesPerElement: 8, timeDimension: "time", targetMB: 1, pattern: "temporal" });
    expect(time).toEqual([125_000]);
    const lat = suggestChunks({ dimensions: ["lat"], shape: [721], bytesPerElement: 8, timeDimension: "time", targetMB: 1, pattern: "spatial" });
    expect(lat).toEqual([721]);
  });

  it("never suggests more than a dimension holds, nor less than 1", () => {
    const chunks = suggestChunks({ dimensions: ["time", "bnds", "lat", "lon"], shape: [10_000, 2, 721, 1440], bytesPerElement: 8, timeDimension: "time", targetMB: 20, pattern: "balanced" });
    expect(chunks[1]).toBeLessThanOrEqual(2);
    expect(chunks.every((c, i) => c >= 1 && c <= ([10_000, 2, 721, 1440][i] as number))).toBe(true);
    expect(bytes(chunks, 8)).toBeLessThanOrEqual(20e6);
    const empty = suggestChunks({ dimensions: ["time", "x"], shape: [0, 10], bytesPerElement: 4, timeDimension: "time", targetMB: 1, pattern: "temporal" });
    expect(empty).toEqual([1, 10]);
  });

  it("gives chunks of 1 for a target smaller than one element (no chunk can be smaller)", () => {
    expect(grid(365, "temporal", 1e-9)).toEqual([1, 1, 1]);
    expect(grid(365, "balanced", 4e-6)).toEqual([1, 1, 1]); // exactly one element
    expect(bytes(grid(365, "temporal", 40e-6))).toBeLessThanOrEqual(40); // ten elements
  });

  it("without a time dimension every pattern is balanced", () => {
    const plane = (pattern: AccessPattern) => suggestChunks({ dimensions: ["lat", "lon"], shape: [721, 1440], bytesPerElement: 4, timeDimension: undefined, targetMB: 1, pattern });
    expect(plane("temporal")).toEqual(plane("balanced"));
    expect(plane("spatial")).toEqual(plane("balanced"));
  });

  it("refuses bad arguments with a ChunkSuggestionError naming the option", () => {
    const base = { dimensions: ["time", "x"], shape: [10, 10], bytesPerElement: 4, timeDimension: "time", targetMB: 1, pattern: "temporal" as AccessPattern };
    const cases: Array<[Partial<typeof base>, string]> = [
      [{ shape: [10, -1] }, "shape"],
      [{ shape: [10, 1.5] }, "shape"],
      [{ dimensions: ["time"] }, "dimensions"],
      [{ bytesPerElement: 0 }, "bytesPerElement"],
      [{ targetMB: Number.NaN }, "targetMB"],
      [{ targetMB: -5 }, "targetMB"],
      [{ pattern: "diagonal" as AccessPattern }, "pattern"],
    ];
    for (const [change, option] of cases) {
      let error: unknown;
      try {
        suggestChunks({ ...base, ...change });
      } catch (e) {
        error = e;
      }
      expect(isChunkSuggestionError(error) && error.option).toBe(option);
    }
  });
});
