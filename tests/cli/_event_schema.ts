/**
 * The JSON event schema of the command, read from `docs/events.md` (the contract), and a
 * validator for it. `_run.ts` checks every event the CLI tests parse.
 *
 * @module
 */

// deno-lint-ignore no-explicit-any
type Json = any;

const text = await Deno.readTextFile(new URL("../../docs/events.md", import.meta.url));
const block = /```json\n([\s\S]*?)\n```/.exec(text);
if (!block) throw new Error("docs/events.md has no ```json schema block");
/** The schema from `docs/events.md`. */
export const EVENT_SCHEMA: Json = JSON.parse(block[1]);

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function check(value: unknown, schema: Json, path: string): string[] {
  if (schema.$ref) return check(value, EVENT_SCHEMA.$defs[schema.$ref], path);
  if (schema.oneOf) {
    const passing = schema.oneOf.filter((s: Json) => check(value, s, path).length === 0);
    return passing.length === 1
      ? []
      : [`${path}: matches ${passing.length} of the oneOf alternatives: ${JSON.stringify(value)}`];
  }
  const errors: string[] = [];
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(value);
    if (!types.includes(t) && !(t === "integer" && types.includes("number"))) {
      errors.push(`${path}: ${JSON.stringify(value)} is not ${types.join(" or ")}`);
    }
  }
  if (schema.enum && !schema.enum.includes(value)) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const k of schema.required ?? []) {
      if (!(k in obj)) errors.push(`${path}: missing ${k}`);
    }
    for (const k of schema.not ?? []) {
      if (k in obj) errors.push(`${path}: has ${k}, which it must not have here`);
    }
    if (schema.properties) {
      const props = { ...schema.properties };
      if (props.$where) Object.assign(props, EVENT_SCHEMA.$defs.where);
      delete props.$where;
      for (const [k, v] of Object.entries(obj)) {
        if (k in props) errors.push(...check(v, props[k], `${path}.${k}`));
        else if (schema.additionalProperties !== true) {
          errors.push(`${path}: unexpected field ${k}`);
        }
      }
    }
  }
  return errors;
}

/**
 * Check one parsed line of `--json` output.
 *
 * @param event The object.
 * @returns The problems (empty when it matches the schema).
 */
export function validateEvent(event: Json): string[] {
  if (typeof event !== "object" || event === null) return ["not an object"];
  const spec = EVENT_SCHEMA.events[event.event];
  if (!spec) return [`unknown event ${JSON.stringify(event.event)}`];
  const { event: _name, t, ...fields } = event;
  const errors = typeof t === "number" ? [] : [`${event.event}: t is missing or not a number`];
  errors.push(...check(fields, { type: "object", ...spec }, event.event));
  if (spec.payload) errors.push(...check(fields, EVENT_SCHEMA.$defs.payload, event.event));
  return errors;
}

/** Events validated so far, for the test that proves the hook ran. */
export const validated = { count: 0 };

/**
 * Throw when an event does not match the schema.
 *
 * @param event The parsed line.
 * @throws {Error} With every problem and the event.
 */
export function assertEvent(event: Json): void {
  const errors = validateEvent(event);
  validated.count++;
  if (errors.length) {
    throw new Error(
      `event does not match docs/events.md: ${errors.join("; ")}: ${JSON.stringify(event)}`,
    );
  }
}
