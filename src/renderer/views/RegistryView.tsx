import { useEffect, useState, type DragEvent, type FormEvent } from 'react';
import { REGISTRY_STAGES, versionLabel, type AuditEntry, type ModelVersion, type RegisteredModel } from '../../shared/registry';
import { Empty, ErrorBox, Loading } from '../components/States';
import { formatWhen } from '../components/format';
import { useAppStore } from '../state/store';

const ALIAS_MIME = 'application/x-pedigree-alias';

export function RegistryView() {
  const route = useAppStore((s) => s.route);
  const navigate = useAppStore((s) => s.navigate);
  const models = useAppStore((s) => s.models);
  const state = useAppStore((s) => s.modelsState);
  const error = useAppStore((s) => s.modelsError);
  const loadModels = useAppStore((s) => s.loadModels);
  const openModel = useAppStore((s) => s.openModel);
  const selected = route.params.model ?? null;
  useEffect(() => void loadModels(), [loadModels]);
  useEffect(() => void openModel(selected), [selected, openModel]);

  return (
    <section className="view registry-view" aria-labelledby="registry-title">
      <header className="view-header">
        <div>
          <h1 id="registry-title">Registry</h1>
          <p className="muted">Registered models and their immutable versions. A version pins its files' digests, its lineage and its card; drag an alias onto another version to move it.</p>
        </div>
      </header>
      <div className="registry-body">
        <nav className="model-list" aria-label="registered models">
          {state === 'loading' && <Loading what="models" />}
          {state === 'error' && <ErrorBox message={error ?? 'cannot load the registry'} onRetry={() => void loadModels()} />}
          {state === 'ready' && models.length === 0 && <Empty title="No registered models">Register a checkpoint below, or add a store that holds an MLflow registry or GTO tags.</Empty>}
          {models.map((m) => (
            <ModelItem key={m.uid} model={m} active={m.name === selected} onOpen={() => navigate({ view: 'registry', params: { model: m.name } })} />
          ))}
          <RegisterForm />
        </nav>
        <div className="model-page">{selected ? <ModelPage /> : <Empty title="Pick a model">Its versions, aliases, stages, integrity and audit log appear here.</Empty>}</div>
      </div>
    </section>
  );
}

function ModelItem({ model, active, onOpen }: { model: RegisteredModel; active: boolean; onOpen(): void }) {
  const troubled = model.integrity.modified + model.integrity.missing;
  return (
    <button className={`model-item${active ? ' active' : ''}`} onClick={onOpen} aria-current={active ? 'page' : undefined}>
      <div className="model-item-head">
        <b>{model.name}</b>
        {model.source !== 'local' && <span className="badge info">{model.source}</span>}
        {troubled > 0 && <span className="badge sev-error">{troubled} modified</span>}
      </div>
      <div className="muted small">
        {model.versionCount} version{model.versionCount === 1 ? '' : 's'}
        {model.latest ? ` · latest ${model.latest.label}` : ''}
      </div>
      <div className="chips">
        {model.aliases.map((a) => (
          <span key={a.alias} className="alias-chip static">
            @{a.alias} <span className="muted">{versionLabel(a.version)}</span>
          </span>
        ))}
        {Object.entries(model.stages)
          .filter(([stage, versions]) => stage !== 'none' && versions.length)
          .map(([stage, versions]) => (
            <span key={stage} className={`stage-chip stage-${stage}`}>
              {stage} {versions.join(', ')}
            </span>
          ))}
      </div>
    </button>
  );
}

function ModelPage() {
  const model = useAppStore((s) => s.model);
  const state = useAppStore((s) => s.modelState);
  const error = useAppStore((s) => s.modelError);
  const actionError = useAppStore((s) => s.registryError);
  const audit = useAppStore((s) => s.audit);
  if (state === 'loading' && !model) return <Loading what="the model" />;
  if (state === 'error') return <ErrorBox message={error ?? 'cannot load the model'} />;
  if (!model) return null;
  return (
    <div className="model-detail" aria-label={`model ${model.name}`}>
      <header>
        <h2>{model.name}</h2>
        <div className="muted small">
          {model.source === 'local' ? `created ${formatWhen(model.createdAt)} by ${model.createdBy}` : `read from ${model.source} (${model.sourceStore ?? '?'}${model.sourceName ? `, ${model.sourceName}` : ''})`}
        </div>
        {model.description && <p>{model.description}</p>}
        {actionError && (
          <div className="form-error" role="alert">
            {actionError}
          </div>
        )}
      </header>
      <table className="table versions" aria-label="versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Registered</th>
            <th>Files</th>
            <th>Aliases</th>
            <th>Stage</th>
            <th>Integrity</th>
          </tr>
        </thead>
        <tbody>
          {model.versions
            .slice()
            .sort((a, b) => b.number - a.number)
            .map((v) => (
              <VersionRow key={v.uid} version={v} />
            ))}
        </tbody>
      </table>
      <section aria-label="audit log">
        <h3>Audit log</h3>
        <ol className="timeline">
          {audit
            .slice()
            .reverse()
            .map((e) => (
              <AuditItem key={e.uid} entry={e} />
            ))}
        </ol>
      </section>
    </div>
  );
}

function VersionRow({ version: v }: { version: ModelVersion }) {
  const moveAlias = useAppStore((s) => s.moveAlias);
  const setStage = useAppStore((s) => s.setStage);
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const alias = e.dataTransfer.getData(ALIAS_MIME);
    if (alias && !v.aliases.includes(alias)) void moveAlias(v.name, alias);
  };
  return (
    <tr
      className={`version-row${over ? ' drop-over' : ''}`}
      aria-label={`version ${v.label}`}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes(ALIAS_MIME)) {
          e.preventDefault();
          setOver(true);
        }
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <td>
        <b>{v.label}</b>
        {v.source !== 'local' && <div className="muted small">{v.source}</div>}
      </td>
      <td className="small">
        {formatWhen(v.registeredAt)}
        <div className="muted">{v.registeredBy}</div>
      </td>
      <td className="small">
        {v.files.slice(0, 3).map((f) => (
          <div key={f.store + f.path} className="mono" title={`${f.store}/${f.path}\nsha256 ${f.sha256}`}>
            {f.path.split('/').pop()} <span className="muted">{f.sha256.slice(0, 10)}</span>
          </div>
        ))}
        {v.files.length > 3 && <div className="muted">+{v.files.length - 3} more</div>}
      </td>
      <td>
        <div className="chips">
          {v.aliases.map((a) => (
            <span key={a} className="alias-chip" draggable onDragStart={(e) => e.dataTransfer.setData(ALIAS_MIME, a)} title="drag onto another version to move it">
              @{a}
            </span>
          ))}
        </div>
      </td>
      <td>
        <select className="input" value={v.stage} aria-label={`stage of ${v.label}`} onChange={(e) => void setStage(v.name, e.target.value)}>
          {REGISTRY_STAGES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </td>
      <td>
        <span className={`badge ${v.integrity.status === 'intact' ? 'ok' : 'sev-error'}`}>{v.integrity.status === 'modified' ? 'modified since registration' : v.integrity.status}</span>
        {v.integrity.files
          .filter((f) => f.status !== 'intact')
          .map((f) => (
            <div key={f.path} className="mono small integrity-detail">
              {f.path.split('/').pop()}: {f.registeredSha256.slice(0, 10)} → {f.currentSha256 ? f.currentSha256.slice(0, 10) : 'gone'}
            </div>
          ))}
      </td>
    </tr>
  );
}

const ACTION_LABEL: Record<string, string> = {
  'model.create': 'created the model',
  'model.update': 'updated the model',
  'version.register': 'registered',
  'version.source-update': 'updated from the source',
  'stage.set': 'set the stage of',
  'alias.set': 'set an alias on',
  'alias.remove': 'removed an alias from',
  'registry.import': 'imported',
};

function AuditItem({ entry: e }: { entry: AuditEntry }) {
  const show = (v: unknown): string => {
    if (v === null || v === undefined) return '∅';
    if (typeof v === 'string') return v;
    // one-field changes ({stage: …}, {version: …}) read best as their value
    const entries = typeof v === 'object' && !Array.isArray(v) ? Object.entries(v as Record<string, unknown>) : [];
    if (entries.length === 1) return entries[0]![0] === 'version' ? versionLabel(String(entries[0]![1])) : String(entries[0]![1]);
    return JSON.stringify(v).slice(0, 80);
  };
  return (
    <li className="timeline-item">
      <span className="muted small" title={e.at}>
        {formatWhen(e.at)}
      </span>{' '}
      <b>{e.actor}</b> {ACTION_LABEL[e.action] ?? e.action} {e.version && <b>{versionLabel(e.version)}</b>} {e.alias && <span className="alias-chip static">@{e.alias}</span>}
      {e.origin !== 'local' && <span className="badge info">{e.origin}</span>}
      {(e.before !== null || e.after !== null) && e.action !== 'version.register' && (
        <div className="mono small muted">
          {show(e.before)} → {show(e.after)}
        </div>
      )}
    </li>
  );
}

function RegisterForm() {
  const register = useAppStore((s) => s.registerVersion);
  const navigate = useAppStore((s) => s.navigate);
  const error = useAppStore((s) => s.registryError);
  const [name, setName] = useState('');
  const [paths, setPaths] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const list = paths.split('\n').map((p) => p.trim()).filter(Boolean);
    if (await register(name.trim(), list)) {
      setPaths('');
      navigate({ view: 'registry', params: { model: name.trim() } });
    }
  };
  return (
    <form className="register-form" onSubmit={(e) => void submit(e)} aria-label="register a version">
      <h3>Register a version</h3>
      <input className="input" placeholder="model name, e.g. acme/sentiment" value={name} onChange={(e) => setName(e.target.value)} aria-label="model name" spellCheck={false} />
      <textarea className="input mono" rows={3} placeholder="indexed file paths, one per line" value={paths} onChange={(e) => setPaths(e.target.value)} aria-label="file paths" spellCheck={false} />
      <button className="btn primary" disabled={!name.trim() || !paths.trim()}>
        Register
      </button>
      {error && (
        <div className="form-error" role="alert">
          {error}
        </div>
      )}
    </form>
  );
}
