/** The package's entry point: the SDK. The service itself runs through the `masspayout` CLI. */
export * from './client/index.ts';
