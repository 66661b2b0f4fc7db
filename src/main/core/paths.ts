import { homedir, platform } from 'node:os';
import { join } from 'node:path';

/**
 * Where the workspace lives by default: the platform's user-data folder
 * (XDG_DATA_HOME on Linux), shared by the app, the CLI and browser mode so all
 * three see the same index. `--db` and PEDIGREE_DB override it.
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  switch (platform()) {
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'Pedigree');
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Pedigree');
    default:
      return join(env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share'), 'pedigree');
  }
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PEDIGREE_DB && env.PEDIGREE_DB.length > 0 ? env.PEDIGREE_DB : join(userDataDir(env), 'workspace.db');
}
