import { useEffect } from 'react';
import { Icon } from './components/Icon';
import { ErrorBoundary } from './components/ErrorBoundary';
import { ErrorBox } from './components/States';
import { useAppStore } from './state/store';
import type { ViewId } from './state/route';
import { FilesView } from './views/FilesView';
import { LineageView } from './views/LineageView';
import { RegistryView } from './views/RegistryView';
import { CompareView } from './views/CompareView';
import { CardsView } from './views/CardsView';
import { StoresView } from './views/StoresView';

const NAV: { id: ViewId; label: string; icon: string }[] = [
  { id: 'stores', label: 'Stores', icon: 'stores' },
  { id: 'files', label: 'Files', icon: 'files' },
  { id: 'registry', label: 'Registry', icon: 'registry' },
  { id: 'lineage', label: 'Lineage', icon: 'lineage' },
  { id: 'compare', label: 'Compare', icon: 'compare' },
  { id: 'cards', label: 'Cards', icon: 'card' },
];

export function App() {
  const route = useAppStore((s) => s.route);
  const navigate = useAppStore((s) => s.navigate);
  const info = useAppStore((s) => s.info);
  const connection = useAppStore((s) => s.connection);
  const connectionError = useAppStore((s) => s.connectionError);
  const scanningCount = useAppStore((s) => Object.keys(s.scanning).length);
  const boot = useAppStore((s) => s.boot);
  const syncRoute = useAppStore((s) => s.syncRouteFromUrl);

  useEffect(() => {
    void boot();
    window.addEventListener('popstate', syncRoute);
    window.addEventListener('hashchange', syncRoute);
    return () => {
      window.removeEventListener('popstate', syncRoute);
      window.removeEventListener('hashchange', syncRoute);
    };
  }, [boot, syncRoute]);

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="main">
        <div className="brand">
          <img src="./favicon.svg" alt="" width={22} height={22} />
          <span>Pedigree</span>
        </div>
        <ul>
          {NAV.map((n) => (
            <li key={n.id}>
              <a
                href={`#/${n.id}`}
                className={route.view === n.id ? 'active' : ''}
                aria-current={route.view === n.id ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  navigate({ view: n.id, params: {} });
                }}
              >
                <Icon name={n.icon} />
                <span>{n.label}</span>
                {n.id === 'stores' && scanningCount > 0 && <span className="dot" title="scanning" />}
              </a>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot muted small">
          {info ? (
            <>
              <div title={info.dbPath} className="mono ellipsis">
                {info.dbPath.split('/').slice(-2).join('/')}
              </div>
              <div>
                v{info.version} · {info.mode === 'electron' ? 'desktop' : 'browser mode'}
              </div>
            </>
          ) : (
            connection === 'connecting' && <div>connecting…</div>
          )}
        </div>
      </nav>
      <main className="main">
        <ErrorBoundary resetKey={route.view}>
        {connection === 'lost' ? (
          <div className="view">
            <ErrorBox message={`Cannot reach the Pedigree core: ${connectionError ?? 'no answer'}`} onRetry={() => void boot()} />
          </div>
        ) : route.view === 'files' ? (
          <FilesView />
        ) : route.view === 'lineage' ? (
          <LineageView />
        ) : route.view === 'registry' ? (
          <RegistryView />
        ) : route.view === 'compare' ? (
          <CompareView />
        ) : route.view === 'cards' ? (
          <CardsView />
        ) : (
          <StoresView />
        )}
        </ErrorBoundary>
      </main>
    </div>
  );
}
