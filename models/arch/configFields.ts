/** Typed reads of config.json fields, each failure naming the file and the field. */
import { ModelConfigError } from '../gpt2/config.ts';

export class ConfigFields {
  constructor(
    readonly json: Record<string, unknown>,
    private readonly fileName: string,
  ) {}

  static of(json: unknown, fileName = 'config.json'): ConfigFields {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ModelConfigError(`${fileName}: is not a JSON object`);
    }
    return new ConfigFields(json as Record<string, unknown>, fileName);
  }

  fail(why: string): never {
    throw new ModelConfigError(`${this.fileName}: ${why}`);
  }

  has(key: string): boolean {
    return this.json[key] !== undefined && this.json[key] !== null;
  }

  int(key: string, fallback?: number): number {
    const v = this.has(key) ? this.json[key] : fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
      this.fail(`${key} must be a positive integer (got ${JSON.stringify(this.json[key])})`);
    }
    return v as number;
  }

  positive(key: string, fallback?: number): number {
    const v = this.has(key) ? this.json[key] : fallback;
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
      this.fail(`${key} must be a positive number (got ${JSON.stringify(this.json[key])})`);
    }
    return v as number;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.has(key) ? this.json[key] : fallback;
    if (typeof v !== 'boolean') this.fail(`${key} must be true or false (got ${JSON.stringify(v)})`);
    return v as boolean;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.has(key) ? this.json[key] : fallback;
    if (typeof v !== 'string' || !allowed.includes(v as T)) {
      this.fail(`${key} ${JSON.stringify(v)} is not supported; supported: ${allowed.join(', ')}`);
    }
    return v as T;
  }

  record(key: string): Record<string, unknown> | undefined {
    const v = this.json[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(`${key} must be an object`);
    return v as Record<string, unknown>;
  }

  /** `n` divided by `by`, which must divide it. */
  divide(n: number, by: number, what: string): number {
    if (n % by !== 0) this.fail(`${what}: ${n} is not divisible by ${by}`);
    return n / by;
  }
}
