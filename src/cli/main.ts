#!/usr/bin/env node
// The `jetstate` binary.
import 'reflect-metadata';
import { runCli } from './program';

runCli(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
