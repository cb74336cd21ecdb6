import type { Command } from 'commander';
import type { StatusPayload } from '../../http/status-payload';
import { parseJsonArgument, parsePositiveInteger, parseSeconds, parseStatuses, parseTime } from '../arguments';
import type { Backend } from '../backend';
import { type CliContext, interruption, type RunCommand } from '../cli-context';
import { CliError, CliErrorCode, ExitCode, instanceNotFound, usageError } from '../cli-errors';
import { showJson, showValue } from '../output';
import { statusColour } from '../terminal-style';
import { examples } from './entity-commands';

const DEFAULT_LIST_LIMIT = 1000;
const ENDED = ['Completed', 'Failed', 'Terminated'];

/** `start`, `status`, `instances`, `raise`, `terminate`, `suspend`, `resume`, `purge`, `wait`, `restart`, `rewind`. */
export function registerInstanceCommands(program: Command, run: RunCommand): void {
  program
    .command('start')
    .description('Start an orchestration instance')
    .argument('<orchestrator>', 'the orchestrator name')
    .argument('[input]', 'its input, as JSON')
    .option('--id <instanceId>', 'the instance id (default: a random UUID)')
    .option('--wait', 'wait until it ends and print its final status')
    .option('--timeout <seconds>', 'with --wait: give up after this long')
    .addHelpText('after', examples('jetstate start ProcessOrder \'{"orderId": 42}\' --id order-42', 'jetstate start Nightly --wait --timeout 600'))
    .action((orchestrator: string, input: string | undefined, options: { id?: string; wait?: boolean; timeout?: string }, command: Command) =>
      run(command, async (ctx) => {
        const value = parseJsonArgument(input, 'input');
        const timeoutMs = options.timeout === undefined ? undefined : parseSeconds(options.timeout, '--timeout');
        const backend = await ctx.connect();
        const instanceId = await backend.startNew(orchestrator, value, options.id);
        if (!options.wait) {
          ctx.out.result({ instanceId }, () => `started ${orchestrator} as ${ctx.out.style.bold(instanceId)}`);
          return;
        }
        ctx.out.note(`started ${orchestrator} as ${instanceId}`);
        return waitForInstance(ctx, backend, instanceId, timeoutMs);
      }),
    );

  program
    .command('status')
    .description('Print the status of an instance (exit 1 for an unknown id)')
    .argument('<instanceId>', 'the instance id')
    .option('--history', "include the current execution's history")
    .addHelpText('after', examples('jetstate status order-42', 'jetstate status order-42 --history', 'jetstate status order-42 --json | jq .runtimeStatus'))
    .action((instanceId: string, options: { history?: boolean }, command: Command) =>
      run(command, async (ctx) => {
        const status = await (await ctx.connect()).getStatus(instanceId, options.history === true);
        if (!status) throw instanceNotFound(instanceId);
        ctx.out.result(status, () => describeStatus(ctx, status));
      }),
    );

  program
    .command('instances')
    .description('List orchestration instances')
    .option('--status <statuses>', 'only these statuses (a comma list: Running,Failed)')
    .option('--prefix <prefix>', 'only ids starting with this')
    .option('--limit <n>', `most instances to show (default ${DEFAULT_LIST_LIMIT})`)
    .addHelpText(
      'after',
      examples('jetstate instances', 'jetstate instances --status Failed,Terminated --prefix order-', 'jetstate instances --status Running --json'),
    )
    .action((options: { status?: string; prefix?: string; limit?: string }, command: Command) =>
      run(command, async (ctx) => {
        const statuses = await (
          await ctx.connect()
        ).listInstances({
          ...(options.status === undefined ? {} : { runtimeStatus: parseStatuses(options.status) }),
          ...(options.prefix === undefined ? {} : { instanceIdPrefix: options.prefix }),
          limit: options.limit === undefined ? DEFAULT_LIST_LIMIT : parsePositiveInteger(options.limit, '--limit'),
        });
        ctx.out.result(statuses, () =>
          statuses.length === 0
            ? ctx.out.style.dim('(no instances)')
            : ctx.out.table(
                ['INSTANCE', 'ORCHESTRATOR', 'STATUS', 'CREATED', 'UPDATED', 'CUSTOM STATUS'],
                statuses.map((s) => [
                  s.instanceId,
                  s.name,
                  statusColour(ctx.out.style, s.runtimeStatus),
                  s.createdTime,
                  s.lastUpdatedTime,
                  showValue(s.customStatus ?? undefined),
                ]),
              ),
        );
      }),
    );

  program
    .command('raise')
    .description('Raise an external event on a running instance')
    .argument('<instanceId>', 'the instance id')
    .argument('<event>', 'the event name')
    .argument('[data]', 'the event data, as JSON')
    .addHelpText('after', examples('jetstate raise order-42 Approved', 'jetstate raise order-42 Approval \'{"by": "ann"}\''))
    .action((instanceId: string, event: string, data: string | undefined, _options: unknown, command: Command) =>
      run(command, async (ctx) => {
        const value = parseJsonArgument(data, 'event data');
        await (await ctx.connect()).raiseEvent(instanceId, event, value);
        ctx.out.result({ instanceId, raised: event }, () => `raised ${event} on ${instanceId}`);
      }),
    );

  for (const action of ['terminate', 'suspend', 'resume', 'rewind'] as const) {
    const what = {
      terminate: 'End a running instance now, with the reason as its output',
      suspend: 'Pause a running instance (its events are kept and delivered on resume)',
      resume: 'Resume a suspended instance',
      rewind: 'Retry a Failed instance from where it failed (the work before the failure is kept)',
    }[action];
    program
      .command(action)
      .description(what)
      .argument('<instanceId>', 'the instance id')
      .option('--reason <text>', 'why (kept in its history)')
      .addHelpText('after', examples(`jetstate ${action} order-42 --reason "${action === 'rewind' ? 'fixed the payment service' : 'asked by support'}"`))
      .action((instanceId: string, options: { reason?: string }, command: Command) =>
        run(command, async (ctx) => {
          await (await ctx.connect())[action](instanceId, options.reason);
          const done = { terminate: 'terminated', suspend: 'suspended', resume: 'resumed', rewind: 'rewound' }[action];
          ctx.out.result({ instanceId, action }, () => `${done} ${instanceId}`);
        }),
      );
  }

  program
    .command('restart')
    .description('Run an ended instance again from the start, with the input of its last execution')
    .argument('<instanceId>', 'the instance id')
    .option('--new-id', 'run it under a new random id (default: the same id, replacing its history)')
    .addHelpText('after', examples('jetstate restart order-42', 'jetstate restart order-42 --new-id --json'))
    .action((instanceId: string, options: { newId?: boolean }, command: Command) =>
      run(command, async (ctx) => {
        const id = await (await ctx.connect()).restart(instanceId, options.newId === true);
        ctx.out.result({ instanceId: id }, () => `restarted ${instanceId}${id === instanceId ? '' : ` as ${ctx.out.style.bold(id)}`}`);
      }),
    );

  program
    .command('purge')
    .description('Delete ended instances and their history: one by id, or all that match --status / --before')
    .argument('[instanceId]', 'the instance id')
    .option('--status <statuses>', 'only these ended statuses (a comma list of Completed, Failed, Terminated)')
    .option('--before <time>', 'only those created before then: an ISO 8601 date or an age (7d: a week ago)')
    .addHelpText('after', examples('jetstate purge order-42', 'jetstate purge --status Completed --before 30d', 'jetstate purge --status Failed,Terminated'))
    .action((instanceId: string | undefined, options: { status?: string; before?: string }, command: Command) =>
      run(command, async (ctx) => {
        const byFilter = options.status !== undefined || options.before !== undefined;
        if (instanceId !== undefined && byFilter)
          throw usageError('Purge either one instance (purge <id>) or by filter (purge --status ... --before ...), not both.');
        if (instanceId === undefined && !byFilter)
          throw usageError('Say what to purge: an instance id, or --status and/or --before (e.g. purge --status Completed --before 30d).');
        if (instanceId !== undefined) {
          const deleted = await (await ctx.connect()).purgeInstance(instanceId);
          if (deleted === 0) throw instanceNotFound(instanceId);
          ctx.out.result({ instancesDeleted: deleted }, () => `purged ${instanceId}`);
          return;
        }
        const filter = {
          ...(options.status === undefined ? {} : { runtimeStatus: parseStatuses(options.status, ENDED) }),
          ...(options.before === undefined ? {} : { createdBefore: parseTime(options.before, '--before') }),
        };
        const backend = await ctx.connect();
        const started = Date.now();
        const spinner = ctx.out.spinner('purging ended instances...');
        const ticker = setInterval(() => spinner.update(`purging ended instances... ${Math.round((Date.now() - started) / 1000)} s`), 1000);
        let deleted: number;
        try {
          deleted = await backend.purgeInstances(filter);
        } finally {
          clearInterval(ticker);
          spinner.stop();
        }
        ctx.out.result({ instancesDeleted: deleted }, () => `purged ${deleted} instance${deleted === 1 ? '' : 's'}`);
      }),
    );

  program
    .command('wait')
    .description('Wait until an instance ends, showing its live status and custom status; exit 0 if it completed, 1 otherwise')
    .argument('<instanceId>', 'the instance id')
    .option('--timeout <seconds>', 'give up after this long (exit 1)')
    .addHelpText('after', examples('jetstate wait order-42', 'jetstate wait order-42 --timeout 60 --json'))
    .action((instanceId: string, options: { timeout?: string }, command: Command) =>
      run(command, async (ctx) => {
        const timeoutMs = options.timeout === undefined ? undefined : parseSeconds(options.timeout, '--timeout');
        return waitForInstance(ctx, await ctx.connect(), instanceId, timeoutMs);
      }),
    );
}

/** Follows the status with a spinner until the instance ends; prints the final status. */
async function waitForInstance(ctx: CliContext, backend: Backend, instanceId: string, timeoutMs: number | undefined): Promise<ExitCode> {
  const spinner = ctx.out.spinner(`waiting for ${instanceId}`);
  const stop = interruption();
  let timedOut = false;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          stop.abort();
        }, timeoutMs);
  let final: StatusPayload | undefined;
  try {
    final = await backend.watchStatus(
      instanceId,
      (status) =>
        spinner.update(
          `${instanceId} ${status.runtimeStatus}${status.customStatus === null || status.customStatus === undefined ? '' : `  custom status: ${showValue(status.customStatus)}`}`,
        ),
      { signal: stop.signal },
    );
  } finally {
    if (timer) clearTimeout(timer);
    spinner.stop();
    stop.dispose();
  }
  if (!final) {
    throw new CliError(
      timedOut
        ? `${instanceId} did not end within ${(timeoutMs ?? 0) / 1000} s; it goes on running. Wait again with: jetstate wait ${instanceId}`
        : `Stopped waiting for ${instanceId}; it goes on running.`,
      ExitCode.Failed,
      timedOut ? 'JETSTATE_TIMEOUT' : CliErrorCode.NotCompleted,
    );
  }
  const completed = final.runtimeStatus === 'Completed';
  ctx.out.result(final, () => describeStatus(ctx, final));
  return completed ? ExitCode.Ok : ExitCode.Failed;
}

/** A status for people: a few aligned fields, then history events one per line. */
function describeStatus(ctx: CliContext, status: StatusPayload): string {
  const style = ctx.out.style;
  const fields: [string, string][] = [
    ['instance', style.bold(status.instanceId)],
    ['orchestrator', status.name],
    ['status', statusColour(style, status.runtimeStatus)],
    ['created', status.createdTime],
    ['updated', status.lastUpdatedTime],
  ];
  if (status.input !== null && status.input !== undefined) fields.push(['input', showValue(status.input)]);
  if (status.customStatus !== null && status.customStatus !== undefined) fields.push(['custom status', showValue(status.customStatus)]);
  if (status.output !== null && status.output !== undefined)
    fields.push([status.runtimeStatus === 'Failed' ? 'error' : status.runtimeStatus === 'Terminated' ? 'reason' : 'output', showValue(status.output)]);
  const width = Math.max(...fields.map(([name]) => name.length));
  const lines = fields.map(([name, value]) => `${style.dim(name.padEnd(width))}  ${value}`);
  if (status.historyEvents) {
    lines.push('', style.bold(`history (${status.historyEvents.length} events)`));
    for (const event of status.historyEvents) lines.push(`  ${showJson(event).replace(/\s*\n\s*/g, ' ')}`);
  }
  return lines.join('\n');
}
