import { DecoratorMetadata } from '../../decorators';
import { DefinitionError, UnknownActivityError, UnknownOrchestratorError } from '../errors';
import { readActivityClass, type ActivityClassDefinition, type ActivityDefinition } from './activity-definition';
import { describeValue } from './class-reflection';
import { readOrchestrator, type OrchestratorDefinition } from './orchestrator-definition';

/**
 * The orchestrator and activity half of the registry: validated, frozen definitions by
 * name and by class. An open catalog (client-only processes) learns decorated classes
 * when they are first used.
 */
export class OrchestrationCatalog {
  private readonly orchestratorsByName = new Map<string, OrchestratorDefinition>();
  private readonly orchestratorsByClass = new Map<Function, OrchestratorDefinition>();
  private readonly activitiesByName = new Map<string, ActivityDefinition>();
  private readonly activityClasses = new Map<Function, ActivityClassDefinition>();

  constructor(
    orchestrators: readonly Function[],
    activities: readonly Function[],
    private readonly open: boolean,
  ) {
    for (const cls of orchestrators) {
      if (this.orchestratorsByClass.has(cls)) {
        throw new DefinitionError(`${cls.name} is listed twice in orchestrators. List each orchestrator class once.`);
      }
      this.addOrchestrator(readOrchestrator(cls));
    }
    for (const cls of activities) {
      if (this.activityClasses.has(cls)) {
        throw new DefinitionError(`${cls.name} is listed twice in activities. List each activity class once.`);
      }
      this.addActivityClass(readActivityClass(cls));
    }
  }

  get orchestrators(): readonly OrchestratorDefinition[] {
    return [...this.orchestratorsByName.values()];
  }

  get activities(): readonly ActivityDefinition[] {
    return [...this.activitiesByName.values()];
  }

  orchestratorOf(cls: Function): OrchestratorDefinition {
    const definition = this.orchestratorsByClass.get(cls);
    if (definition) return definition;
    if (typeof cls !== 'function') {
      throw new DefinitionError(`Expected an orchestrator class, got ${describeValue(cls)}. Pass the class itself, e.g. startNew(HelloSequence, input).`);
    }
    const decorated = DecoratorMetadata.isOrchestrator(cls);
    if (this.open && decorated) return this.addOrchestrator(readOrchestrator(cls));
    if (!decorated) {
      throw new DefinitionError(
        `${cls.name} is not an orchestrator. Decorate the class with @Orchestrator() and list it in DurableApp.create({ orchestrators: [...] }).`,
      );
    }
    throw new DefinitionError(`Orchestrator class ${cls.name} is not registered with this app. Add it to DurableApp.create({ orchestrators: [...] }).`);
  }

  orchestratorNamed(name: string): OrchestratorDefinition {
    const definition = this.orchestratorsByName.get(name);
    if (definition) return definition;
    throw new UnknownOrchestratorError(name, [...this.orchestratorsByName.keys()]);
  }

  hasOrchestrator(name: string): boolean {
    return this.orchestratorsByName.has(name);
  }

  activitiesOf(cls: Function): ActivityClassDefinition {
    const definition = this.activityClasses.get(cls);
    if (definition) return definition;
    if (typeof cls !== 'function') {
      throw new DefinitionError(`Expected a class of activities, got ${describeValue(cls)}. Pass the class itself, e.g. ctx.activities(Greeter).`);
    }
    const decorated = DecoratorMetadata.declaresActivities(cls) || hasInheritedActivities(cls);
    if (this.open && decorated) return this.addActivityClass(readActivityClass(cls));
    if (!decorated) {
      throw new DefinitionError(
        `${cls.name} has no activities. Mark its methods with @Activity() and list the class in DurableApp.create({ activities: [...] }).`,
      );
    }
    throw new DefinitionError(`Activity class ${cls.name} is not registered with this app. Add it to DurableApp.create({ activities: [...] }).`);
  }

  activityNamed(name: string): ActivityDefinition {
    const definition = this.activitiesByName.get(name);
    if (definition) return definition;
    throw new UnknownActivityError(name, [...this.activitiesByName.keys()]);
  }

  hasActivity(name: string): boolean {
    return this.activitiesByName.has(name);
  }

  private addOrchestrator(definition: OrchestratorDefinition): OrchestratorDefinition {
    const clash = this.orchestratorsByName.get(definition.name);
    if (clash) {
      throw new DefinitionError(
        `Two orchestrator classes are named '${definition.name}': ${clash.ctor.name} and ${definition.ctor.name}. ` +
          `Orchestrator names must be unique in an app; give one a different name with @Orchestrator('OtherName').`,
      );
    }
    this.orchestratorsByName.set(definition.name, definition);
    this.orchestratorsByClass.set(definition.ctor, definition);
    return definition;
  }

  private addActivityClass(definition: ActivityClassDefinition): ActivityClassDefinition {
    for (const activity of definition.byMethod.values()) {
      const clash = this.activitiesByName.get(activity.name);
      if (clash) {
        throw new DefinitionError(
          `Two activities are named '${activity.name}': ${clash.ctor.name}.${clash.methodName} and ${activity.ctor.name}.${activity.methodName}. ` +
            `Activity names must be unique in an app; give one a different name with @Activity('otherName').`,
        );
      }
    }
    for (const activity of definition.byMethod.values()) this.activitiesByName.set(activity.name, activity);
    this.activityClasses.set(definition.ctor, definition);
    return definition;
  }
}

function hasInheritedActivities(cls: Function): boolean {
  return DecoratorMetadata.lineage(cls).some((c) => DecoratorMetadata.declaresActivities(c));
}
