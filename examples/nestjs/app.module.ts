import { Module } from '@nestjs/common';
// In your own project: import { JetstateModule } from 'jetstate/nestjs';
import { JetstateModule } from '../../src/nestjs';
import { Checkout } from './checkout.orchestrator';
import { PaymentGateway, Payments } from './payments.activities';
import { RatesService } from './rates.service';
import { ShopController } from './shop.controller';
import { Wallet } from './wallet.entity';

/** Where the shop keeps its data, and whether it runs on NATS (`NATS_URL`). */
export interface ShopOptions {
  dataDir: string;
  nats?: string;
  /** jetstate's log level. Default `warn`. */
  logLevel?: 'warn' | 'silent';
}

/** The shop's root module: jetstate hosts the wallet, the checkout and its payments. */
export function shopModule(options: ShopOptions): new () => unknown {
  @Module({
    imports: [
      JetstateModule.forRoot({
        dataDir: options.dataDir,
        ...(options.nats ? { nats: options.nats } : {}),
        logger: { level: options.logLevel ?? 'warn' },
        entities: [Wallet],
        orchestrators: [Checkout],
        activities: [Payments],
      }),
    ],
    providers: [RatesService, PaymentGateway],
    controllers: [ShopController],
  })
  class AppModule {}
  return AppModule;
}
