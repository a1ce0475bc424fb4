import { resolve } from 'node:path';
import type { OptionDefinition } from './command-line.js';
import { UsageError } from './usage-error.js';

/**
 * `-o/--output OUT.beton`, shared by every `tessera build` kind. One convention for all of them:
 * the output is the last positional argument or `-o`; giving both is fine when they name the same
 * file, and an error otherwise.
 */
export const OUTPUT_OPTION = {
  type: 'string',
  short: 'o',
  valueName: 'OUT.beton',
  description: 'the file to write (or give it as the last argument)',
} as const satisfies OptionDefinition;

/**
 * The output path of a build command from its positional output (if any) and `-o`. Relative paths
 * are compared after resolving against `cwd`. Neither, or two different files: a UsageError
 * showing both ways to give it.
 */
export function chooseOutput(options: {
  positional: string | undefined;
  option: string | undefined;
  cwd: string;
  command: string;
  /** The command's inputs as shown in the message, e.g. `DIR` or `INPUT...`. */
  inputs: string;
  /** Why a positional was not taken as the output (build text: it does not end in .beton). */
  positionalHint?: string;
}): string {
  const { positional, option, cwd, command, inputs } = options;
  if (positional !== undefined && option !== undefined && resolve(cwd, positional) !== resolve(cwd, option)) {
    throw new UsageError(
      `the output is given twice, as ${JSON.stringify(positional)} and as -o ${JSON.stringify(option)}; give it once: tessera ${command} ${inputs} OUT.beton, or ${inputs} -o OUT.beton`,
      command,
    );
  }
  const output = option ?? positional;
  if (output === undefined || output === '') {
    throw new UsageError(
      `tessera ${command} needs an output file: tessera ${command} ${inputs} OUT.beton, or ${inputs} -o OUT.beton${options.positionalHint === undefined ? '' : ` (${options.positionalHint})`}`,
      command,
    );
  }
  return output;
}
