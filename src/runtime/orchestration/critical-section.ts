import { CriticalSectionError, InvalidOptionsError } from '../../errors';
import { assertValidKey, entityIdToString, isValidEntityName, type EntityId } from '../../registry/entity-id';
import type { LockTarget } from './orchestration-context';

/**
 * The critical-section rules of one orchestration, as the code sees them. At most one lock
 * request is outstanding or held at a time. While locks are held, the code may call only
 * the locked entities, may signal only other entities, and starts no sub-orchestrations.
 * The rules depend only on the order of calls and grants, so replay checks them the same way.
 */
export class CriticalSection {
  private current: { readonly step: number; readonly held: ReadonlySet<string>; granted: boolean } | undefined;

  /** The step of the outstanding or held lock request. */
  get step(): number | undefined {
    return this.current?.step;
  }

  get isLocked(): boolean {
    return this.current?.granted ?? false;
  }

  checkLock(): void {
    if (!this.current) return;
    throw new CriticalSectionError(
      this.current.granted
        ? 'ctx.lock() was called inside a critical section. Critical sections do not nest: lock all the entities you need in one ctx.lock([...]) call.'
        : 'ctx.lock() was called while another lock request of this orchestration is still waiting. Await the first ctx.lock() before starting another.',
    );
  }

  checkCall(id: EntityId): void {
    if (!this.current?.granted || this.current.held.has(entityIdToString(id))) return;
    throw new CriticalSectionError(
      `Entity ${entityIdToString(id)} was called inside a critical section that does not lock it. ` +
        `Inside ctx.lock() call only the locked entities; add ${entityIdToString(id)} to the lock, or call it after the section.`,
    );
  }

  checkSignal(id: EntityId): void {
    if (!this.current?.granted || !this.current.held.has(entityIdToString(id))) return;
    throw new CriticalSectionError(
      `Entity ${entityIdToString(id)} was signaled inside a critical section that locks it. ` +
        `A locked entity takes calls only: use call instead of signal, or signal it after the section.`,
    );
  }

  checkSubOrchestration(): void {
    if (!this.current?.granted) return;
    throw new CriticalSectionError('A sub-orchestration was started inside a critical section. Start it before or after ctx.lock().');
  }

  requested(step: number, entities: readonly EntityId[]): void {
    this.current = { step, held: new Set(entities.map(entityIdToString)), granted: false };
  }

  granted(step: number): void {
    if (this.current?.step === step) this.current.granted = true;
  }

  /** Forgets the request at `step`; false if it was already released. */
  released(step: number): boolean {
    if (this.current?.step !== step) return false;
    this.current = undefined;
    return true;
  }
}

/**
 * The entities of a lock request, validated, without duplicates, sorted by `Name/key` in
 * code-unit order: the fixed order every orchestration acquires locks in, so two sections
 * that lock the same entities can never wait on each other.
 */
export function lockOrder(targets: readonly LockTarget[]): EntityId[] {
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new InvalidOptionsError('ctx.lock() needs a non-empty array of entity ids, e.g. ctx.lock([{ name: "Account", key: "alice" }], ...).');
  }
  const byText = new Map<string, EntityId>();
  for (const target of targets) {
    const id = toEntityId(target);
    byText.set(entityIdToString(id), id);
  }
  return [...byText.keys()].sort(compareCodeUnits).map((text) => byText.get(text)!);
}

/** Validates an entity id given to an orchestration API and returns a plain copy. */
export function toEntityId(target: LockTarget): EntityId {
  const id = target && typeof target === 'object' && 'id' in target ? target.id : target;
  if (!id || typeof id !== 'object' || typeof id.name !== 'string' || !isValidEntityName(id.name)) {
    throw new InvalidOptionsError(`Expected an entity id like { name: 'Account', key: 'alice' }, got ${JSON.stringify(id) ?? String(id)}.`);
  }
  assertValidKey(id.name, id.key);
  return { name: id.name, key: id.key };
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
