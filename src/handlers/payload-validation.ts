import { ErrorCodes, SwitchboardError } from '../errors.js';

/** The part of the Standard Schema interface (zod, valibot, arktype) Switchboard uses. */
export interface StandardSchema<Output = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    /** Validates a value: `{ value }` or `{ issues }` (may be async). */
    validate(value: unknown): StandardResult<Output> | Promise<StandardResult<Output>>;
  };
}

type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | {
      readonly issues: readonly {
        readonly message: string;
        // `| undefined` as in the spec, so zod's types fit under exactOptionalPropertyTypes.
        readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
      }[];
    };

/** A Standard Schema, or a function that returns the parsed value and throws on invalid input. */
export type PayloadValidator<P> = StandardSchema<P> | ((value: unknown) => P);

/** Raised when a payload fails validation; `issues` name the fields. */
export class PayloadValidationError extends SwitchboardError {
  readonly issues: readonly { path: string; message: string }[];
  constructor(destination: string, issues: readonly { path: string; message: string }[]) {
    const detail = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    super(ErrorCodes.ERR_MESSAGE_REJECTED, `Invalid payload for '${destination}': ${detail}`);
    this.name = 'PayloadValidationError';
    this.issues = issues;
  }
}

/** Validates `value`; returns the parsed value (or a promise of it) or throws a PayloadValidationError. */
export function validatePayload<P>(
  validator: PayloadValidator<P>,
  value: unknown,
  destination: string,
): P | Promise<P> {
  if (typeof validator === 'function') {
    try {
      return validator(value);
    } catch (error) {
      throw new PayloadValidationError(destination, [
        { path: '', message: error instanceof Error ? error.message : String(error) },
      ]);
    }
  }
  const result = validator['~standard'].validate(value);
  if (result instanceof Promise) return result.then((r) => unwrap(r, destination));
  return unwrap(result, destination);
}

function unwrap<P>(result: StandardResult<P>, destination: string): P {
  if (result.issues === undefined) return result.value;
  throw new PayloadValidationError(
    destination,
    result.issues.map((issue) => ({
      path: (issue.path ?? []).map((p) => String(typeof p === 'object' && p !== null ? p.key : p)).join('.'),
      message: issue.message,
    })),
  );
}
