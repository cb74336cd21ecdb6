import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { GREETING, Ledger, Payments, RatesService, Wallet } from './fixtures/shop';

// Nest injects constructors from `design:paramtypes`, which only a compiler with decorator
// metadata writes. If the test transform stopped emitting it, every DI test below would
// fail for a reason that has nothing to do with jetstate; this says so directly.
describe('the test transform emits the decorator metadata Nest injects from', () => {
  it('writes design:paramtypes for a decorated entity and an activity class', () => {
    expect(Reflect.getMetadata('design:paramtypes', Wallet)).toEqual([RatesService, String]);
    expect(Reflect.getMetadata('design:paramtypes', Payments)).toEqual([Ledger]);
  });

  it('keeps the @Inject token and the @Optional mark of a parameter', () => {
    expect(Reflect.getMetadata('self:paramtypes', Wallet)).toEqual([{ index: 1, param: GREETING }]);
    expect(Reflect.getMetadata('optional:paramtypes', Wallet)).toEqual([1]);
  });
});
