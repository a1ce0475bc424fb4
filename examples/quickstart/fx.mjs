import { openDataset, verifyDataset } from '@tessera/core';
import { readdirSync } from 'node:fs';
for (const f of readdirSync('/tmp/fx').filter(f => f.endsWith('.beton'))) {
  try {
    const ds = openDataset('/tmp/fx/' + f);
    const s0 = {};
    for (const field of ds.fields) s0[field.name] = ds.toJSON(Math.min(1, ds.numSamples-1), field.name);
    console.log(f, ds.numSamples, ds.layout.numPages, JSON.stringify(s0, (k, v) => typeof v === 'bigint' ? v.toString() : v).slice(0, 300));
    ds.close();
    const r = verifyDataset('/tmp/fx/' + f); console.log('  verify', r.ok, r.checksums, r.problems, r.notes);
  } catch (e) { console.log(f, 'ERROR', e.code, e.message); }
}
