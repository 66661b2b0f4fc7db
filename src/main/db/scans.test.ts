import { afterEach, describe, expect, it } from 'vitest';
import { closeDb, openWorkspaceDb, type WritableDb } from './connection';
import { insertScan, markInterruptedScans, scansRunningElsewhere } from './scans';

let db: WritableDb;
afterEach(() => closeDb(db));

const statuses = () => (db.raw.prepare(`SELECT id, status FROM scans ORDER BY id`).all() as { id: number; status: string }[]).map((r) => r.status);

describe('markInterruptedScans', () => {
  it('marks the scans of dead processes, old rows and other hosts, and leaves a live process its own', () => {
    db = openWorkspaceDb(':memory:');
    db.raw.prepare(`INSERT INTO stores (path, name, added_at) VALUES ('/s', 's', 'now')`).run();
    const self = { pid: 100, host: 'here', start: '5000' };
    insertScan(db, 1, 'now', { pid: 200, host: 'here', start: '7000' }); // alive, another process on this machine
    insertScan(db, 1, 'now', { pid: 300, host: 'here', start: '7100' }); // dead
    insertScan(db, 1, 'now', { pid: 200, host: 'elsewhere', start: '7000' }); // another machine: cannot be asked
    insertScan(db, 1, 'now', self); // this process, from an earlier workspace object: not running any more
    db.raw.prepare(`INSERT INTO scans (store_id, started_at, status) VALUES (1, 'now', 'running')`).run(); // from before owners were recorded
    expect(markInterruptedScans(db, self, (pid) => pid === 200)).toEqual({ marked: 4, stillRunning: 1 });
    expect(statuses()).toEqual(['running', 'interrupted', 'interrupted', 'interrupted', 'interrupted']);
    expect(scansRunningElsewhere(db, 1, self, (pid) => pid === 200)).toEqual([{ id: 1, pid: 200 }]);
  });

  it('takes a pid whose process started at another time for another process that reused it', () => {
    db = openWorkspaceDb(':memory:');
    db.raw.prepare(`INSERT INTO stores (path, name, added_at) VALUES ('/s', 's', 'now')`).run();
    insertScan(db, 1, 'now', { pid: 200, host: 'here', start: '7000' });
    const pid200StartedAt = (_pid: number, start: string | null) => start === null || start === '9999'; // pid 200 is now a process started later
    expect(markInterruptedScans(db, { pid: 100, host: 'here', start: '5000' }, pid200StartedAt)).toEqual({ marked: 1, stillRunning: 0 });
  });
});
