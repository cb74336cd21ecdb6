// class-transformer ships the metadata storage's types but no declaration for its CommonJS path.
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
