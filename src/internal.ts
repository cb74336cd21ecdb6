// Internals for tests and benchmarks. Not a stable API.
export * from './index';
export { EmbeddedEngine } from './engine/embedded/embedded-engine';
export { LevelStore } from './engine/level-store';
export { StorageKeys } from './engine/embedded/storage-keys';
export { fnv1a, partitionOf } from './engine/partitioner';
export { Registry } from './registry/registry';
export { decodeSnapshot, encodeSnapshot } from './runtime/snapshot-codec';
export { toJson, toPlain } from './runtime/value-codec';
