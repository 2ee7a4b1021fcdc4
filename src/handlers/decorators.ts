import type { HandlerKind, MappingOptions, SendToUserOptions } from './mapping-options.js';

/**
 * Standard (TC39) decorators for controllers. They only record metadata in a module-level
 * WeakMap keyed by the method; `HandlerRegistry.register(controller)` reads it and calls the
 * same `map`/`subscribe` function API. No `experimentalDecorators`, no reflect-metadata.
 */

type AnyMethod = (...args: never[]) => unknown;
type ErrorClass = abstract new (...args: never[]) => unknown;

/** What the decorators recorded for one method. */
export interface MethodRecord {
  mappings: { kind: HandlerKind; patterns: string[]; options: MappingOptions }[];
  sendTo?: string[];
  sendToUser?: { destinations: string[]; options: SendToUserOptions };
  exceptionTypes?: ErrorClass[];
}

/** Class-level prefix (and class-level `@SendTo`). */
export interface ClassRecord {
  prefixes: string[];
  sendTo?: string[];
}

const methodRecords = new WeakMap<AnyMethod, MethodRecord>();
const classRecords = new WeakMap<abstract new (...args: never[]) => unknown, ClassRecord>();

function record(method: AnyMethod): MethodRecord {
  let entry = methodRecords.get(method);
  if (entry === undefined) methodRecords.set(method, (entry = { mappings: [] }));
  return entry;
}

/** The metadata recorded for a method, if any. */
export function methodRecordOf(method: unknown): MethodRecord | undefined {
  return typeof method === 'function' ? methodRecords.get(method as AnyMethod) : undefined;
}

/** The metadata recorded for a controller class, if any. */
export function classRecordOf(type: unknown): ClassRecord | undefined {
  return typeof type === 'function' ? classRecords.get(type as abstract new () => unknown) : undefined;
}

type Decorator = (target: unknown, context: ClassDecoratorContext | ClassMethodDecoratorContext) => void;

/**
 * On a method: handles SENDs to application destinations matching `pattern` (without the
 * application prefix). On a class: a prefix combined with every method pattern.
 * `options.payload` validates/parses the payload (a Standard Schema such as zod, or a function).
 */
export function MessageMapping(pattern: string | string[], options: MappingOptions = {}): Decorator {
  const patterns = typeof pattern === 'string' ? [pattern] : pattern;
  return (target, context) => {
    if (context.kind === 'class') {
      const entry = classRecords.get(target as abstract new () => unknown) ?? { prefixes: [] };
      entry.prefixes = patterns;
      classRecords.set(target as abstract new () => unknown, entry);
      return;
    }
    record(target as AnyMethod).mappings.push({ kind: 'message', patterns, options });
  };
}

/** Handles SUBSCRIBEs to application destinations; the return value goes to that subscriber only. */
export function SubscribeMapping(pattern: string | string[], options: MappingOptions = {}): Decorator {
  const patterns = typeof pattern === 'string' ? [pattern] : pattern;
  return (target, context) => {
    if (context.kind !== 'method') throw new TypeError('@SubscribeMapping applies to methods');
    record(target as AnyMethod).mappings.push({ kind: 'subscribe', patterns, options });
  };
}

/** Publishes the return value to these broker destinations (`{var}` expanded). Method or class. */
export function SendTo(...destinations: string[]): Decorator {
  return (target, context) => {
    if (context.kind === 'class') {
      const entry = classRecords.get(target as abstract new () => unknown) ?? { prefixes: [] };
      entry.sendTo = destinations;
      classRecords.set(target as abstract new () => unknown, entry);
      return;
    }
    record(target as AnyMethod).sendTo = destinations;
  };
}

/**
 * Sends the return value to the current user's `/user/...` destination (default
 * `/queue` + the mapped destination). `broadcast: false` reaches only the originating session.
 */
export function SendToUser(destinations?: string | string[], options: SendToUserOptions = {}): Decorator {
  const list =
    destinations === undefined ? [] : typeof destinations === 'string' ? [destinations] : destinations;
  return (target, context) => {
    if (context.kind !== 'method') throw new TypeError('@SendToUser applies to methods');
    record(target as AnyMethod).sendToUser = { destinations: list, options };
  };
}

/** Marks a method as the handler of errors of these classes (all errors when none given). */
export function MessageExceptionHandler(...types: ErrorClass[]): Decorator {
  return (target, context) => {
    if (context.kind !== 'method') throw new TypeError('@MessageExceptionHandler applies to methods');
    record(target as AnyMethod).exceptionTypes = types.length > 0 ? types : [Error];
  };
}
