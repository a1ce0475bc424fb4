import { UsageError } from './usage-error.js';

/** One `--name` option of a command. */
export interface OptionDefinition {
  /** 'boolean' takes no value; 'string' takes the next argument or `--name=value`. */
  readonly type: 'boolean' | 'string';
  /** A string option that may be given several times (collected in order). */
  readonly multiple?: boolean;
  /** A one-letter alias such as `h` for `-h`. */
  readonly short?: string;
  /** Placeholder shown in help, e.g. `A:B`. */
  readonly valueName?: string;
  readonly description: string;
}

export type OptionDefinitions = Readonly<Record<string, OptionDefinition>>;

type OptionValue<TDefinition extends OptionDefinition> = TDefinition['type'] extends 'boolean'
  ? boolean
  : TDefinition['multiple'] extends true
    ? string[]
    : string | undefined;

/** Booleans default to false, repeatable options to [], other string options to undefined. */
export type ParsedOptions<TDefinitions extends OptionDefinitions> = {
  [Name in keyof TDefinitions]: OptionValue<TDefinitions[Name]>;
};

export interface ParsedCommandLine<TDefinitions extends OptionDefinitions> {
  options: ParsedOptions<TDefinitions>;
  positionals: string[];
}

/**
 * Parses a command's arguments. Strict on purpose: an unknown option, a repeated single-valued
 * option, a boolean given a value or a missing value is a `UsageError`. A string option takes the
 * next argument whatever it looks like (`--range -1:5` passes "-1:5" on, so the command can say
 * why a negative index is wrong). `--` ends the options.
 */
export function parseCommandLine<TDefinitions extends OptionDefinitions>(
  argv: readonly string[],
  definitions: TDefinitions,
  command: string,
): ParsedCommandLine<TDefinitions> {
  const values: Record<string, boolean | string | string[] | undefined> = {};
  for (const [name, definition] of Object.entries(definitions)) {
    values[name] = definition.type === 'boolean' ? false : definition.multiple ? [] : undefined;
  }
  const given = new Set<string>();
  const positionals: string[] = [];

  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (!argument.startsWith('-') || argument === '-') {
      positionals.push(argument);
      continue;
    }
    const equals = argument.indexOf('=');
    const flag = equals >= 0 ? argument.slice(0, equals) : argument;
    const inlineValue = equals >= 0 ? argument.slice(equals + 1) : undefined;
    const name = findOption(flag, definitions);
    if (name === undefined) {
      const known = Object.keys(definitions).map((option) => `--${option}`);
      throw new UsageError(`unknown option ${flag} for tessera ${command} (its options are ${known.join(', ')})`, command);
    }
    const definition = definitions[name]!;
    if (definition.type === 'boolean') {
      if (inlineValue !== undefined) throw new UsageError(`option --${name} takes no value, got ${JSON.stringify(inlineValue)}`, command);
      values[name] = true;
      continue;
    }
    let value = inlineValue;
    if (value === undefined) {
      if (index + 1 >= argv.length) throw new UsageError(`option --${name} needs a value (${definition.valueName ?? 'VALUE'})`, command);
      value = argv[++index]!;
    }
    if (definition.multiple) {
      (values[name] as string[]).push(value);
    } else {
      if (given.has(name)) throw new UsageError(`option --${name} is given twice`, command);
      values[name] = value;
    }
    given.add(name);
  }
  return { options: values as ParsedOptions<TDefinitions>, positionals };
}

function findOption(flag: string, definitions: OptionDefinitions): string | undefined {
  if (flag.startsWith('--')) {
    const name = flag.slice(2);
    return Object.hasOwn(definitions, name) ? name : undefined;
  }
  const letter = flag.slice(1);
  return Object.keys(definitions).find((name) => definitions[name]!.short === letter);
}
