// read-tap.mjs - parse a TAP stream on stdin with tap-parser (the
// reference parser of TAP 14) and print what it read as JSON: the version,
// the plan, every test point, every parse failure.
import { Parser } from 'tap-parser';

const points = [];
const p = new Parser({ strict: true }, (final) => {
  process.stdout.write(JSON.stringify({
    ok: final.ok,
    count: final.count,
    pass: final.pass,
    fail: final.fail,
    skip: final.skip,
    plan: final.plan,
    failures: final.failures.filter((f) => f.tapError).map((f) => f.tapError),
    points,
  }) + '\n');
});
p.on('version', (v) => points.push({ version: v }));
p.on('assert', (a) => points.push({ id: a.id, ok: a.ok, name: a.name, skip: a.skip, diag: a.diag }));
process.stdin.pipe(p);
