import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    // Each file in its own process: backends start threads, processes and
    // servers, and a crash test must not take a neighbour down with it.
    pool: "forks",
    // Two files at once (vitest's default is one less than the cores: one,
    // here). Most files wait on servers, children and polls, not on the CPU:
    // two at once halve the suite's time on this 2-core machine.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
