import { ErrorCodes, createError } from '../errors.js';
import { DEFAULT_LIMITS } from '../limits.js';
import type { CommandSet, CommandTable } from './command-table.js';
import { commandTableOf } from './command-table.js';

/** What bounds one decoder: its size limits and the commands it accepts, validated. */
export interface DecoderLimits {
  readonly maxFrameSize: number;
  readonly maxHeaders: number;
  readonly maxHeaderLineLength: number;
  readonly commands: CommandTable;
}

/**
 * Applies the defaults of `limits.ts` to a decoder's options and validates them; a bad
 * option throws `ERR_INVALID_OPTION` naming it.
 */
export function resolveDecoderLimits(options: {
  maxFrameSize?: number | undefined;
  maxHeaders?: number | undefined;
  maxHeaderLineLength?: number | undefined;
  commands?: CommandSet | undefined;
}): DecoderLimits {
  const maxFrameSize = limitOption('maxFrameSize', options.maxFrameSize, DEFAULT_LIMITS.maxFrameSize);
  const maxHeaders = limitOption('maxHeaders', options.maxHeaders, DEFAULT_LIMITS.maxHeaders);
  const maxHeaderLineLength = limitOption(
    'maxHeaderLineLength',
    options.maxHeaderLineLength,
    DEFAULT_LIMITS.maxHeaderLineLength,
  );
  const set = options.commands ?? 'client';
  const commands = commandTableOf(set);
  if (commands === undefined) {
    throw createError(
      ErrorCodes.ERR_INVALID_OPTION,
      `Invalid decoder option commands: ${String(set)} (expected 'client', 'server' or 'any')`,
    );
  }
  return { maxFrameSize, maxHeaders, maxHeaderLineLength, commands };
}

function limitOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw createError(
      ErrorCodes.ERR_INVALID_OPTION,
      `Invalid decoder option ${name}: ${String(value)} (expected a positive number)`,
    );
  }
  return value;
}
