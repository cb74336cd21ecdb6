import type { OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { DurableApp } from '../app/durable-app';
import type { CollectedClasses } from './class-collector';
import type { NestInstanceFactory } from './nest-instance-factory';

/**
 * Ties the DurableApp to the Nest app's lifecycle:
 * - `onModuleInit` (every provider exists): looks up the dependencies of the jetstate
 *   classes, so a missing or request-scoped one fails `app.init()`;
 * - `onApplicationBootstrap`: starts the app;
 * - `onApplicationShutdown` (after Nest has closed its HTTP server, so controllers take no
 *   more requests): stops the app gracefully.
 */
export class JetstateLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly app: DurableApp,
    private readonly factory: NestInstanceFactory,
    private readonly classes: CollectedClasses,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      await this.factory.prepare(this.classes, this.moduleRef);
    } catch (error) {
      // Nest does not run shutdown hooks after a failed init; release the storage here.
      await this.app.stop();
      throw error;
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.app.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.app.stop();
  }
}
