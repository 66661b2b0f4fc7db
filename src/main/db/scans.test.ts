import { afterEach, describe, expect, it } from 'vitest';
import { closeDb, openWorkspaceDb, type WritableDb } from './connection';
import { insertScan, markInterruptedScans } from './scans';

let db: WritableDb;
afterEach(() => closeDb(db));

const statuses = () => (db.raw.prepare(`SELECT id, status FROM scans ORDER BY id`).all() as { id: number; status: string }[]).map((r) => r.status);

describe('markInterruptedScans', () => {
  it('marks the scans of dead processes, old rows and other hosts, and leaves a live process its own', () => {
    db = openWorkspaceDb(':memory:');
    db.raw.prepare(`INSERT INTO stores (path, name, added_at) VALUES ('/s', 's', 'now')`).run();
    const self = { pid: 100, host: 'here' };
    insertScan(db, 1, 'now', { pid: 200, host: 'here' }); // alive, another process on this machine
    insertScan(db, 1, 'now', { pid: 300, host: 'here' }); // dead
    insertScan(db, 1, 'now', { pid: 200, host: 'elsewhere' }); // another machine: cannot be asked
    insertScan(db, 1, 'now', self); // this process, from an earlier workspace object: not running any more
    db.raw.prepare(`INSERT INTO scans (store_id, started_at, status) VALUES (1, 'now', 'running')`).run(); // from before owners were recorded
    expect(markInterruptedScans(db, self, (pid) => pid === 200)).toBe(4);
    expect(statuses()).toEqual(['running', 'interrupted', 'interrupted', 'interrupted', 'interrupted']);
  });
});
