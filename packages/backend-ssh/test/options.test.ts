/** Options are checked once, when the plan is made, with messages that name the option. */
import { describe, expect, it } from "vitest";
import { ssh } from "@parazarr/backend-ssh";
import { isPlanError } from "@parazarr/core";

function refusal(make: () => unknown): Error {
  try {
    make();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected ssh(options) to throw");
}

describe("ssh(options)", () => {
  it("describes itself by its hosts, and costs nothing to create", () => {
    expect(String(ssh({ hosts: ["me@h1", "h2:2222"] }))).toBe("ssh(me@h1, h2:2222)");
    expect(String(ssh({ hosts: ["h1"], workersPerHost: 4 }))).toBe("ssh(h1, 4 workers each)");
  });

  it.each([
    [{ hosts: [] }, "hosts"],
    [{ hosts: ["me@"] }, "hosts[0]"],
    [{ hosts: ["h1:99999"] }, "hosts[0]"],
    [{ hosts: ["h1", "h1:22"] }, "twice"],
    [{ hosts: ["h1"], workersPerHost: 0 }, "workersPerHost"],
    [{ hosts: ["h1"], keepaliveIntervalMs: -5 }, "keepaliveIntervalMs"],
    [{ hosts: ["h1"], hostKeys: { h1: 42 } }, "hostKeys"],
    [{ hosts: ["h1"], verifyHostKeys: "no" }, "verifyHostKeys"],
    [{ hosts: ["h1"], hostkeys: {} }, '"hostkeys"'],
    [{ hosts: ["h1"], sharedFilesystem: ["data/shared"] }, "sharedFilesystem"],
    [{ hosts: ["h1"], sharedFilesystem: "/shared" }, "sharedFilesystem"],
  ])("refuses %j naming %s", (options, named) => {
    const error = refusal(() => ssh(options as never));
    expect(isPlanError(error)).toBe(true);
    expect(error.message).toContain(named);
  });

  it("never echoes a private key or passphrase given with the wrong type", () => {
    const error = refusal(() => ssh({ hosts: ["h1"], passphrase: 12345678 as never }));
    expect(error.message).toContain("passphrase");
    expect(error.message).not.toContain("12345678");
  });

  it("parses IPv6 hosts in brackets", () => {
    expect(String(ssh({ hosts: ["me@[::1]:2200"] }))).toBe("ssh(me@[::1]:2200)");
  });
});
