#!/usr/bin/env node
/**
 * The `parazarr` executable. Exits explicitly with main's code: a plan's
 * workers are closed by then, and nothing else may keep the process alive.
 * (stdout and stderr are synchronous for files and pipes on POSIX, so no
 * output is lost.)
 */
import { main, redacting } from "./main.js";

const code = await main(process.argv.slice(2), { stdout: redacting(process.stdout), stderr: redacting(process.stderr), env: process.env });
process.exit(code);
