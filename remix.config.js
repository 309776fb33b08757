// The Remix options, in one place: vite.config.ts passes them to the Remix Vite plugin.
/** @type {import('@remix-run/dev').VitePluginConfig} */
export default {
  appDirectory: 'app',
  // REMIX_BUILD_DIR lets parallel checkouts/test runs build side by side.
  buildDirectory: process.env.REMIX_BUILD_DIR || 'build',
  serverModuleFormat: 'esm',
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
  // Flat routes (the v2 default convention); files ending in .test or starting with _ are not routes.
  ignoredRouteFiles: ['**/.*', '**/*.test.{ts,tsx}'],
};
