import type { Command } from 'commander';
import { parseEntityRef, parseEntityTarget, parseJsonArgument, parsePositiveInteger, parseTime } from '../arguments';
import type { EntityChangeEvent } from '../backend';
import { interruption, type RunCommand } from '../cli-context';
import { ExitCode, notFoundError, usageError } from '../cli-errors';
import { showJson, showValue } from '../output';

const DEFAULT_LIST_LIMIT = 1000;

/** `signal`, `call`, `read`, `list`, `watch`, `delete`. */
export function registerEntityCommands(program: Command, run: RunCommand): void {
  program
    .command('signal')
    .description('Send an operation to an entity one way; returns once it is durably stored (not when applied)')
    .argument('<entity>', 'the entity, as <Name>/<key>')
    .argument('<operation>', 'the operation')
    .argument('[input]', 'the input, as JSON')
    .addHelpText('after', examples('jetstate signal Counter/visits add 5', 'jetstate signal Cart/alice addItem \'{"sku": "A-1", "qty": 2}\''))
    .action((entity: string, operation: string, input: string | undefined, _options: unknown, command: Command) =>
      run(command, async (ctx) => {
        const id = parseEntityRef(entity);
        const value = parseJsonArgument(input, 'input');
        await (await ctx.connect()).signal(id, operation, value);
        ctx.out.result({ signaled: true, entityId: id, operation }, () => `signaled ${id.name}/${id.key} ${operation}`);
      }),
    );

  program
    .command('call')
    .description('Call an operation of an entity and print its result once it is committed')
    .argument('<entity>', 'the entity, as <Name>/<key>')
    .argument('<operation>', 'the operation')
    .argument('[input]', 'the input, as JSON')
    .addHelpText('after', examples('jetstate call Counter/visits get', 'jetstate call Counter/visits add 5 --json'))
    .action((entity: string, operation: string, input: string | undefined, _options: unknown, command: Command) =>
      run(command, async (ctx) => {
        const id = parseEntityRef(entity);
        const value = parseJsonArgument(input, 'input');
        const result = await (await ctx.connect()).call(id, operation, value);
        ctx.out.result({ result: result ?? null }, () => (result === undefined || result === null ? ctx.out.style.dim('(no result)') : showJson(result)));
      }),
    );

  program
    .command('read')
    .description("Print an entity's committed state (exit 1 when it has none)")
    .argument('<entity>', 'the entity, as <Name>/<key>')
    .addHelpText('after', examples('jetstate read Counter/visits', 'jetstate read Counter/visits --json | jq .state.value'))
    .action((entity: string, _options: unknown, command: Command) =>
      run(command, async (ctx) => {
        const id = parseEntityRef(entity);
        const found = await (await ctx.connect()).read(id);
        if (!found)
          throw notFoundError(
            `${id.name}/${id.key} has no state: it was never operated on, or it was deleted. List the entities with: jetstate list ${id.name}`,
          );
        ctx.out.result({ entityId: id, state: found.state ?? null }, () => showJson(found.state));
      }),
    );

  program
    .command('list')
    .description('List the entities that have state, of one name or all')
    .argument('[name]', 'only entities of this name')
    .option('--state', 'show each state too')
    .option('--since <time>', 'only those operated on since then: an ISO 8601 date or an age (30s, 15m, 2h, 7d)')
    .option('--limit <n>', `most entities to show (default ${DEFAULT_LIST_LIMIT})`)
    .addHelpText('after', examples('jetstate list Counter', 'jetstate list Counter --state --since 1h', 'jetstate list --json'))
    .action((name: string | undefined, options: { state?: boolean; since?: string; limit?: string }, command: Command) =>
      run(command, async (ctx) => {
        const query = {
          ...(name === undefined ? {} : { name }),
          fetchState: options.state === true,
          ...(options.since === undefined ? {} : { lastOperationFrom: parseTime(options.since, '--since') }),
          limit: options.limit === undefined ? DEFAULT_LIST_LIMIT : parsePositiveInteger(options.limit, '--limit'),
        };
        const rows = await (await ctx.connect()).listEntities(query);
        ctx.out.result(rows, () => {
          if (rows.length === 0) return ctx.out.style.dim(name === undefined ? '(no entities)' : `(no ${name} entities)`);
          // Lock columns only when some entity is held by a critical section.
          const locks = rows.some((row) => row.lockedBy !== undefined);
          const headers = ['ENTITY', 'KEY', 'LAST OPERATION', ...(locks ? ['LOCKED BY', 'QUEUED'] : []), ...(query.fetchState ? ['STATE'] : [])];
          return ctx.out.table(
            headers,
            rows.map((row) => [
              row.entityId.name,
              row.entityId.key,
              row.lastOperationTime,
              ...(locks ? [row.lockedBy ?? '', String(row.backlogQueueSize)] : []),
              ...(query.fetchState ? [showValue(row.state)] : []),
            ]),
          );
        });
      }),
    );

  program
    .command('watch')
    .description('Print the committed state of an entity (or of every entity of a name) and each change, until Ctrl-C')
    .argument('<target>', 'one entity, <Name>/<key>, or a name (every key; needs --nats)')
    .addHelpText(
      'after',
      examples(
        'jetstate watch Counter/visits',
        'jetstate watch Counter --nats nats://127.0.0.1:4222 --hub shop',
        'jetstate watch Counter/visits --json   # one JSON line per change',
      ),
    )
    .action((target: string, _options: unknown, command: Command) =>
      run(command, async (ctx) => {
        const parsed = parseEntityTarget(target);
        const backend = await ctx.connect();
        if (parsed.key === undefined && backend.mode === 'http') {
          throw usageError(
            `The HTTP API streams one entity at a time: watch ${parsed.name}/<key>, or connect with --nats and --hub to watch every ${parsed.name}.`,
          );
        }
        const stop = interruption();
        const print = (change: EntityChangeEvent): void => {
          if (ctx.out.json) return ctx.out.jsonLine({ time: new Date().toISOString(), ...change });
          const who = ctx.out.style.bold(`${change.entityId.name}/${change.entityId.key}`);
          ctx.out.line(`${ctx.out.style.dim(new Date().toISOString())} ${who} ${change.exists ? showValue(change.state) : ctx.out.style.red('deleted')}`);
        };
        ctx.out.note(`watching ${target} on ${backend.target}; Ctrl-C to stop`);
        try {
          if (parsed.key === undefined) await backend.watchEntities(parsed.name, print, stop);
          else await backend.watchEntity({ name: parsed.name, key: parsed.key }, print, stop);
        } finally {
          stop.dispose();
        }
        return stop.signal.aborted ? ExitCode.Ok : ExitCode.Failed;
      }),
    );

  program
    .command('delete')
    .description("Delete an entity's state (the built-in delete operation, signaled)")
    .argument('<entity>', 'the entity, as <Name>/<key>')
    .addHelpText('after', examples('jetstate delete Counter/visits'))
    .action((entity: string, _options: unknown, command: Command) =>
      run(command, async (ctx) => {
        const id = parseEntityRef(entity);
        await (await ctx.connect()).deleteEntity(id);
        ctx.out.result({ deleted: true, entityId: id }, () => `deleted ${id.name}/${id.key}`);
      }),
    );
}

/** The "Examples:" section of a command's help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}
