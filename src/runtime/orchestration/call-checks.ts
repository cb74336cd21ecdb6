import { scheduledTimeMs } from '../scheduled-time';
import { InvalidOptionsError, UnknownActivityError } from '../../errors';
import { isValidActivityName, readActivityClass, type ActivityClassDefinition } from '../../registry/activity-definition';
import { DELETE_OPERATION } from '../../registry/entity-definition';
import type { EntityId } from '../../registry/entity-id';
import { Registry } from '../../registry/registry';
import { toEntityId } from './critical-section';

/**
 * Checks the names and options of an orchestration's durable calls against the registry,
 * before a call takes its step: a mistake throws where the code made it and records nothing.
 */
export class CallChecks {
  constructor(
    readonly registry: Registry,
    /** Refuse activity names the registry does not know, or accept any valid name. */
    private readonly requireRegisteredActivities: boolean,
  ) {}

  /** The activities of `cls`: registered, or read from its decorators where unregistered activities are allowed. */
  activityClass(cls: Function): ActivityClassDefinition {
    if (this.requireRegisteredActivities) return this.registry.activitiesOf(cls);
    try {
      return this.registry.activitiesOf(cls);
    } catch {
      return readActivityClass(cls);
    }
  }

  activityName(name: string): void {
    const known = typeof name === 'string' && isValidActivityName(name) && (!this.requireRegisteredActivities || this.registry.hasActivity(name));
    if (!known)
      throw new UnknownActivityError(
        String(name),
        this.registry.activities.map((a) => a.name),
      );
  }

  /** A validated copy of the target of an entity call or signal. */
  entityCall(id: EntityId, operation: string): EntityId {
    const target = toEntityId(id);
    if (typeof operation !== 'string' || operation.length === 0) {
      throw new InvalidOptionsError(`An entity operation name must be a non-empty string, got ${String(operation)}.`);
    }
    // Entities hosted elsewhere are checked where they run; known ones are checked here.
    if (this.registry.hasEntity(target.name) && operation !== DELETE_OPERATION) {
      Registry.operationOf(this.registry.entityNamed(target.name), operation);
    }
    return target;
  }

  /** Epoch milliseconds of a signal's optional scheduled time. */
  scheduledTime(time: Date | undefined): number | undefined {
    return scheduledTimeMs(time);
  }
}
