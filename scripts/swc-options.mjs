// One SWC configuration for the build and for Jest, so tests run the code exactly as it ships.
// Decorator metadata is what Nest's dependency injection and class-validator read at run time.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function swcOptions({ rewritePaths }) {
  return {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      target: 'es2023',
      keepClassNames: true,
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      // The build rewrites `@vigil/<lib>` to relative paths inside dist/; Jest maps them itself.
      ...(rewritePaths ? { baseUrl: root, paths: { '@vigil/*': ['libs/*/src/index.ts'] } } : {}),
    },
    module: { type: 'es6', resolveFully: rewritePaths },
    sourceMaps: rewritePaths ? true : 'inline',
  };
}
