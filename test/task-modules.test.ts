/**
 * Where a task may be declared, run as users run scripts: `node main.mjs`
 * in a child process, so the program's entry module is the script itself.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("..", import.meta.url));
const fixtures = join(repo, "test", "fixtures");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function node(script: string, args: string[] = [], cwd = repo): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the README's first example", () => {
  it("is two files, in the README as they are in examples/first, and `node main.mjs` prints [ 1, 4, 9 ]", async () => {
    const readme = await readFile(join(repo, "README.md"), "utf8");
    const dir = join(repo, "examples", "first");
    for (const file of ["square.mjs", "main.mjs"]) {
      expect(readme).toContain("```js\n" + (await readFile(join(dir, file), "utf8")) + "```");
    }
    const run = await node("main.mjs", [], dir);
    expect(run).toMatchObject({ code: 0, stdout: "[ 1, 4, 9 ]\n" });
  });
});

describe.each(["sequential", "threads", "processes"])("a task declared in the entry module, on %s", (plan) => {
  it("is refused at once with a TaskDefinitionError that says to move it into its own module", async () => {
    const run = await node(join(fixtures, "task-in-entry.mjs"), [plan]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^TaskDefinitionError: map: task "square" is declared in task-in-entry\.mjs, the program's entry module/);
    expect(run.stdout).toContain("Move the task into a module of its own");
    expect(run.stdout).toContain("import it from task-in-entry.mjs");
  });

  it("is refused without top-level await too, before any worker could run the script again", async () => {
    const run = await node(join(fixtures, "task-in-entry-no-await.mjs"), [plan]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toBe("the script ran");
    expect(lines[1]).toMatch(/^TaskDefinitionError: map: task "square" is declared in task-in-entry-no-await\.mjs/);
    expect(lines).toHaveLength(2);
  });

  it("is refused when the script is run through a symlink", async () => {
    const dir = await mkdtemp(join(tmpdir(), "parazarr-entry-link-"));
    try {
      const link = join(dir, "linked-main.mjs");
      await symlink(join(fixtures, "task-in-entry.mjs"), link);
      const run = await node(link, [plan]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^TaskDefinitionError: map: task "square" is declared in task-in-entry\.mjs/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("map never waits on a task module that is still evaluating (a top-level await map in it)", async () => {
    const run = await node(join(fixtures, "imports-mapping-module.mjs"), [plan]);
    expect(run).toMatchObject({ code: 0, stdout: '{"doubledAtLoad":[2,4,6],"again":[20]}\n' });
  });
});

describe("a program with no entry script", () => {
  it("runs a task from `node -e`: nothing there is the entry module", async () => {
    const code = `const { map } = await import("@parazarr/core"); const { square } = await import(${JSON.stringify(
      join(fixtures, "tasks.mjs"),
    )}); console.log(JSON.stringify(await map(square, [4])));`;
    const run = await new Promise<Run>((resolve) =>
      execFile(process.execPath, ["--input-type=module", "-e", code], { cwd: repo, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : null, stdout, stderr }),
      ),
    );
    expect(run).toMatchObject({ code: 0, stdout: "[16]\n" });
  });
});
