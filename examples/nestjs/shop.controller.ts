import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Sse, type MessageEvent } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
// In your own project: import { DurableClient } from 'jetstate/nestjs';
import { DurableClient } from '../../src/nestjs';
import { Checkout, type CheckoutInput } from './checkout.orchestrator';
import { Wallet, type Deposit } from './wallet.entity';

/** Wallets (an entity per id) and checkouts (an orchestration per order), over HTTP. */
@Controller()
export class ShopController {
  constructor(private readonly client: DurableClient) {}

  /** Stores the deposit and answers 202; the wallet applies it right after. */
  @Post('wallets/:id/deposits')
  @HttpCode(202)
  async deposit(@Param('id') id: string, @Body() body: Deposit): Promise<{ accepted: true }> {
    await this.client.entity(Wallet, id).signal.deposit(body);
    return { accepted: true };
  }

  @Get('wallets/:id')
  async wallet(@Param('id') id: string): Promise<Wallet> {
    const { entityExists, entityState } = await this.client.entity(Wallet, id).read();
    if (!entityExists || !entityState) throw new NotFoundException(`no wallet '${id}'`);
    return entityState;
  }

  /** The wallet now, then after every committed change, as server-sent events. */
  @Sse('wallets/:id/stream')
  stream(@Param('id') id: string): Observable<MessageEvent> {
    return this.client.entity(Wallet, id).state$.pipe(map((wallet) => ({ data: wallet })));
  }

  /** Starts the checkout of an order (its id is the instance id) and answers 202 with where to look. */
  @Post('checkouts')
  @HttpCode(202)
  async checkout(@Body() body: CheckoutInput): Promise<{ id: string; status: string }> {
    const handle = await this.client.startNew(Checkout, body, { instanceId: `checkout-${body.orderId}` });
    return { id: handle.instanceId, status: `/checkouts/${handle.instanceId}` };
  }

  @Get('checkouts/:id')
  async checkoutStatus(@Param('id') id: string): Promise<{ runtimeStatus: string; output?: unknown }> {
    const status = await this.client.getStatus(id);
    if (!status) throw new NotFoundException(`no checkout '${id}'`);
    return { runtimeStatus: status.runtimeStatus, ...(status.output === undefined ? {} : { output: status.output }) };
  }
}
