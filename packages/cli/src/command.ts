import type { Writable } from 'node:stream';
import { type OptionDefinitions, type ParsedOptions, parseCommandLine } from './command-line.js';
import { EXIT_CODE } from './exit-code.js';
import { formatCommandHelp } from './help-text.js';
import { UsageError } from './usage-error.js';

/** What a command may touch: output streams, the environment and the working directory. */
export interface CommandContext {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths (files, `--plugin ./x.js`) resolve against this directory. */
  readonly cwd: string;
}

export interface CommandInput<TOptions extends OptionDefinitions> {
  options: ParsedOptions<TOptions>;
  /** The positionals given, in order: every required one, then the optional ones given. */
  positionals: string[];
}

export interface CommandDefinition<TOptions extends OptionDefinitions> {
  readonly name: string;
  /** One line for `tessera --help`. */
  readonly summary: string;
  /** Positional arguments, e.g. `['FILE']`; optional ones last and in brackets (`'[OUT.beton]'`); `NAME...` takes one or more. */
  readonly positionalNames: readonly string[];
  /** Paragraphs for `tessera <name> --help` (exit codes, output format). */
  readonly description: string;
  /** `--help`/`-h` is added to every command. */
  readonly options: TOptions;
  /** Returns the exit code; throws `UsageError` or a `TesseraError` for the error paths. */
  run(input: CommandInput<TOptions>, context: CommandContext): Promise<number>;
}

/** A command with its option types erased, as the dispatcher sees it. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly positionalNames: readonly string[];
  readonly description: string;
  readonly options: OptionDefinitions;
  /** Parses `argv` (the arguments after the command name), prints help or runs. */
  execute(argv: readonly string[], context: CommandContext): Promise<number>;
}

const HELP_OPTION = { type: 'boolean', short: 'h', description: 'show this help' } as const;

export function defineCommand<TOptions extends OptionDefinitions>(definition: CommandDefinition<TOptions>): Command {
  const options: OptionDefinitions = { ...definition.options, help: HELP_OPTION };
  const command: Command = {
    name: definition.name,
    summary: definition.summary,
    positionalNames: definition.positionalNames,
    description: definition.description,
    options,
    async execute(argv, context) {
      const helpIndex = argv.findIndex((argument) => argument === '--help' || argument === '-h' || argument === '--');
      if (helpIndex >= 0 && argv[helpIndex] !== '--') {
        context.stdout.write(formatCommandHelp(command));
        return EXIT_CODE.SUCCESS;
      }
      const { options: parsed, positionals } = parseCommandLine(argv, options, definition.name);
      const expected = definition.positionalNames;
      const requiredCount = expected.filter((name) => !name.startsWith('[')).length;
      if (positionals.length < requiredCount) {
        throw new UsageError(`tessera ${definition.name} needs ${expected.slice(positionals.length, requiredCount).join(' ')}`, definition.name);
      }
      // A name ending in "..." (`SHARD...`) takes any number of arguments.
      if (positionals.length > expected.length && !expected.some((name) => name.replace(/[[\]]/g, '').endsWith('...'))) {
        throw new UsageError(
          `tessera ${definition.name} takes ${expected.join(' ')} only; unexpected ${positionals.slice(expected.length).map((text) => JSON.stringify(text)).join(' ')}`,
          definition.name,
        );
      }
      return definition.run({ options: parsed as ParsedOptions<TOptions>, positionals }, context);
    },
  };
  return command;
}
