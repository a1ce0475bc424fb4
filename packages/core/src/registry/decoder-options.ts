import { ArgumentError } from '../errors.js';
import { checkKnownOptions } from '../util/check-options.js';
import type { DecoderDefinition, JsonValue } from './plugin-contract.js';

/** Names users bring from other libraries for decoder options. */
const DECODER_OPTION_HINTS: Readonly<Record<string, string>> = {};

/**
 * Checks `options` against the option names a decoder declares (`DecoderDefinition.options`):
 * E_ARGUMENT for a non-object or an unknown name, naming the field, the decoder and the nearest
 * declared name. Decoders that declare no list are not checked.
 */
export function checkDecoderOptions(definition: DecoderDefinition<never, never>, options: JsonValue | undefined, fieldName: string, decoderName: string): void {
  const known = definition.options;
  if (known === undefined || options === undefined || options === null) return;
  const where = `pipelines.${fieldName}.decoderOptions`;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError(where, `decoder "${decoderName}" takes an options object${describe(known)}, got ${JSON.stringify(options)}`);
  }
  if (known.length === 0 && Object.keys(options).length > 0) {
    throw new ArgumentError(`${where}.${Object.keys(options)[0]}`, `decoder "${decoderName}" of field "${fieldName}" takes no options; remove decoderOptions`);
  }
  try {
    checkKnownOptions(where, options, known, DECODER_OPTION_HINTS);
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    // Same wording, with the decoder named.
    throw new ArgumentError(error.argument, `decoder "${decoderName}" of field "${fieldName}": ${error.message.slice(error.argument.length + 2)}`);
  }
}

function describe(known: readonly string[]): string {
  return known.length === 0 ? ' (it takes none)' : ` (${known.join(', ')})`;
}
