/** The exit codes of `parazarr`, documented in --help and the README. Scripts match on them. */
export const EXIT = {
  ok: 0,
  /** Some tasks failed after their retries (everything else is written and recorded). */
  failures: 1,
  /** A bad command line, option, config file or plan. */
  usage: 2,
  /** `validate` found problems. */
  problems: 3,
  /** SIGINT or SIGTERM: stopped cleanly, the ledger keeps what was done. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0    ok
  1    some tasks failed (after retries), or the run could not go on
  2    usage error (a bad option, config file or plan)
  3    validate found problems
  130  interrupted (Ctrl-C or SIGTERM); run the same command again to resume`;
