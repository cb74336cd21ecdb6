// The public API report: api/<entry>.api.md lists every export of the package's three
// entry points (jetstate, jetstate/nestjs, jetstate/aggregators) with its signature, read
// from the built declarations in dist/. `--check` (what the tests run) fails when the
// declarations no longer match the checked-in report; without it the report is rewritten.
// `--reports <dir>` compares with the reports in another folder, `--entry <name>` checks one entry. Run `npm run build` first.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompilerState, Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ALL_ENTRIES = ['jetstate', 'jetstate-nestjs', 'jetstate-aggregators'];
const entryAt = process.argv.indexOf('--entry');
const ENTRIES = entryAt > 0 ? ALL_ENTRIES.filter((name) => name === process.argv[entryAt + 1]) : ALL_ENTRIES;
if (ENTRIES.length === 0) {
  console.error(`Unknown --entry: use one of ${ALL_ENTRIES.join(', ')}.`);
  process.exit(2);
}
const check = process.argv.includes('--check');
const reportsAt = process.argv.indexOf('--reports');
const reportFolder = reportsAt > 0 ? process.argv[reportsAt + 1] : undefined;

if (!existsSync(join(root, 'dist/src/index.d.ts'))) {
  console.error('No build in dist/: run `npm run build` first.');
  process.exit(2);
}
const configs = ENTRIES.map((entry) => {
  const configFile = join(root, 'api', `${entry}.api-extractor.json`);
  const configObject = ExtractorConfig.loadFile(configFile);
  if (reportFolder) configObject.apiReport = { ...configObject.apiReport, reportFolder };
  return ExtractorConfig.prepare({ configObject, configObjectFullPath: configFile, packageJsonFullPath: join(root, 'package.json') });
});
// The entries share one base configuration: one TypeScript program analyses all of them,
// instead of one program per entry.
const compilerState = CompilerState.create(configs[0], { additionalEntryPoints: configs.slice(1).map((config) => config.mainEntryPointFilePath) });
const changed = [];
for (const [index, entry] of ENTRIES.entries()) {
  const config = configs[index];
  const result = Extractor.invoke(config, {
    compilerState,
    localBuild: !check,
    showVerboseMessages: false,
    messageCallback: (message) => {
      // Only the report's own verdict matters here; API Extractor's other notes are not errors.
      if (message.logLevel !== 'error') message.handled = true;
    },
  });
  if (result.apiReportChanged) changed.push(entry);
  if (result.errorCount > 0 && !result.apiReportChanged) {
    console.error(`API Extractor failed on ${entry} with ${result.errorCount} error(s).`);
    process.exit(1);
  }
  console.log(`${entry}: ${result.apiReportChanged ? (check ? 'differs from the checked-in report' : 'report updated') : 'report unchanged'}`);
}
if (check && changed.length > 0) {
  console.error(
    `The public API changed (${changed.join(', ')}): compare build/api/<entry>.api.md with api/<entry>.api.md. ` +
      'If the change is intended, run `npm run api:update` and commit the reports with it.',
  );
  process.exit(1);
}
