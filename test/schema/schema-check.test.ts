import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  checkSchema,
  formatReport,
  printCurrentSchema,
  type AllowListEntry,
  type CheckResult,
} from '../../governance/schema-diff';

const FIXTURES = path.join(__dirname, 'fixtures');
const ROOT = path.resolve(__dirname, '..', '..');

function fixture(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, `${name}.graphql`), 'utf8');
}

/** Checks fixtures/<after>.graphql against fixtures/before.graphql, printed as the real baseline is. */
function checkAgainstBefore(after: string, allowed: unknown[] = []): Promise<CheckResult> {
  return checkSchema({
    baselineSdl: printCurrentSchema([fixture('before')]),
    currentSdl: printCurrentSchema([fixture(after)]),
    allowList: { allowed },
  });
}

const paths = (changes: { path: string }[]): string[] => changes.map((change) => change.path);

describe('checkSchema', () => {
  it('passes a safe addition (a new optional field)', async () => {
    // given a new nullable field on Product
    // when the schema is checked
    const result = await checkAgainstBefore('after-add-optional-field');
    // then it is classified safe and the check passes
    expect(paths(result.safe)).toEqual(['Product.tagline']);
    expect(result.breaking).toEqual([]);
    expect(result.passed).toBe(true);
    expect(formatReport(result)).toMatch(/PASS: no breaking changes\.\n$/);
  });

  it('refuses removing a field that was not deprecated, even when allow-listed', async () => {
    // given Product.name removed without a prior @deprecated, and an allow-list entry for it
    const entry: AllowListEntry = { path: 'Product.name', type: 'FIELD_REMOVED', reason: 'nobody uses it' };
    // when the schema is checked
    const result = await checkAgainstBefore('after-remove-field', [entry]);
    // then the removal is breaking and refused, not allowed, and the check fails
    expect(paths(result.breaking)).toEqual(['Product.name']);
    expect(paths(result.refused)).toEqual(['Product.name']);
    expect(result.allowed).toEqual([]);
    expect(result.passed).toBe(false);
    const report = formatReport(result);
    expect(report).toContain("refused: 'Product.name' was not @deprecated in the baseline");
    expect(report).toMatch(/FAIL: 1 removal\(s\) without prior deprecation\.\n$/);
  });

  it('fails removing a deprecated field that is not allow-listed', async () => {
    // given Product.legacyCode, deprecated in the baseline, removed; an empty allow-list
    // when the schema is checked
    const result = await checkAgainstBefore('after-remove-deprecated-field');
    // then the removal is breaking and not allowed (but not refused: it was deprecated)
    expect(paths(result.notAllowed)).toEqual(['Product.legacyCode']);
    expect(result.refused).toEqual([]);
    expect(result.passed).toBe(false);
    expect(formatReport(result)).toContain('FAIL: 1 breaking change(s) not allow-listed.');
  });

  it('passes removing a deprecated field that is allow-listed with a reason', async () => {
    // given the same removal, allow-listed with a reason
    const reason = 'Deprecated since 2025-01; no client has queried it for 90 days.';
    // when the schema is checked
    const result = await checkAgainstBefore('after-remove-deprecated-field', [
      { path: 'Product.legacyCode', type: 'FIELD_REMOVED', reason },
    ]);
    // then it is still reported as breaking, marked allowed with its reason, and the check passes
    expect(paths(result.breaking)).toEqual(['Product.legacyCode']);
    expect(result.allowed.map((change) => change.allowedReason)).toEqual([reason]);
    expect(result.passed).toBe(true);
    const report = formatReport(result);
    expect(report).toContain(`allowed: ${reason}`);
    expect(report).toContain('PASS: 1 breaking change(s), all allow-listed.');
  });

  it('does not let an entry for another change type allow a change', async () => {
    // given an entry with the right path but the wrong change type
    const result = await checkAgainstBefore('after-remove-deprecated-field', [
      { path: 'Product.legacyCode', type: 'FIELD_TYPE_CHANGED', reason: 'wrong type' },
    ]);
    // then the removal is not allowed and the entry is reported as unused
    expect(paths(result.notAllowed)).toEqual(['Product.legacyCode']);
    expect(result.unusedAllowListEntries).toHaveLength(1);
    expect(result.passed).toBe(false);
  });

  it("classifies changing a field's type from String to Int as breaking", async () => {
    const result = await checkAgainstBefore('after-change-field-type');
    expect(result.breaking.map(({ path, type }) => ({ path, type }))).toEqual([
      { path: 'Product.sku', type: 'FIELD_TYPE_CHANGED' },
    ]);
    expect(result.passed).toBe(false);
  });

  it('classifies adding a required argument as breaking', async () => {
    const result = await checkAgainstBefore('after-add-required-argument');
    expect(result.breaking.map(({ path, type }) => ({ path, type }))).toEqual([
      { path: 'Product.price.region', type: 'FIELD_ARGUMENT_ADDED' },
    ]);
    expect(result.passed).toBe(false);
  });

  it('classifies adding an enum value as dangerous, and passes', async () => {
    const result = await checkAgainstBefore('after-add-enum-value');
    expect(paths(result.dangerous)).toEqual(['ProductStatus.DRAFT']);
    expect(result.breaking).toEqual([]);
    expect(result.passed).toBe(true);
    expect(formatReport(result)).toMatch(/Dangerous \(1\)\n {2}! ProductStatus\.DRAFT \[ENUM_VALUE_ADDED\]/);
  });

  it('rejects an allow-list entry without a reason', async () => {
    // given an otherwise matching entry whose reason is blank
    const result = await checkAgainstBefore('after-remove-deprecated-field', [
      { path: 'Product.legacyCode', type: 'FIELD_REMOVED', reason: '  ' },
    ]);
    // then the entry does not allow anything and the check fails naming the problem
    expect(result.allowListErrors).toEqual([
      'allowed[0] (Product.legacyCode): "reason" must be a non-empty string saying why this breaking change is acceptable',
    ]);
    expect(result.allowed).toEqual([]);
    expect(result.passed).toBe(false);
    expect(formatReport(result)).toContain('invalid allow-list.');
  });

  it('rejects an allow-list that is not { "allowed": [...] }, even with no breaking change', async () => {
    const result = await checkSchema({ baselineSdl: fixture('before'), currentSdl: fixture('before'), allowList: [] });
    expect(result.allowListErrors).toHaveLength(1);
    expect(result.passed).toBe(false);
  });

  describe('removal of the other elements that can be deprecated', () => {
    // One schema with an enum value, an input field and an argument named OLD/old;
    // each case removes one of them from `after`.
    const declarations = { enumValue: 'OLD', inputField: 'old: Int', argument: 'old: Int' };
    type Slot = keyof typeof declarations;
    const schemaWith = (slots: Record<Slot, string>): string =>
      `enum E { NEW ${slots.enumValue} }\ninput I { new: Int ${slots.inputField} }\ntype Query { f(i: I, e: E, ${slots.argument}): Int }`;
    const cases: { slot: Slot; path: string; type: string }[] = [
      { slot: 'enumValue', path: 'E.OLD', type: 'ENUM_VALUE_REMOVED' },
      { slot: 'inputField', path: 'I.old', type: 'INPUT_FIELD_REMOVED' },
      { slot: 'argument', path: 'Query.f.old', type: 'FIELD_ARGUMENT_REMOVED' },
    ];
    const checkRemoval = (c: (typeof cases)[number], deprecatedBefore: boolean): Promise<CheckResult> =>
      checkSchema({
        baselineSdl: schemaWith({ ...declarations, [c.slot]: declarations[c.slot] + (deprecatedBefore ? ' @deprecated' : '') }),
        currentSdl: schemaWith({ ...declarations, [c.slot]: '' }),
        allowList: { allowed: [{ path: c.path, type: c.type, reason: 'cleanup' }] },
      });

    it.each(cases)('refuses removing $path ($type) that was not deprecated, even when allow-listed', async (c) => {
      const result = await checkRemoval(c, false);
      expect(result.breaking.map(({ path, type }) => ({ path, type }))).toEqual([{ path: c.path, type: c.type }]);
      expect(paths(result.refused)).toEqual([c.path]);
      expect(result.passed).toBe(false);
    });

    it.each(cases)('allows removing $path ($type) that was deprecated, when allow-listed', async (c) => {
      const result = await checkRemoval(c, true);
      expect(paths(result.allowed)).toEqual([c.path]);
      expect(result.passed).toBe(true);
    });
  });
});

describe('printCurrentSchema', () => {
  const sources = [
    'type Query { zebra: Zebra }\ntype Zebra { name: String, age: Int }',
    'extend type Query { apple: String }',
  ];

  it('is stable: the same text twice, whatever the order of sources and definitions', () => {
    // given the same schema written three ways
    const printed = printCurrentSchema(sources);
    // then each prints to the same text
    expect(printCurrentSchema(sources)).toBe(printed);
    expect(printCurrentSchema([...sources].reverse())).toBe(printed);
    expect(printCurrentSchema(['type Zebra { age: Int, name: String }', 'type Query { apple: String, zebra: Zebra }'])).toBe(printed);
  });

  it('merges `extend type` and sorts types and fields lexicographically', () => {
    expect(printCurrentSchema(sources)).toBe(
      ['type Query {', '  apple: String', '  zebra: Zebra', '}', '', 'type Zebra {', '  age: Int', '  name: String', '}', ''].join('\n'),
    );
  });

  it('round-trips: a printed schema prints to itself', () => {
    const printed = printCurrentSchema([fixture('before')]);
    expect(printCurrentSchema([printed])).toBe(printed);
  });
});

describe('scripts/schema-check.ts and schema-update.ts (end to end)', () => {
  let dir: string;
  let schemaDir: string;
  let baseline: string;
  let allowList: string;

  const run = (script: string, ...extra: string[]) =>
    spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(ROOT, 'scripts', script), '--schema-dir', schemaDir, '--baseline', baseline, ...extra],
      { cwd: ROOT, encoding: 'utf8' },
    );
  // The fixture schema is not the gateway's: check no client documents against it (client-operations.test.ts covers them).
  const check = () => run('schema-check.ts', '--allow-list', allowList, '--documents', path.join(dir, 'clients'));
  const useSource = (name: string) => fs.copyFileSync(path.join(FIXTURES, `${name}.graphql`), path.join(schemaDir, 'product.graphql'));
  const writeAllowList = (allowed: AllowListEntry[]) => fs.writeFileSync(allowList, JSON.stringify({ allowed }));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-check-'));
    schemaDir = path.join(dir, 'schema');
    fs.mkdirSync(schemaDir);
    // As in the real layout, the baseline and the allow-list live beside the SDL sources, not among them.
    const governanceDir = path.join(dir, 'governance');
    fs.mkdirSync(governanceDir);
    baseline = path.join(governanceDir, 'baseline.graphql');
    allowList = path.join(governanceDir, 'breaking-changes.allow.json');
    writeAllowList([]);
    useSource('before');
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 1 and says to run schema:update when there is no baseline', () => {
    const { status, stderr } = check();
    expect(status).toBe(1);
    expect(stderr).toContain('npm run schema:update');
  }, 30_000);

  it('exits 0 after schema:update, 1 on an unlisted breaking change, 0 once it is allow-listed', () => {
    // given a baseline written by schema:update
    expect(run('schema-update.ts').status).toBe(0);
    expect(fs.readFileSync(baseline, 'utf8')).toMatch(/^# Generated by `npm run schema:update`.*\n"""A product for sale\."""\ntype Product/);
    expect(check().status).toBe(0);

    // when a deprecated field is removed without an allow-list entry, then the check fails
    useSource('after-remove-deprecated-field');
    const failed = check();
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain('x Product.legacyCode [FIELD_REMOVED]');
    expect(failed.stdout).toContain('FAIL: 1 breaking change(s) not allow-listed.');

    // when the removal is allow-listed with a reason, then it passes
    writeAllowList([{ path: 'Product.legacyCode', type: 'FIELD_REMOVED', reason: 'replaced by sku' }]);
    const passed = check();
    expect(passed.status).toBe(0);
    expect(passed.stdout).toContain('allowed: replaced by sku');
  }, 60_000);
});
