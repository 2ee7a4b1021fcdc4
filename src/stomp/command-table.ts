import type { StompCommand } from './frame.js';
import { CLIENT_COMMANDS, SERVER_COMMANDS } from './frame.js';

/** Which commands a decoder accepts: those clients send, those servers send, or both. */
export type CommandSet = 'client' | 'server' | 'any';

/** Commands grouped by byte length, so a command line is matched without decoding it. */
export type CommandTable = readonly (readonly (readonly [Buffer, StompCommand])[] | undefined)[];

function commandTable(list: readonly StompCommand[]): CommandTable {
  const table: (readonly [Buffer, StompCommand])[][] = [];
  for (const command of list) (table[command.length] ??= []).push([Buffer.from(command, 'latin1'), command]);
  return table;
}

const COMMAND_TABLES: Readonly<Record<CommandSet, CommandTable>> = {
  client: commandTable(CLIENT_COMMANDS),
  server: commandTable(SERVER_COMMANDS),
  any: commandTable([...CLIENT_COMMANDS, ...SERVER_COMMANDS]),
};

/** The table of `set`, or undefined when `set` names none (an option from untyped code). */
export function commandTableOf(set: string): CommandTable | undefined {
  return Object.hasOwn(COMMAND_TABLES, set) ? COMMAND_TABLES[set as CommandSet] : undefined;
}

/** The command spelled by `line[start, end)`, or undefined when the table has none. */
export function matchCommand(
  table: CommandTable,
  line: Buffer,
  start: number,
  end: number,
): StompCommand | undefined {
  const candidates = table[end - start];
  if (candidates === undefined) return undefined;
  // Indexed loops: this runs for every frame, and for-of with destructuring is the iterator protocol.
  next: for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    const bytes = candidate[0];
    for (let k = 0; k < bytes.length; k++) {
      if (line[start + k] !== bytes[k]) continue next;
    }
    return candidate[1];
  }
  return undefined;
}
