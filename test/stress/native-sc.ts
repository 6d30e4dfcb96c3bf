/**
 * `npm run stress:native [-- --runs N --seed S --protocol P --shape K]`: the native half of
 * the SC property suite (test/conformance/sc-property.ts), repeated for N generated programs
 * (default 600) in rounds of 30, each round with the next seed, the next SC protocol and the
 * next shape (unless --protocol or --shape fixes them), on a cluster of its own. Prints the
 * base seed first; a failure prints the history and the command that replays that round
 * alone. Exits 1 on a failure.
 */
import { Cluster } from '../../index.js';
import { checkScRuns, scProtocols, scShapes } from '../conformance/sc-property.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runsWanted = Number(option('--runs') ?? process.env['TSDSM_STRESS_RUNS'] ?? 600);
const baseSeed = Number(option('--seed') ?? process.env['TSDSM_SEED'] ?? Date.now() % 1_000_000);
const fixedProtocol = option('--protocol');
const fixedShape = option('--shape');
const perRound = 30;
const pageSize = 4096;
const badProtocol = fixedProtocol !== undefined && !(scProtocols as readonly string[]).includes(fixedProtocol);
const badShape = fixedShape !== undefined && !(Number(fixedShape) >= 0 && Number(fixedShape) < scShapes.length);
if (!Number.isInteger(runsWanted) || runsWanted <= 0 || !Number.isInteger(baseSeed) || badProtocol || badShape) {
  console.error(
    `usage: stress:native [--runs N] [--seed S] [--protocol ${scProtocols.join('|')}] [--shape 0..${scShapes.length - 1}]; ` +
      `got runs ${option('--runs')}, seed ${option('--seed')}, protocol ${fixedProtocol}, shape ${fixedShape}`,
  );
  process.exit(2);
}

const fixed = `${fixedProtocol ? ` --protocol ${fixedProtocol}` : ''}${fixedShape ? ` --shape ${fixedShape}` : ''}`;
console.log(`stress:native: ${runsWanted} runs, base seed ${baseSeed} (replay: npm run stress:native -- --runs ${runsWanted} --seed ${baseSeed}${fixed})`);
const started = performance.now();
let done = 0;
let reads = 0;
for (let round = 0; done < runsWanted; round++) {
  const seed = baseSeed + round;
  const protocol = fixedProtocol ?? scProtocols[round % scProtocols.length]!;
  const shapeIndex = fixedShape !== undefined ? Number(fixedShape) : Math.floor(round / scProtocols.length) % scShapes.length;
  const { cpus, pages, shape } = scShapes[shapeIndex]!;
  const runs = Math.min(perRound, runsWanted - done);
  const config = { cpus, pages, pageSize };
  const cluster = await Cluster.start({ ...config, timeoutMs: 30000, backend: 'native', protocol });
  try {
    const r = await checkScRuns(cluster, config, shape, seed, runs, `native/${protocol}`);
    done += r.runs;
    reads += r.reads;
  } catch (err) {
    console.error(String((err as Error).message));
    console.error(`FAILED after ${done} runs passed in a row: round ${round}, ${protocol}, ${cpus} CPUs, ${pages} pages, seed ${seed}`);
    console.error(`replay this round: npm run stress:native -- --runs ${runs} --seed ${seed} --protocol ${protocol} --shape ${shapeIndex}`);
    await cluster.close();
    process.exit(1);
  }
  await cluster.close();
  if (round % 5 === 4) console.log(`  ${done} runs passed (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
const seconds = (performance.now() - started) / 1000;
console.log(`${done} runs passed in a row, 0 failed, ${reads} reads checked, in ${seconds.toFixed(1)} s (base seed ${baseSeed})`);
