import { readFileSync } from 'node:fs';

/** docs/scale-out.md, whose command blocks the recipe tests run as they are written. */
export const SCALE_OUT_DOC = new URL('../../../../docs/scale-out.md', import.meta.url);

export interface Recipe {
  name: string;
  /** The file name the recipe is saved as (`shards.sbatch`), when the marker gives one. */
  file: string | undefined;
  language: string;
  text: string;
}

/** Every code block preceded by `<!-- recipe: NAME [FILE] -->`, by name. */
export function readRecipes(): Map<string, Recipe> {
  const markdown = readFileSync(SCALE_OUT_DOC, 'utf8');
  const recipes = new Map<string, Recipe>();
  for (const match of markdown.matchAll(/<!-- recipe: ([\w-]+)(?: ([\w.-]+))? -->\n```(\w+)\n([\s\S]*?)\n```/g)) {
    recipes.set(match[1]!, { name: match[1]!, file: match[2], language: match[3]!, text: `${match[4]!}\n` });
  }
  return recipes;
}

/** A recipe by name; throws naming the known ones when it is missing (the doc was edited). */
export function recipe(recipes: Map<string, Recipe>, name: string): Recipe {
  const found = recipes.get(name);
  if (found === undefined) throw new Error(`docs/scale-out.md has no recipe ${name}; it has ${[...recipes.keys()].join(', ')}`);
  return found;
}

/**
 * The shell script of a Kubernetes Job's container: the block scalar after `- |` under `args:`
 * (the container's command being ["bash", "-c"]), dedented.
 */
export function containerScript(yaml: string): string {
  const lines = yaml.split('\n');
  const start = lines.findIndex((line) => /^\s*- \|\s*$/.test(line));
  if (start < 0) throw new Error('no `- |` block scalar in the Job');
  const indent = (lines[start + 1] ?? '').length - (lines[start + 1] ?? '').trimStart().length;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && line.length - line.trimStart().length < indent) break;
    body.push(line.slice(indent));
  }
  return `${body.join('\n').trimEnd()}\n`;
}

/** The value of the first `key: value` line of a YAML text (no nesting considered). */
export function yamlValue(yaml: string, key: string): string {
  const match = new RegExp(`^\\s*${key}: *(.+)$`, 'm').exec(yaml);
  if (match === null) throw new Error(`no ${key}: in the YAML`);
  return match[1]!.trim();
}
