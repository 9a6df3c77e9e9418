// Stops everything global-setup.ts started.
import { stack } from './global-setup.ts';

export default function globalTeardown() {
  stack('down');
}
