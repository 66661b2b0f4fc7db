import { useEffect, useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Finding, Store } from '../../shared/domain';
import { Icon } from '../components/Icon';
import { ProgressBar } from '../components/ProgressBar';
import { Empty, ErrorBox, Loading } from '../components/States';
import { formatBytes, formatDuration, formatWhen, KIND_LABEL } from '../components/format';
import { useAppStore } from '../state/store';

export function StoresView() {
  const stores = useAppStore((s) => s.stores);
  const state = useAppStore((s) => s.storesState);
  const error = useAppStore((s) => s.storesError);
  const loadStores = useAppStore((s) => s.loadStores);
  const loadFindings = useAppStore((s) => s.loadFindings);
  useEffect(() => {
    void loadStores();
    void loadFindings();
  }, [loadStores, loadFindings]);

  return (
    <section className="view" aria-labelledby="stores-title">
      <header className="view-header">
        <div>
          <h1 id="stores-title">Stores</h1>
          <p className="muted">Folders Pedigree indexes: local disks, mounts, carried-in drives. Removing a store forgets its index; files on disk are never touched.</p>
        </div>
      </header>
      <AddStoreForm />
      {state === 'loading' && <Loading what="stores" />}
      {state === 'error' && <ErrorBox message={error ?? 'cannot load stores'} onRetry={() => void loadStores()} />}
      {state === 'ready' && stores.length === 0 && (
        <Empty title="No stores yet">Add a folder above: a checkpoint directory, an mlruns/ store, a DVC project or a Hugging Face cache.</Empty>
      )}
      <div className="store-list">
        {stores.map((s) => (
          <StoreCard key={s.id} store={s} />
        ))}
      </div>
    </section>
  );
}

function AddStoreForm() {
  const [path, setPath] = useState('');
  const addStore = useAppStore((s) => s.addStore);
  const pick = useAppStore((s) => s.pickAndAddStore);
  const desktop = useAppStore((s) => s.info?.mode === 'electron');
  const actionError = useAppStore((s) => s.actionError);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (path.trim() && (await addStore(path))) setPath('');
  };
  return (
    <form className="add-store" onSubmit={(e) => void submit(e)}>
      <label htmlFor="store-path" className="sr-only">
        Folder to add
      </label>
      <Icon name="folder" />
      <input id="store-path" className="input mono" placeholder="/path/to/a/folder of checkpoints, mlruns, a DVC project…" value={path} onChange={(e) => setPath(e.target.value)} spellCheck={false} autoComplete="off" />
      {desktop && (
        <button type="button" className="btn" onClick={() => void pick()}>
          Browse…
        </button>
      )}
      <button type="submit" className="btn primary" disabled={!path.trim()}>
        <Icon name="plus" size={16} /> Add store
      </button>
      {actionError && (
        <div className="form-error" role="alert">
          {actionError}
        </div>
      )}
    </form>
  );
}

function StoreCard({ store }: { store: Store }) {
  const scanning = useAppStore((s) => store.id in s.scanning);
  const progress = useAppStore((s) => s.scanning[store.id] ?? null);
  const summary = useAppStore((s) => s.lastSummary[store.id]);
  const findings = useAppStore(useShallow((s) => s.findings.filter((f) => f.storeId === store.id)));
  const rescan = useAppStore((s) => s.rescanStore);
  const cancel = useAppStore((s) => s.cancelScan);
  const remove = useAppStore((s) => s.removeStore);
  const navigate = useAppStore((s) => s.navigate);
  const [confirming, setConfirming] = useState(false);
  const [showFindings, setShowFindings] = useState(false);
  const c = store.counts;

  return (
    <article className="card store-card" aria-label={`store ${store.name}`}>
      <div className="store-head">
        <div className="store-title">
          <h2>{store.name}</h2>
          {store.status === 'offline' ? <span className="badge warn" title={store.offlineReason ?? 'The folder cannot be reached (unmounted disk?). Its index is kept.'}>offline</span> : scanning ? <span className="badge info">scanning</span> : <span className="badge ok">online</span>}
          <div className="mono muted small" title={store.path}>
            {store.path}
          </div>
          {store.status === 'offline' && (
            <p className="offline-reason small" role="status">
              {store.offlineReason ? `${store.offlineReason[0]!.toUpperCase()}${store.offlineReason.slice(1)}.` : 'The folder cannot be reached.'} Its index is kept; rescan when the disk is back.
            </p>
          )}
        </div>
        <div className="store-actions">
          {scanning ? (
            <button className="btn" onClick={() => void cancel(store.id)}>
              <Icon name="stop" size={16} /> Cancel
            </button>
          ) : (
            <button className="btn" onClick={() => void rescan(store.id)} title={store.status === 'offline' ? 'Look at the folder again and rescan it if it is back' : undefined}>
              <Icon name="refresh" size={16} /> Rescan
            </button>
          )}
          {confirming ? (
            <>
              <button className="btn danger" onClick={() => void remove(store.id)}>
                Forget {c.files.toLocaleString()} files
              </button>
              <button className="btn" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <button className="btn ghost" onClick={() => setConfirming(true)} aria-label={`remove store ${store.name}`}>
              <Icon name="trash" size={16} />
            </button>
          )}
        </div>
      </div>
      {scanning && <ProgressBar progress={progress} />}
      <dl className="stats">
        <div>
          <dt>Files</dt>
          <dd>{c.files.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Size</dt>
          <dd>{formatBytes(c.bytes)}</dd>
        </div>
        <div>
          <dt>Hashed</dt>
          <dd>
            {c.hashed.toLocaleString()}
            {c.files > 0 && <span className="muted small"> ({Math.floor((c.hashed / c.files) * 100)}%)</span>}
          </dd>
        </div>
        <div>
          <dt>Missing</dt>
          <dd className={c.missing ? 'warn-text' : ''}>{c.missing.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Findings</dt>
          <dd className={c.findings ? 'warn-text' : ''}>{c.findings.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Last scan</dt>
          <dd title={store.lastScanAt ?? ''}>
            {formatWhen(store.lastScanAt)}
            {store.lastScanStatus && store.lastScanStatus !== 'done' && <span className="muted small"> ({store.lastScanStatus})</span>}
          </dd>
        </div>
      </dl>
      <div className="kinds">
        {Object.entries(c.byKind)
          .sort((a, b) => b[1] - a[1])
          .map(([kind, n]) => (
            <button key={kind} className={`chip kind-${kind}`} onClick={() => navigate({ view: 'files', params: { kind, store: String(store.id) } })}>
              {KIND_LABEL[kind] ?? kind} <b>{n.toLocaleString()}</b>
            </button>
          ))}
      </div>
      {summary && !scanning && (
        <div className="muted small">
          Last scan: {summary.status}, {summary.new} new, {summary.changed} changed, {summary.moved} moved, {summary.missing} missing, {summary.errors} errors, in {formatDuration(summary.seconds)}
          {summary.message ? ` — ${summary.message}` : ''}
        </div>
      )}
      {findings.length > 0 && (
        <div className="findings">
          <button className="link" onClick={() => setShowFindings(!showFindings)} aria-expanded={showFindings}>
            {showFindings ? 'Hide' : 'Show'} {findings.length} finding{findings.length === 1 ? '' : 's'}
          </button>
          {showFindings && <FindingList findings={findings} />}
        </div>
      )}
    </article>
  );
}

function FindingList({ findings }: { findings: Finding[] }) {
  return (
    <table className="table findings-table">
      <thead>
        <tr>
          <th>Severity</th>
          <th>File</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {findings.slice(0, 200).map((f) => (
          <tr key={f.id}>
            <td>
              <span className={`badge sev-${f.severity}`}>{f.severity}</span>
            </td>
            <td className="mono small" title={f.path}>
              {f.path}
            </td>
            <td>
              {f.message} <span className="muted small">({f.code})</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
