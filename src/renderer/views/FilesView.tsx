import { useCallback, useEffect, useRef, useState } from 'react';
import { FILE_KINDS, type FileRow } from '../../shared/domain';
import { Empty, ErrorBox, Loading } from '../components/States';
import { VirtualList } from '../components/VirtualList';
import { formatBytes, KIND_LABEL } from '../components/format';
import { filtersFromRoute, useAppStore } from '../state/store';
import { TYPING_PAUSE_MS } from './typing';

const ROW = 34;

export function FilesView() {
  const route = useAppStore((s) => s.route);
  const filters = useAppStore((s) => s.fileFilters);
  const setFilters = useAppStore((s) => s.setFileFilters);
  const files = useAppStore((s) => s.files);
  const total = useAppStore((s) => s.filesTotal);
  const state = useAppStore((s) => s.filesState);
  const error = useAppStore((s) => s.filesError);
  const took = useAppStore((s) => s.filesTookMs);
  const stores = useAppStore((s) => s.stores);
  const loadStores = useAppStore((s) => s.loadStores);
  const loadMore = useAppStore((s) => s.loadMoreFiles);
  const search = useAppStore((s) => s.searchFiles);
  const [text, setText] = useState(filters.query);
  const inputRef = useRef<HTMLInputElement>(null);

  // The URL is the source of truth for the filters (bookmarks, Back).
  useEffect(() => {
    const f = filtersFromRoute(route.params);
    useAppStore.setState({ fileFilters: f });
    setText(f.query);
    void search();
  }, [route.params, search]);
  useEffect(() => void loadStores(), [loadStores]);
  // Typing searches after a short pause, not on every key.
  useEffect(() => {
    if (text === filters.query) return;
    const t = setTimeout(() => setFilters({ query: text }), TYPING_PAUSE_MS);
    return () => clearTimeout(t);
  }, [text, filters.query, setFilters]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '/' && document.activeElement?.tagName !== 'INPUT') {
        e.preventDefault();
        inputRef.current?.focus();
      } else if (e.key === 'Escape' && document.activeElement === inputRef.current) {
        setText('');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const more = useCallback(() => void loadMore(), [loadMore]);
  // A filter change carries the text as typed, so a pending (debounced) edit is not lost to it.
  const apply = (patch: Parameters<typeof setFilters>[0]) => setFilters({ query: text, ...patch });

  return (
    <section className="view files-view" aria-labelledby="files-title">
      <header className="view-header">
        <div>
          <h1 id="files-title">Files</h1>
          <p className="muted">Every indexed file with its kind and digests. Search by name, path or digest prefix.</p>
        </div>
      </header>
      <div className="toolbar">
        <input ref={inputRef} className="input search" type="search" placeholder="Search names, paths, sha256 or md5 prefixes   ( / )" value={text} onChange={(e) => setText(e.target.value)} aria-label="search files" spellCheck={false} />
        <select className="input" value={filters.kind} onChange={(e) => apply({ kind: e.target.value as typeof filters.kind })} aria-label="kind">
          <option value="">All kinds</option>
          {FILE_KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_LABEL[k]}
            </option>
          ))}
        </select>
        <select className="input" value={filters.storeId ?? ''} onChange={(e) => apply({ storeId: e.target.value ? Number(e.target.value) : null })} aria-label="store">
          <option value="">All stores</option>
          {stores.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <select className="input" value={filters.sort} onChange={(e) => apply({ sort: e.target.value as typeof filters.sort })} aria-label="sort">
          <option value="path">Sort by path</option>
          <option value="size-desc">Largest first</option>
          <option value="size-asc">Smallest first</option>
          <option value="mtime-desc">Newest first</option>
        </select>
        <label className="check">
          <input type="checkbox" checked={filters.includeMissing} onChange={(e) => apply({ includeMissing: e.target.checked })} /> Include missing
        </label>
      </div>
      <div className="result-line muted small" aria-live="polite">
        {state === 'ready' && `${total.toLocaleString()} file${total === 1 ? '' : 's'}${took !== null ? ` · ${Math.round(took)} ms` : ''}`}
      </div>
      <div className="file-grid-head" role="presentation">
        <span>Path</span>
        <span>Kind</span>
        <span className="num">Size</span>
        <span>SHA-256</span>
        <span>Store</span>
      </div>
      {state === 'loading' && <Loading what="files" />}
      {state === 'error' && <ErrorBox message={error ?? 'search failed'} onRetry={() => void search()} />}
      {state === 'ready' && files.length === 0 && (
        <Empty title={filters.query || filters.kind || filters.storeId ? 'No file matches' : 'Nothing indexed yet'}>{filters.query || filters.kind || filters.storeId ? 'Try a shorter name, another kind, or all stores.' : 'Add a store in the Stores view; its files appear here as they are indexed.'}</Empty>
      )}
      {files.length > 0 && <VirtualList items={files} rowHeight={ROW} render={(f) => <FileLine file={f} />} onEndReached={more} ariaLabel="files" />}
    </section>
  );
}

function FileLine({ file }: { file: FileRow }) {
  const slash = file.path.lastIndexOf('/');
  const dir = slash >= 0 ? file.path.slice(0, slash + 1) : '';
  const name = slash >= 0 ? file.path.slice(slash + 1) : file.path;
  return (
    <div className={`file-line${file.state === 'missing' ? ' missing' : ''}`} title={file.absPath}>
      <span className="path mono">
        <span className="muted">{dir}</span>
        {name}
      </span>
      <span>
        <span className={`chip small kind-${file.kind}`}>{file.format ?? file.kind}</span>
      </span>
      <span className="num mono">{formatBytes(file.size)}</span>
      <span className="mono digest">{file.state === 'missing' ? <span className="badge warn">missing</span> : file.sha256 ? file.sha256.slice(0, 16) : <span className="muted">not hashed</span>}</span>
      <span className="muted">{file.storeName}</span>
    </div>
  );
}
