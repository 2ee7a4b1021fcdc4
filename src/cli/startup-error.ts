/**
 * Exit codes of the standalone server, one per kind of start-up failure (docs/deployment.md lists them):
 * scripts and orchestrators can tell a typo from a busy port from a missing broker.
 */
export const ExitCodes = {
  /** Something unforeseen (a bug): the line says so and how to get the stack trace. */
  unexpected: 1,
  /** A bad flag, environment variable or rules file. */
  usage: 2,
  /** A file the options name cannot be read or used (TLS certificate or key, rules file). */
  file: 3,
  /** The server cannot listen: port in use, no permission, address not on this machine. */
  listen: 4,
  /** The relay's broker was unreachable for the whole start-up wait. */
  broker: 5,
} as const;

/** A start-up failure, reported as one line (what is wrong, what to do) and an exit code. */
export class StartupError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'StartupError';
    this.exitCode = exitCode;
  }
}

/** Where a listener was told to listen, and the flags that set it (for the advice). */
export interface ListenTarget {
  port: number;
  host: string;
  portFlag: string;
  hostFlag: string;
  /** What listens there, for the message: 'port' or 'internal port'. */
  what: string;
}

/** Turns a `listen()` error into one line that names the port and the flag to change. */
export function listenFailure(error: unknown, target: ListenTarget): StartupError {
  const { port, host, portFlag, hostFlag, what } = target;
  const code = (error as NodeJS.ErrnoException).code;
  const message = (() => {
    switch (code) {
      case 'EADDRINUSE':
        return `${what} ${port} on ${host} is already in use; choose another with ${portFlag} or stop the process using it`;
      case 'EACCES':
      case 'EPERM':
        return `no permission to listen on ${what} ${port} on ${host} (ports below 1024 need root or CAP_NET_BIND_SERVICE); choose a port from 1024 up with ${portFlag}, or grant the capability: sudo setcap cap_net_bind_service=+ep "$(command -v node)"`;
      case 'EADDRNOTAVAIL':
        return `${host} is not an address of this machine, so ${what} ${port} cannot be opened there; choose an address of this machine with ${hostFlag} (0.0.0.0 for all)`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `cannot resolve the host name '${host}' to listen on; check ${hostFlag}`;
      default:
        return `cannot listen on ${what} ${port} on ${host}: ${(error as Error).message}; check ${portFlag} and ${hostFlag}`;
    }
  })();
  return new StartupError(message, ExitCodes.listen);
}

/** Turns a file read error into one line that names the file and its flag. */
export function fileFailure(error: unknown, file: string, flag: string, what: string): StartupError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file; check the path'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied; make it readable by the user running switchboard'
        : code === 'EISDIR'
          ? 'it is a directory; give the file itself'
          : (error as Error).message;
  return new StartupError(`cannot read ${what} '${file}' (${flag}): ${why}`, ExitCodes.file);
}
