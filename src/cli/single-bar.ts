import { createRequire } from 'node:module';

/**
 * cli-progress's bar, loaded when the first bar is drawn. Bars are drawn on a terminal only, so most
 * starts (pipes, scripts, CI, the tests) never need its ~16 files, and every start would otherwise
 * pay for loading them. It is CommonJS: require() hands it over at once, so drawing stays synchronous.
 */
export function loadSingleBar(): typeof import('cli-progress').SingleBar {
  const require = createRequire(import.meta.url);
  return (require('cli-progress') as typeof import('cli-progress')).SingleBar;
}
