import type { Logger } from 'pino';
import { DurableClient } from '../client/durable-client';
import { EmbeddedEngine } from '../engine/embedded/embedded-engine';
import { openNatsEngine } from '../engine/nats/open-nats-engine';
import { createLogger } from '../logging';
import { instanceFactory } from '../runtime/instance-factory';
import type { Engine, EngineStats } from '../engine/engine';
import type { EngineOptions } from '../engine/engine-options';
import { Registry } from '../registry/registry';
import type { Constructor } from '../registry/entity-definition';
import { EntityExecutor } from '../runtime/entity-executor';
import type { ActivityHandler } from '../runtime/activity-tasks';
import { createActivityHandler } from '../runtime/orchestration/activity-handler';
import { ActivityRunner } from '../runtime/orchestration/activity-runner';
import { OrchestrationEntity } from '../runtime/orchestration/orchestration-entity';
import { InstanceRetention } from '../client/instance-retention';
import { OrchestrationClient } from '../client/orchestration-client';
import type { DurableAppOptions, DurableAppOptionsWithDefaults } from './durable-app-options';
import { validateOptions } from './validate-options';
import { loadTelemetry } from '../telemetry/telemetry';
import { InstanceCountMetric } from './instance-count-metric';

/**
 * A jetstate application: hosts entities on an engine and exposes a {@link DurableClient}.
 *
 * @example
 * ```ts
 * const app = await DurableApp.create({ entities: [Counter], dataDir: './.jetstate' });
 * await app.start();
 * await app.client.entity(Counter, 'visits').signal.add(5);
 * await app.stop();
 * ```
 */
export class DurableApp {
  private started = false;
  private stopped: Promise<void> | undefined;

  private constructor(
    /** The client of this app's entities. Usable as soon as the app is created. */
    readonly client: DurableClient,
    /** The app's logger. */
    readonly logger: Logger,
    private readonly engine: Engine,
    private readonly retention: InstanceRetention | undefined,
    private readonly instanceCounts: InstanceCountMetric | undefined,
  ) {}

  /**
   * Validates the options and entity classes, opens storage and recovers what was
   * pending. Signals sent before {@link start} are stored and run once it is called.
   */
  static async create(options: DurableAppOptions = {}): Promise<DurableApp> {
    const settings = validateOptions(options);
    await loadTelemetry();
    const logger = createLogger(settings.logger);
    const createInstance = instanceFactory(settings.resolve);
    // Orchestration instances are a built-in entity the partition workers process.
    const orchestrations = new OrchestrationEntity({ logger, clock: settings.clock, createInstance, cacheCapacity: settings.cacheCapacity });
    const registry = Registry.create({
      entities: settings.entities,
      orchestrators: settings.orchestrators,
      activities: settings.activities,
      builtIns: [orchestrations.definition],
    });
    orchestrations.bind(registry);
    const createEntity = (ctor: Constructor): object => (orchestrations.owns(ctor) ? new (ctor as new () => object)() : createInstance(ctor));
    const createExecutor = (limits?: { maxStateBytes: number; maxMessageBytes: number }): EntityExecutor =>
      new EntityExecutor({ registry, logger, createInstance: createEntity, now: () => settings.clock.now(), ...limits });
    // Orchestrators need the activity runner even without activities of their own: ctx.callHttp runs as a built-in activity.
    const activities: ActivityHandler | undefined =
      registry.activities.length > 0 || registry.orchestrators.length > 0
        ? createActivityHandler(new ActivityRunner({ registry, createInstance, logger }))
        : undefined;
    const engine =
      settings.nats === undefined
        ? await openEmbedded(settings, createExecutor(), logger, activities)
        : await openNatsEngine({
            servers: settings.nats,
            hubName: settings.hub,
            partitionCountGiven: settings.partitionCountGiven,
            leaseTimeMs: settings.leaseTimeMs,
            inputRetentionMs: settings.inputRetentionMs,
            replicas: settings.replicas,
            callTimeoutMs: settings.callTimeoutMs,
            activityAckWaitMs: settings.activityAckWaitMs,
            ...engineOptions(settings, logger, activities),
            registry,
            createExecutor,
            ...(options.dataDir === undefined ? {} : { dataDir: settings.dataDir }),
          });
    const client = new DurableClient({ registry, engine, createInstance });
    const retention =
      settings.instanceRetention && new InstanceRetention(new OrchestrationClient({ registry, engine }), settings.instanceRetention, settings.clock, logger);
    const instanceCounts = registry.orchestrators.length > 0 ? new InstanceCountMetric(client.insights) : undefined;
    return new DurableApp(client, logger, engine, retention, instanceCounts);
  }
  /** Starts applying operations. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.engine.start();
    this.retention?.start();
    this.instanceCounts?.start();
  }

  /** Counters of what this app has processed since it started: applied, failed (rolled back), backlog, ... */
  stats(): EngineStats {
    return this.engine.stats();
  }

  /**
   * Stops gracefully: in-flight batches are committed, calls not yet applied are rejected,
   * state streams complete, and storage is closed. Signals still queued stay stored and
   * run after the next start.
   */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.instanceCounts?.stop();
      await this.retention?.stop();
      await this.engine.stop();
    })();
    return this.stopped;
  }
}

function openEmbedded(
  settings: DurableAppOptionsWithDefaults,
  executor: EntityExecutor,
  logger: Logger,
  activities: ActivityHandler | undefined,
): Promise<Engine> {
  return EmbeddedEngine.open({ ...engineOptions(settings, logger, activities), directory: settings.dataDir, executor, durability: settings.durability });
}

/** The settings both engines take, from the app's options. */
function engineOptions(settings: DurableAppOptionsWithDefaults, logger: Logger, activities: ActivityHandler | undefined): EngineOptions {
  return {
    logger,
    partitionCount: settings.partitionCount,
    maxBatchSize: settings.maxBatchSize,
    cacheCapacity: settings.cacheCapacity,
    clock: settings.clock,
    activityConcurrency: settings.maxConcurrentActivities,
    ...(activities ? { activities } : {}),
  };
}
