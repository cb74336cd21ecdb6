import type { Command } from 'commander';
import type { DeadLetter } from '../../index';
import { parsePositiveInteger } from '../arguments';
import type { RunCommand } from '../cli-context';
import { notFoundError, usageError } from '../cli-errors';
import { showJson } from '../output';
import { examples } from './entity-commands';

const DEFAULT_LIST_LIMIT = 1000;
/** Dead letters listed per page by `replay --all`. */
const REPLAY_PAGE = 1000;

/** `dlq list`, `dlq show`, `dlq replay`, `dlq purge` (NATS hubs only). */
export function registerDeadLetterCommands(program: Command, run: RunCommand): void {
  const dlq = program
    .command('dlq')
    .description("A NATS hub's dead letters: messages a worker could not decode or run (needs --nats)")
    .addHelpText(
      'after',
      examples('jetstate dlq list --nats nats://127.0.0.1:4222 --hub shop', 'jetstate dlq show 7', 'jetstate dlq replay --all --subject shop.w.'),
    );

  dlq
    .command('list')
    .description('List dead letters in the order they were set aside')
    .option('--subject <prefix>', 'only those headed to subjects starting with this')
    .option('--limit <n>', `most to show (default ${DEFAULT_LIST_LIMIT})`)
    .addHelpText('after', examples('jetstate dlq list', 'jetstate dlq list --subject shop.act. --json'))
    .action((options: { subject?: string; limit?: string }, command: Command) =>
      run(command, async (ctx) => {
        const limit = options.limit === undefined ? DEFAULT_LIST_LIMIT : parsePositiveInteger(options.limit, '--limit');
        const letters = await (await ctx.connect()).deadLetters().list(options.subject, limit, 0);
        ctx.out.result(letters.map(plain), () =>
          letters.length === 0
            ? ctx.out.style.dim('(no dead letters)')
            : ctx.out.table(
                ['SEQ', 'TIME', 'SUBJECT', 'REASON'],
                letters.map((letter) => [String(letter.seq), letter.time.toISOString(), letter.originalSubject, letter.reason]),
              ),
        );
      }),
    );

  dlq
    .command('show')
    .description('Show one dead letter with its body')
    .argument('<seq>', 'its sequence number (from dlq list)')
    .addHelpText('after', examples('jetstate dlq show 7', 'jetstate dlq show 7 --json | jq -r .body'))
    .action((seq: string, _options: unknown, command: Command) =>
      run(command, async (ctx) => {
        const letter = await (await ctx.connect()).deadLetters().get(parsePositiveInteger(seq, 'The sequence number'));
        if (!letter) throw notFoundError(`No dead letter ${seq}: it was replayed or purged, or never existed. List them with: jetstate dlq list`);
        ctx.out.result(plain(letter), () => {
          const style = ctx.out.style;
          const rows: [string, string][] = [
            ['seq', String(letter.seq)],
            ['time', letter.time.toISOString()],
            ['subject', letter.originalSubject],
            ['reason', letter.reason],
            ['kind', letter.activity ? 'activity task' : 'entity or orchestration message'],
            ...(letter.originalSeq === undefined ? [] : [['stream seq', String(letter.originalSeq)] as [string, string]]),
          ];
          return [...rows.map(([name, value]) => `${style.dim(name.padEnd(10))}  ${value}`), '', style.bold('body'), prettyBody(letter.body)].join('\n');
        });
      }),
    );

  dlq
    .command('replay')
    .description('Publish dead letters again to their original subjects (once a worker can run them), then remove them')
    .argument('[seq]', 'one dead letter')
    .option('--all', 'every dead letter (or those of --subject)')
    .option('--subject <prefix>', 'with --all: only those headed to subjects starting with this')
    .addHelpText('after', examples('jetstate dlq replay 7', 'jetstate dlq replay --all', 'jetstate dlq replay --all --subject shop.act.'))
    .action((seq: string | undefined, options: { all?: boolean; subject?: string }, command: Command) =>
      run(command, async (ctx) => {
        if ((seq === undefined) === (options.all !== true))
          throw usageError('Replay one dead letter (dlq replay <seq>) or all of them (dlq replay --all), one or the other.');
        if (seq !== undefined && options.subject !== undefined) throw usageError('--subject goes with --all: dlq replay --all --subject <prefix>.');
        const letters = (await ctx.connect()).deadLetters();
        if (seq !== undefined) {
          const replayed = await letters.replay(parsePositiveInteger(seq, 'The sequence number'));
          if (replayed === 0) throw notFoundError(`No dead letter ${seq}: it was replayed or purged, or never existed. List them with: jetstate dlq list`);
          ctx.out.result({ replayed }, () => `replayed dead letter ${seq}`);
          return;
        }
        const spinner = ctx.out.spinner('listing dead letters...');
        let replayed = 0;
        try {
          // The letters there now, listed before any is replayed: one that a worker still cannot
          // run comes back later with a new seq, and is not replayed twice in one go.
          const seqs: number[] = [];
          for (
            let page = await letters.list(options.subject, REPLAY_PAGE, 0);
            page.length > 0;
            page = await letters.list(options.subject, REPLAY_PAGE, seqs[seqs.length - 1]!)
          ) {
            seqs.push(...page.map((letter) => letter.seq));
            spinner.update(`listing dead letters... ${seqs.length}`);
          }
          for (const seq of seqs) {
            replayed += await letters.replay(seq);
            spinner.update(`replaying dead letters... ${replayed}/${seqs.length}`);
          }
        } finally {
          spinner.stop();
        }
        ctx.out.result({ replayed }, () => `replayed ${replayed} dead letter${replayed === 1 ? '' : 's'}`);
      }),
    );

  dlq
    .command('purge')
    .description('Remove every dead letter (or those of --subject) without replaying them')
    .option('--subject <prefix>', 'only those headed to subjects starting with this')
    .addHelpText('after', examples('jetstate dlq purge', 'jetstate dlq purge --subject shop.act.'))
    .action((options: { subject?: string }, command: Command) =>
      run(command, async (ctx) => {
        const purged = await (await ctx.connect()).deadLetters().purge(options.subject);
        ctx.out.result({ purged }, () => `purged ${purged} dead letter${purged === 1 ? '' : 's'}`);
      }),
    );
}

function plain(letter: DeadLetter): Record<string, unknown> {
  return { ...letter, time: letter.time.toISOString() };
}

function prettyBody(body: string): string {
  try {
    return showJson(JSON.parse(body));
  } catch {
    return body;
  }
}
