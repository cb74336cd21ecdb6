import { describe, expect, test } from 'vitest';
import { DurableApp } from '../../src/index';

// The orchestration behaviour shared by both engines is in test/contract/orchestrations.contract.ts.
describe('orchestrations on the embedded engine', () => {
  test('unknown options types are refused', async () => {
    await expect(DurableApp.create({ orchestrators: 'HelloSequence' as never })).rejects.toThrow(/orchestrators must be an array/);
    await expect(DurableApp.create({ activities: {} as never })).rejects.toThrow(/activities must be an array/);
  });
});
