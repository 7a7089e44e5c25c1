/**
 * Schema governance: diff the current schema against the committed
 * baseline, classify every change, and decide whether the change set may ship.
 *
 * Everything here is pure (strings in, values out) so it can be tested without
 * touching the file system; `scripts/schema-check.ts` does the I/O.
 */
import {
  assertValidSchema,
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  lexicographicSortSchema,
  printSchema,
  type GraphQLSchema,
} from 'graphql';
import { ChangeType, CriticalityLevel, diff, DiffRule, type Change } from '@graphql-inspector/core';
import { operationLabel, type ClientCheck } from './client-operations';

/** One accepted breaking change, as written in `governance/breaking-changes.allow.json`. */
export interface AllowListEntry {
  /** The change's path as graphql-inspector reports it, e.g. `Product.name`. */
  path: string;
  /** The graphql-inspector change type, e.g. `FIELD_REMOVED`. */
  type: string;
  /** Why breaking clients is acceptable here. Required: an unexplained break is not reviewable. */
  reason: string;
}

export type Criticality = 'breaking' | 'dangerous' | 'safe';

/** A change between the baseline and the current schema, with our decision about it. */
export interface ClassifiedChange {
  type: string;
  path: string;
  message: string;
  criticality: Criticality;
  /** Set when a breaking change matches an allow-list entry (and is not refused). */
  allowedReason?: string;
  /** Set when a removal is refused because the element was not deprecated in the baseline. */
  refusedReason?: string;
}

export interface CheckResult {
  breaking: ClassifiedChange[];
  dangerous: ClassifiedChange[];
  safe: ClassifiedChange[];
  /** Breaking changes accepted by the allow-list. */
  allowed: ClassifiedChange[];
  /** Breaking changes not in the allow-list (refused removals are in `refused`, not here). */
  notAllowed: ClassifiedChange[];
  /** Removals of elements that were not `@deprecated` in the baseline: never accepted. */
  refused: ClassifiedChange[];
  /** Problems with the allow-list file itself; any of them fails the check. */
  allowListErrors: string[];
  /** Valid entries that matched no breaking change (stale after `schema:update`); a note, not a failure. */
  unusedAllowListEntries: AllowListEntry[];
  passed: boolean;
}

/** Removal change types whose element can carry `@deprecated` and so must be deprecated first. */
const REMOVALS_REQUIRING_DEPRECATION: ReadonlySet<string> = new Set([
  ChangeType.FieldRemoved,
  ChangeType.EnumValueRemoved,
  ChangeType.InputFieldRemoved,
  ChangeType.FieldArgumentRemoved,
]);

const KNOWN_CHANGE_TYPES: ReadonlySet<string> = new Set(Object.values(ChangeType));

/**
 * Prints the schema built from the SDL sources, sorted so the text only changes
 * when the schema does (not when files or definitions are reordered).
 *
 * @param typeDefs - the SDL sources, e.g. from `loadTypeDefs()`; may use `extend type`.
 * @returns the printed schema, suitable as `governance/baseline.graphql`.
 * @throws if the sources do not form a valid schema.
 */
export function printCurrentSchema(typeDefs: string[]): string {
  // One document, so `extend type Query` in one file finds `type Query` in another.
  const schema = buildSchema(typeDefs.join('\n'));
  // buildSchema only validates the SDL; a baseline must be a schema a server would accept.
  assertValidSchema(schema);
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

/**
 * Validates the parsed allow-list file (`{ "allowed": [...] }`).
 *
 * @param raw - the parsed JSON, unchecked.
 * @returns the valid entries and one message per problem found.
 */
export function parseAllowList(raw: unknown): { entries: AllowListEntry[]; errors: string[] } {
  const entries: AllowListEntry[] = [];
  const errors: string[] = [];
  const allowed = isRecord(raw) ? raw['allowed'] : undefined;
  if (!Array.isArray(allowed)) {
    return { entries, errors: ['the allow-list must be an object of the form { "allowed": [ ... ] }'] };
  }
  allowed.forEach((item: unknown, index) => {
    const where = `allowed[${index}]`;
    if (!isRecord(item)) {
      errors.push(`${where} must be an object { "path", "type", "reason" }`);
      return;
    }
    const { path, type, reason } = item;
    if (isNonEmptyString(path) && isKnownChangeType(type) && isNonEmptyString(reason)) {
      entries.push({ path, type, reason });
      return;
    }
    const label = isNonEmptyString(path) ? ` (${path})` : '';
    if (!isNonEmptyString(path)) errors.push(`${where}: "path" must be a non-empty string such as "Product.name"`);
    if (!isKnownChangeType(type)) {
      errors.push(`${where}${label}: "type" must be a graphql-inspector change type such as "FIELD_REMOVED"`);
    }
    if (!isNonEmptyString(reason)) {
      errors.push(`${where}${label}: "reason" must be a non-empty string saying why this breaking change is acceptable`);
    }
  });
  return { entries, errors };
}

/**
 * Diffs the current schema against the baseline and decides whether it may ship:
 * it passes when every breaking change is allow-listed, no removed element skipped
 * deprecation, and the allow-list is valid. Dangerous and safe changes never fail it.
 *
 * @param input.baselineSdl - the committed printed schema (`governance/baseline.graphql`).
 * @param input.currentSdl - the current schema as SDL (printed or the joined sources).
 * @param input.allowList - the parsed allow-list file, validated here.
 */
export async function checkSchema(input: {
  baselineSdl: string;
  currentSdl: string;
  allowList: unknown;
}): Promise<CheckResult> {
  const baseline = buildSchema(input.baselineSdl);
  const current = buildSchema(input.currentSdl);
  const { entries, errors } = parseAllowList(input.allowList);
  const used = new Set<AllowListEntry>();

  const result: CheckResult = {
    breaking: [],
    dangerous: [],
    safe: [],
    allowed: [],
    notAllowed: [],
    refused: [],
    allowListErrors: errors,
    unusedAllowListEntries: [],
    passed: false,
  };

  for (const change of await diffChanges(baseline, current)) {
    const classified: ClassifiedChange = {
      type: change.type,
      path: change.path ?? '(schema)',
      message: change.message,
      criticality: criticalityOf(change),
    };
    if (classified.criticality !== 'breaking') {
      result[classified.criticality].push(classified);
      continue;
    }
    result.breaking.push(classified);
    const entry = entries.find((e) => e.path === classified.path && e.type === classified.type);
    if (entry) used.add(entry);

    if (REMOVALS_REQUIRING_DEPRECATION.has(change.type) && !wasDeprecated(baseline, classified.path)) {
      // Checked before the allow-list on purpose: clients need a deprecation period
      // to migrate, and an allow-list entry cannot give them that retroactively.
      classified.refusedReason =
        `'${classified.path}' was not @deprecated in the baseline: deprecate it first, ` +
        'ship that, and remove it in a later change';
      result.refused.push(classified);
    } else if (entry) {
      classified.allowedReason = entry.reason;
      result.allowed.push(classified);
    } else {
      result.notAllowed.push(classified);
    }
  }

  result.unusedAllowListEntries = entries.filter((entry) => !used.has(entry));
  result.passed = result.notAllowed.length === 0 && result.refused.length === 0 && errors.length === 0;
  return result;
}

/**
 * Renders a check result for humans (CI logs): one section per criticality,
 * with the client operations each breaking change affects when `clients` is
 * given, then allow-list problems, the client operations that are invalid
 * against the current schema, and a final verdict line.
 */
export function formatReport(result: CheckResult, clients?: ClientCheck): string {
  const lines: string[] = [
    `Schema diff against the baseline: ${result.breaking.length} breaking, ` +
      `${result.dangerous.length} dangerous, ${result.safe.length} safe`,
  ];
  const section = (title: string, changes: ClassifiedChange[]): void => {
    lines.push('', `${title} (${changes.length})`);
    if (changes.length === 0) lines.push('  (none)');
    for (const change of sortByPath(changes)) {
      lines.push(`  ${marker(change)} ${change.path} [${change.type}] ${change.message}`);
      if (change.refusedReason) lines.push(`      refused: ${change.refusedReason}`);
      else if (change.allowedReason) lines.push(`      allowed: ${change.allowedReason}`);
      else if (change.criticality === 'breaking') lines.push('      not in the allow-list');
      if (clients && change.criticality === 'breaking') {
        const affected = clients.affectedBy(change.path);
        if (affected.length === 0) lines.push('      affects no client operation of this repository');
        for (const { operation, messages, valid } of affected) {
          if (messages.length > 0) lines.push(`      breaks client operation ${operationLabel(operation)}: ${messages.join(' ')}`);
          else lines.push(`      affects client operation ${operationLabel(operation)}${valid ? ' (still valid; check how it reads the result)' : ''}`);
        }
      }
    }
  };
  section('Breaking', result.breaking);
  section('Dangerous', result.dangerous);
  section('Safe', result.safe);

  if (result.allowListErrors.length > 0) {
    lines.push('', 'Invalid allow-list:', ...result.allowListErrors.map((error) => `  - ${error}`));
  }
  if (result.unusedAllowListEntries.length > 0) {
    lines.push('', 'Allow-list entries matching no breaking change (remove them once the baseline is updated):');
    lines.push(...result.unusedAllowListEntries.map((e) => `  - ${e.path} [${e.type}]`));
  }
  if (clients) lines.push('', ...clientSection(clients));
  lines.push('', verdict(result, clients));
  return `${lines.join('\n')}\n`;
}

function clientSection(clients: ClientCheck): string[] {
  const lines = [`Client operations: ${clients.checked} checked against the current schema, ${clients.invalid.length} invalid`];
  for (const error of clients.documentErrors) lines.push(`  x ${error}`);
  for (const { operation, messages } of clients.invalid) {
    lines.push(`  x ${operationLabel(operation)}`, ...messages.map((message) => `      ${message}`));
  }
  return lines;
}

/** Whether the schema and the client operations may ship together. */
export function reportPassed(result: CheckResult, clients?: ClientCheck): boolean {
  return result.passed && (clients?.passed ?? true);
}

function verdict(result: CheckResult, clients?: ClientCheck): string {
  if (reportPassed(result, clients)) {
    return result.allowed.length > 0
      ? `PASS: ${result.allowed.length} breaking change(s), all allow-listed.`
      : 'PASS: no breaking changes.';
  }
  const reasons: string[] = [];
  if (result.notAllowed.length > 0) reasons.push(`${result.notAllowed.length} breaking change(s) not allow-listed`);
  if (result.refused.length > 0) reasons.push(`${result.refused.length} removal(s) without prior deprecation`);
  if (result.allowListErrors.length > 0) reasons.push('invalid allow-list');
  if (clients && clients.invalid.length > 0) reasons.push(`${clients.invalid.length} client operation(s) invalid against the current schema`);
  if (clients && clients.documentErrors.length > 0) reasons.push(`${clients.documentErrors.length} client document(s) unusable`);
  return `FAIL: ${reasons.join(', ')}.`;
}

function marker(change: ClassifiedChange): string {
  if (change.criticality === 'safe') return '+';
  if (change.criticality === 'dangerous') return '!';
  return change.allowedReason ? 'ok' : 'x';
}

async function diffChanges(baseline: GraphQLSchema, current: GraphQLSchema): Promise<Change[]> {
  const all = await diff(baseline, current);
  // simplifyChanges drops the redundant children of an addition (e.g. the
  // DIRECTIVE_USAGE_* twins of FIELD_DEPRECATION_ADDED) to keep the report short;
  // breaking changes are always kept so no rule of theirs can hide one from us.
  const kept = new Set(await DiffRule.simplifyChanges({ changes: all, oldSchema: baseline, newSchema: current, config: {} }));
  return all.filter((change) => kept.has(change) || change.criticality.level === CriticalityLevel.Breaking);
}

function criticalityOf(change: Change): Criticality {
  switch (change.criticality.level) {
    case CriticalityLevel.Breaking:
      return 'breaking';
    case CriticalityLevel.Dangerous:
      return 'dangerous';
    default:
      return 'safe';
  }
}

/**
 * Whether the element at an inspector path (`Type.field`, `Enum.VALUE`,
 * `Input.field` or `Type.field.argument`) had a deprecation reason in `schema`.
 * `@deprecated` without a reason still counts: graphql fills in "No longer supported".
 */
function wasDeprecated(schema: GraphQLSchema, path: string): boolean {
  const [typeName = '', memberName = '', argumentName] = path.split('.');
  const type = schema.getType(typeName);
  let reason: string | null | undefined;
  if (isEnumType(type)) {
    reason = type.getValue(memberName)?.deprecationReason;
  } else if (isInputObjectType(type)) {
    reason = type.getFields()[memberName]?.deprecationReason;
  } else if (isObjectType(type) || isInterfaceType(type)) {
    const field = type.getFields()[memberName];
    reason = argumentName === undefined
      ? field?.deprecationReason
      : field?.args.find((arg) => arg.name === argumentName)?.deprecationReason;
  }
  return typeof reason === 'string';
}

function sortByPath(changes: ClassifiedChange[]): ClassifiedChange[] {
  // Plain code-unit order, not localeCompare: the report must not depend on the machine's locale.
  const key = (change: ClassifiedChange): string => `${change.path}\u0000${change.type}`;
  return [...changes].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function isKnownChangeType(value: unknown): value is string {
  return typeof value === 'string' && KNOWN_CHANGE_TYPES.has(value);
}
