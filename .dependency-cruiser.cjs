// The architecture's import rules (docs/architecture.md, "Layers"), checked by
// `npm run check:deps` as part of `npm test`. Each rule's comment is what a violation means.

/** The layers in the order of the table in docs/architecture.md: a layer may import the ones listed before it, never the ones after. */
const LAYERS = [
  ['decorators', '^decorators/'],
  ['errors', '^src/(errors|logging)\\.ts$'],
  ['registry', '^src/registry/'],
  ['runtime', '^src/(runtime|telemetry)/'],
  ['engine', '^src/engine/'],
  ['rx', '^src/rx/'],
  ['client', '^src/client/'],
  ['app', '^src/(app|testing)/'],
  ['aggregators', '^src/aggregators/'],
  ['dashboard', '^src/dashboard/'],
  ['http', '^src/http/'],
  ['nestjs', '^src/nestjs/'],
  ['cli', '^src/cli/'],
];

const upward = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `layer-${name}`,
  comment: `${name} must not import ${LAYERS.slice(i + 1).map(([later]) => later).join(', ')}, which build on it (docs/architecture.md, "Layers"). Move the shared piece into ${name} or a layer before it, or pass it in.`,
  severity: 'error',
  from: { path },
  to: { path: LAYERS.slice(i + 1).map(([, later]) => later).join('|') },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'Import cycles (type-only imports included) tie modules together: move the shared piece into a module both can import.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: 'engines-apart',
      comment: 'The embedded and NATS engines are siblings: neither imports the other. Shared pieces live in src/engine/.',
      severity: 'error',
      from: { path: '^src/engine/(embedded|nats)/' },
      to: { path: '^src/engine/(embedded|nats)/', pathNot: '^src/engine/$1/' },
    },
    {
      name: 'nats-client-in-nats-engine-only',
      comment: 'Only src/engine/nats talks to NATS (the @nats-io/* packages): reach it through the Engine contract.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/engine/nats/' },
      to: { path: '(^|/)node_modules/@nats-io/' },
    },
    {
      name: 'leveldb-in-level-store-only',
      comment: 'Only src/engine/level-store.ts imports LevelDB: use LevelStore.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/engine/level-store\\.ts$' },
      to: { path: '(^|/)node_modules/(level|classic-level|abstract-level)/' },
    },
    {
      name: 'surfaces-use-the-client',
      comment: 'The surfaces (HTTP API, dashboard, NestJS module, CLI) reach the engines through the client and the app, never engine internals.',
      severity: 'error',
      from: { path: '^src/(http|dashboard|nestjs|cli)/' },
      to: { path: '^src/engine/' },
    },
    {
      name: 'nestjs-on-app-and-client',
      comment: 'The NestJS module is built on the app and the client only (not the runtime, registry or engines).',
      severity: 'error',
      from: { path: '^src/nestjs/' },
      to: { path: '^src/(registry|runtime|engine|rx)/' },
    },
    {
      name: 'optional-peers-behind-subpaths',
      comment: "Optional peers load only behind their subpath export, so `import 'jetstate'` works without them: Nest only in src/nestjs.",
      severity: 'error',
      from: { path: '^(src|decorators)/', pathNot: '^src/nestjs/' },
      to: { path: '(^|/)node_modules/@nestjs/' },
    },
    {
      name: 'opentelemetry-in-telemetry-only',
      comment: 'Only src/telemetry touches @opentelemetry/* (an optional peer it loads lazily); everything else calls the telemetry seam.',
      severity: 'error',
      from: { path: '^(src|decorators)/', pathNot: '^src/telemetry/' },
      to: { path: '(^|/)node_modules/@opentelemetry/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: require('node:path').join(__dirname, 'tsconfig.json') },
    parser: 'swc',
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
