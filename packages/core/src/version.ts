/** Kept in sync with package.json by the release script (changesets bumps both). */
export const PACKAGE_VERSION = '0.1.0';
