/** Metadata keys written by the decorators and read once by the registry. */
export const ENTITY_METADATA = 'jetstate:entity';
export const OPERATIONS_METADATA = 'jetstate:operations';
export const ORCHESTRATOR_METADATA = 'jetstate:orchestrator';
export const ACTIVITIES_METADATA = 'jetstate:activities';
export const ROLL_UP_METADATA = 'jetstate:roll-up';
export const WINDOWED_METADATA = 'jetstate:windowed';
